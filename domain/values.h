// Value types of the domain: dates, timestamps, the six quantities, the
// enumerations of the HTTP contract, and the checks on identifiers and codes.
#ifndef SYNERGY_DOMAIN_VALUES_H_
#define SYNERGY_DOMAIN_VALUES_H_

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "domain/result.h"

namespace synergy {

// A business date (what the facilitator says happened): days since
// 1970-01-01, proleptic Gregorian calendar.
struct Date {
  std::int32_t days = 0;

  // Parses exactly "YYYY-MM-DD" naming a real calendar day; nullopt otherwise.
  static std::optional<Date> Parse(std::string_view text);
  static Date FromYmd(int year, unsigned month, unsigned day);
  std::string ToString() const;  // "YYYY-MM-DD"
  int Year() const;

  friend auto operator<=>(const Date&, const Date&) = default;
};

// System time: microseconds since the Unix epoch, UTC.
struct Timestamp {
  std::int64_t micros = 0;

  // RFC 3339 in any form (0 to 9 fraction digits, truncated to
  // microseconds; "Z" or "+hh:mm"/"-hh:mm"; a leap second hh:mm:60 is the
  // last microsecond of hh:mm:59), or a bare date "YYYY-MM-DD" meaning the
  // end of that day UTC. nullopt for anything else.
  static std::optional<Timestamp> Parse(std::string_view text);
  // RFC 3339 UTC with microseconds: "2026-11-28T10:44:21.123456Z".
  std::string ToString() const;
  Date UtcDate() const;

  friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
};

// The measured or estimated benefits of a synergy. An absent field is 0.
struct Quantities {
  double savings_eur = 0;
  double tonnes_recovered = 0;
  double co2e_avoided_t = 0;
  double water_m3 = 0;
  double energy_mwh = 0;
  double jobs = 0;

  friend bool operator==(const Quantities&, const Quantities&) = default;
};

// The six fields in the contract's order, for code that walks them all.
struct QuantityField {
  std::string_view name;
  double Quantities::*member;
  bool may_be_negative;
};
extern const std::array<QuantityField, 6> kQuantityFields;

// Checks every field is finite and those that must be are >= 0, naming every
// field that is not. `prefix` is the dotted path of the object ("values",
// "estimated") used in the error.
Status ValidateQuantities(const Quantities& q, std::string_view prefix);

// The numeric values of these enumerations are stored in the log: never
// renumber or reorder them; add new values at the end.
enum class SynergyKind { kSubstitution = 0, kMutualisation = 1 };
enum class Resource {
  kWaste = 0,
  kRawMaterial = 1,
  kWater = 2,
  kEnergy = 3,
  kEquipment = 4,
  kInfrastructure = 5,
  kLand = 6,
  kService = 7,
  kMobility = 8,
};
enum class ParticipantRole { kProvider = 0, kReceiver = 1, kMember = 2 };
enum class Decision { kGo = 0, kNoGo = 1 };
enum class ReasonCode {
  kTechnical = 0,
  kEconomic = 1,
  kRegulatory = 2,
  kLogistic = 3,
  kPartnerLeft = 4,
  kNoGo = 5,
  kOther = 6,
};
enum class MeasurementMethod {
  kMetered = 0,
  kInvoiced = 1,
  kCalculated = 2,
  kDeclared = 3,
};
enum class Stage { kIdentified, kStudied, kOperational, kMeasured, kAbandoned };

// The wire names of an enumeration ("raw_material", "no_go", ...), indexed
// by its values: each enumeration that has them specialises WireNameTable
// with a `names` array, and ToString, ParseEnum and WireNames serve it.
template <typename Enum>
struct WireNameTable;
template <>
struct WireNameTable<SynergyKind> {
  static constexpr std::array<std::string_view, 2> names{"substitution", "mutualisation"};
};
template <>
struct WireNameTable<Resource> {
  static constexpr std::array<std::string_view, 9> names{
      "waste", "raw_material", "water", "energy", "equipment", "infrastructure",
      "land", "service", "mobility"};
};
template <>
struct WireNameTable<ParticipantRole> {
  static constexpr std::array<std::string_view, 3> names{"provider", "receiver", "member"};
};
template <>
struct WireNameTable<Decision> {
  static constexpr std::array<std::string_view, 2> names{"go", "no_go"};
};
template <>
struct WireNameTable<ReasonCode> {
  static constexpr std::array<std::string_view, 7> names{
      "technical", "economic", "regulatory", "logistic", "partner_left", "no_go", "other"};
};
template <>
struct WireNameTable<MeasurementMethod> {
  static constexpr std::array<std::string_view, 4> names{"metered", "invoiced", "calculated",
                                                         "declared"};
};
template <>
struct WireNameTable<Stage> {
  static constexpr std::array<std::string_view, 5> names{"identified", "studied", "operational",
                                                         "measured", "abandoned"};
};

template <typename Enum>
concept HasWireNames = requires { WireNameTable<Enum>::names; };

template <HasWireNames Enum>
std::string_view ToString(Enum v) {
  return WireNameTable<Enum>::names[static_cast<std::size_t>(v)];
}
// nullopt for any text but a wire name.
template <HasWireNames Enum>
std::optional<Enum> ParseEnum(std::string_view text) {
  const auto& names = WireNameTable<Enum>::names;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return std::nullopt;
}
// Every wire name, in the order of the values.
template <HasWireNames Enum>
std::span<const std::string_view> WireNames() {
  return WireNameTable<Enum>::names;
}

// ^[a-z0-9][a-z0-9-]{0,63}$
bool IsValidId(std::string_view id);
// Six digits, optionally followed by '*' (hazardous waste).
bool IsValidEwcCode(std::string_view code);
// Fourteen digits passing the Luhn check, or a La Poste establishment
// (SIREN 356000000) whose digit sum is divisible by 5.
bool IsValidSiret(std::string_view siret);
// A NAF/APE code: four digits and an upper-case letter, "1071C" or "10.71C".
bool IsValidNace(std::string_view nace);

}  // namespace synergy

#endif  // SYNERGY_DOMAIN_VALUES_H_
