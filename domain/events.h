// One struct per event of the HTTP contract. Events are facts: every field
// was validated by a decider before the event was appended.
//
// Each event carries a stable type tag (kType) and the schema version of its
// current shape (kSchemaVersion); the codec stores both with every event.
#ifndef SYNERGY_DOMAIN_EVENTS_H_
#define SYNERGY_DOMAIN_EVENTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/values.h"

namespace synergy {

struct ProgrammeLaunched {
  static constexpr std::string_view kType = "ProgrammeLaunched";
  static constexpr std::uint32_t kSchemaVersion = 1;
  std::string id;
  std::string name;
  std::string region;
  std::string department;
  std::optional<std::string> zone;
  std::string facilitator_org;
  Date started_on;
  friend bool operator==(const ProgrammeLaunched&, const ProgrammeLaunched&) = default;
};

struct CompanyEnrolled {
  static constexpr std::string_view kType = "CompanyEnrolled";
  static constexpr std::uint32_t kSchemaVersion = 1;
  std::string id;
  std::string name;
  std::optional<std::string> siret;
  std::optional<std::string> nace;
  std::optional<std::int64_t> employees;
  friend bool operator==(const CompanyEnrolled&, const CompanyEnrolled&) = default;
};

struct CompanyWithdrew {
  static constexpr std::string_view kType = "CompanyWithdrew";
  static constexpr std::uint32_t kSchemaVersion = 1;
  std::string company_id;
  Date occurred_on;
  std::string reason;
  friend bool operator==(const CompanyWithdrew&, const CompanyWithdrew&) = default;
};

struct DiagnosticRecorded {
  static constexpr std::string_view kType = "DiagnosticRecorded";
  static constexpr std::uint32_t kSchemaVersion = 1;
  std::string company_id;
  Date performed_on;
  std::vector<Resource> resources;
  friend bool operator==(const DiagnosticRecorded&, const DiagnosticRecorded&) = default;
};

struct Participant {
  std::string company_id;
  ParticipantRole role;
  friend bool operator==(const Participant&, const Participant&) = default;
};

struct SynergyIdentified {
  static constexpr std::string_view kType = "SynergyIdentified";
  static constexpr std::uint32_t kSchemaVersion = 1;
  std::string id;
  std::string programme;
  std::string title;
  SynergyKind kind;
  Resource resource;
  std::vector<Participant> participants;
  std::optional<std::string> ewc_code;
  std::optional<std::string> description;
  Date occurred_on;
  friend bool operator==(const SynergyIdentified&, const SynergyIdentified&) = default;
};

// The five aspects of a feasibility study, each optional free text.
struct StudyAspects {
  std::optional<std::string> organisational;
  std::optional<std::string> technical;
  std::optional<std::string> economic;
  std::optional<std::string> logistic;
  std::optional<std::string> legal;
  friend bool operator==(const StudyAspects&, const StudyAspects&) = default;
};

struct FeasibilityStudied {
  static constexpr std::string_view kType = "FeasibilityStudied";
  static constexpr std::uint32_t kSchemaVersion = 1;
  Date occurred_on;
  StudyAspects aspects;
  std::vector<std::string> success_factors;
  std::vector<std::string> obstacles;
  std::vector<std::string> levers;
  Decision decision;
  Quantities estimated;
  friend bool operator==(const FeasibilityStudied&, const FeasibilityStudied&) = default;
};

struct SynergyOperational {
  static constexpr std::string_view kType = "SynergyOperational";
  static constexpr std::uint32_t kSchemaVersion = 1;
  Date occurred_on;
  std::optional<std::string> note;
  friend bool operator==(const SynergyOperational&, const SynergyOperational&) = default;
};

struct BenefitsMeasured {
  static constexpr std::string_view kType = "BenefitsMeasured";
  static constexpr std::uint32_t kSchemaVersion = 1;
  std::string id;
  Date period_from;
  Date period_to;
  Quantities values;
  MeasurementMethod method;
  std::optional<std::string> source;
  std::optional<std::string> verified_by;
  std::optional<std::string> co2e_factor_source;
  friend bool operator==(const BenefitsMeasured&, const BenefitsMeasured&) = default;
};

struct MeasurementCorrected {
  static constexpr std::string_view kType = "MeasurementCorrected";
  static constexpr std::uint32_t kSchemaVersion = 1;
  std::string measurement_id;
  Quantities values;
  std::string reason;
  friend bool operator==(const MeasurementCorrected&, const MeasurementCorrected&) = default;
};

struct SynergyAbandoned {
  static constexpr std::string_view kType = "SynergyAbandoned";
  static constexpr std::uint32_t kSchemaVersion = 1;
  Date occurred_on;
  ReasonCode reason_code;
  std::optional<std::string> note;
  friend bool operator==(const SynergyAbandoned&, const SynergyAbandoned&) = default;
};

// Every event the log holds. The alternatives' order means nothing on disk:
// the codec stores the type tag, never the index.
using Event =
    std::variant<ProgrammeLaunched, CompanyEnrolled, CompanyWithdrew,
                 DiagnosticRecorded, SynergyIdentified, FeasibilityStudied,
                 SynergyOperational, BenefitsMeasured, MeasurementCorrected,
                 SynergyAbandoned>;

std::string_view EventType(const Event& event);

// The business date an event carries (started_on, occurred_on, performed_on,
// or period_to for a measurement); nullopt for events without one.
std::optional<Date> BusinessDate(const Event& event);

}  // namespace synergy

#endif  // SYNERGY_DOMAIN_EVENTS_H_
