// The synergy aggregate: one cooperation between companies of a programme,
// through its lifecycle identified -> studied -> operational -> measured (or
// abandoned). Stream "synergy-<id>".
#ifndef SYNERGY_DOMAIN_SYNERGY_H_
#define SYNERGY_DOMAIN_SYNERGY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/events.h"
#include "domain/programme.h"
#include "domain/result.h"

namespace synergy {

// The texts that say where a measurement's figures come from, as its event
// gave them.
struct MeasurementProvenance {
  std::optional<std::string> source;
  std::optional<std::string> verified_by;
  std::optional<std::string> co2e_factor_source;
  bool empty() const { return !source && !verified_by && !co2e_factor_source; }
  friend bool operator==(const MeasurementProvenance&, const MeasurementProvenance&) = default;
};

// One measurement as its synergy keeps it: the figures inline, the
// provenance (most often absent) behind a pointer. A synergy keeps one per
// BenefitsMeasured event, so this is most of a read model's memory: 112
// bytes on x86-64, where the event itself takes 216.
struct MeasurementState {
  std::string id;
  Date period_from;
  Date period_to;
  Quantities values;  // the latest, after corrections
  MeasurementMethod method = MeasurementMethod::kMetered;
  bool corrected = false;
  // Null when the event gave none; shared, never changed once made.
  std::shared_ptr<const MeasurementProvenance> provenance;

  static MeasurementState Of(const BenefitsMeasured& event);
  // The measurement as its event would state it, with the latest values.
  BenefitsMeasured Measured() const;
  // Compares provenance by value.
  friend bool operator==(const MeasurementState& a, const MeasurementState& b);
};

struct SynergyState {
  std::uint64_t version = 0;  // events applied; 0 = the synergy does not exist
  SynergyIdentified identification;
  Stage stage = Stage::kIdentified;
  std::optional<FeasibilityStudied> study;  // the latest
  std::optional<SynergyOperational> operation;
  std::optional<SynergyAbandoned> abandonment;
  std::vector<MeasurementState> measurements;  // in the order recorded

  bool exists() const { return version > 0; }
  // The measurement with this id (ids are unique within a synergy: the
  // deciders refuse a second), or null.
  const MeasurementState* FindMeasurement(std::string_view id) const;
  MeasurementState* FindMeasurement(std::string_view id);
  friend bool operator==(const SynergyState&, const SynergyState&) = default;
};

struct IdentifySynergy {
  SynergyIdentified data;
  Date today;
};
struct StudyFeasibility {
  FeasibilityStudied data;
  Date today;
};
struct StartOperation {
  SynergyOperational data;
  Date today;
};
struct MeasureBenefits {
  BenefitsMeasured data;
  Date today;
};
struct CorrectMeasurement {
  MeasurementCorrected data;
};
struct AbandonSynergy {
  SynergyAbandoned data;
  Date today;
};
using SynergyCommand =
    std::variant<IdentifySynergy, StudyFeasibility, StartOperation,
                 MeasureBenefits, CorrectMeasurement, AbandonSynergy>;

std::string SynergyStream(std::string_view synergy_id);

// The events `command` appends to a synergy in `state`, or why not.
// `programme` is the state of the programme the synergy belongs to (for
// IdentifySynergy, the programme named in the command): participants must be
// companies enrolled in it and not withdrawn. Checks run in the contract's
// precedence, as for programmes.
[[nodiscard]] Result<std::vector<Event>> Decide(const SynergyState& state,
                                                const SynergyCommand& command,
                                                const ProgrammeState& programme);

// The stage a synergy event moves its synergy to; nullopt for an event that
// leaves the stage as it is (a correction, a programme's event).
std::optional<Stage> StageSetBy(const Event& event);

// Applies one event; events of other aggregates leave the state unchanged.
[[nodiscard]] SynergyState Evolve(SynergyState state, const Event& event);
// The same, in place: for folds that keep one state per aggregate.
void EvolveInPlace(SynergyState& state, const Event& event);

}  // namespace synergy

#endif  // SYNERGY_DOMAIN_SYNERGY_H_
