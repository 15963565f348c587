#include "domain/synergy.h"

#include <algorithm>
#include <type_traits>
#include <utility>

namespace synergy {

MeasurementState MeasurementState::Of(const BenefitsMeasured& event) {
  MeasurementProvenance provenance{event.source, event.verified_by, event.co2e_factor_source};
  return MeasurementState{
      .id = event.id,
      .period_from = event.period_from,
      .period_to = event.period_to,
      .values = event.values,
      .method = event.method,
      .corrected = false,
      .provenance = provenance.empty()
                        ? nullptr
                        : std::make_shared<const MeasurementProvenance>(std::move(provenance))};
}

BenefitsMeasured MeasurementState::Measured() const {
  const MeasurementProvenance none;
  const MeasurementProvenance& p = provenance ? *provenance : none;
  return BenefitsMeasured{.id = id,
                          .period_from = period_from,
                          .period_to = period_to,
                          .values = values,
                          .method = method,
                          .source = p.source,
                          .verified_by = p.verified_by,
                          .co2e_factor_source = p.co2e_factor_source};
}

bool operator==(const MeasurementState& a, const MeasurementState& b) {
  const bool same_provenance = a.provenance && b.provenance
                                   ? *a.provenance == *b.provenance
                                   : !a.provenance && !b.provenance;
  return a.id == b.id && a.period_from == b.period_from && a.period_to == b.period_to &&
         a.values == b.values && a.method == b.method && a.corrected == b.corrected &&
         same_provenance;
}

const MeasurementState* SynergyState::FindMeasurement(std::string_view id) const {
  // From the latest: corrections mostly follow their measurement closely.
  auto it = std::find_if(measurements.rbegin(), measurements.rend(),
                         [id](const MeasurementState& m) { return m.id == id; });
  return it == measurements.rend() ? nullptr : &*it;
}

MeasurementState* SynergyState::FindMeasurement(std::string_view id) {
  return const_cast<MeasurementState*>(std::as_const(*this).FindMeasurement(id));
}

std::string SynergyStream(std::string_view synergy_id) {
  return "synergy-" + std::string(synergy_id);
}

namespace {

using Events = Result<std::vector<Event>>;

Error Transition(std::string message) {
  return MakeError(ErrorCode::kInvalidTransition, std::move(message));
}

Error NotFound(std::string message) {
  return MakeError(ErrorCode::kNotFound, std::move(message));
}

std::string At(std::size_t index, std::string_view leaf) {
  return "participants." + std::to_string(index) + "." + std::string(leaf);
}

// Roles by kind and companies named once: independent of any state.
void CheckParticipantShape(const SynergyIdentified& d, Violations& v) {
  std::size_t providers = 0, receivers = 0, members = 0;
  for (std::size_t i = 0; i < d.participants.size(); ++i) {
    const Participant& p = d.participants[i];
    if (Status id = ValidateId(p.company_id, At(i, "company_id")); !id.ok()) {
      v.Add(id);
    } else if (std::any_of(d.participants.begin(), d.participants.begin() + static_cast<std::ptrdiff_t>(i),
                           [&p](const Participant& q) { return q.company_id == p.company_id; })) {
      v.Add(MakeError(ErrorCode::kValidation, "company takes part only once",
                      At(i, "company_id")));
    }
    bool substitution = d.kind == SynergyKind::kSubstitution;
    bool role_fits = substitution ? p.role != ParticipantRole::kMember
                                  : p.role == ParticipantRole::kMember;
    if (!role_fits) {
      v.Add(MakeError(ErrorCode::kValidation,
                      substitution ? "a substitution has providers and receivers"
                                   : "a mutualisation has members only",
                      At(i, "role")));
    }
    providers += p.role == ParticipantRole::kProvider;
    receivers += p.role == ParticipantRole::kReceiver;
    members += p.role == ParticipantRole::kMember;
  }
  if (d.kind == SynergyKind::kSubstitution && (providers == 0 || receivers == 0)) {
    v.Add(MakeError(ErrorCode::kValidation,
                    "a substitution needs at least one provider and one receiver",
                    "participants"));
  }
  if (d.kind == SynergyKind::kMutualisation && members < 2) {
    v.Add(MakeError(ErrorCode::kValidation,
                    "a mutualisation needs at least two members", "participants"));
  }
}

Events DecideIdentify(const SynergyState& state, const IdentifySynergy& c,
                      const ProgrammeState& programme) {
  const SynergyIdentified& d = c.data;
  if (!programme.exists() || programme.launch.id != d.programme) {
    return NotFound("no such programme");
  }
  Violations values;
  values.Add(ValidateId(d.id, "id"));
  values.Add(ValidateText(d.title, "title"));
  if (d.ewc_code && !IsValidEwcCode(*d.ewc_code)) {
    values.Add(MakeError(ErrorCode::kValidation,
                         "must be six digits, optionally followed by *", "ewc_code"));
  }
  CheckParticipantShape(d, values);
  values.Add(ValidateNotFuture(d.occurred_on, c.today, "occurred_on"));
  SYNERGY_RETURN_IF_ERROR(std::move(values).status());
  if (state.exists()) {
    return MakeError(ErrorCode::kDuplicate, "synergy " + d.id + " already exists", "id");
  }
  Violations companies;
  for (std::size_t i = 0; i < d.participants.size(); ++i) {
    const std::string& company_id = d.participants[i].company_id;
    auto company = programme.companies.find(company_id);
    if (company == programme.companies.end()) {
      companies.Add(MakeError(ErrorCode::kValidation, "no such company in this programme",
                              At(i, "company_id")));
    } else if (company->second.withdrawn_on) {
      companies.Add(MakeError(ErrorCode::kValidation, "the company has withdrawn",
                              At(i, "company_id")));
    }
  }
  SYNERGY_RETURN_IF_ERROR(std::move(companies).status());
  return std::vector<Event>{d};
}

Events DecideStudy(const SynergyState& state, const StudyFeasibility& c) {
  const FeasibilityStudied& d = c.data;
  Violations values;
  values.Add(ValidateNotFuture(d.occurred_on, c.today, "occurred_on"));
  values.Add(ValidateQuantities(d.estimated, "estimated"));
  SYNERGY_RETURN_IF_ERROR(std::move(values).status());
  if (state.stage != Stage::kIdentified && state.stage != Stage::kStudied) {
    return Transition("a study is accepted only in stages identified and studied, not " +
                      std::string(ToString(state.stage)));
  }
  return std::vector<Event>{d};
}

Events DecideOperation(const SynergyState& state, const StartOperation& c) {
  const SynergyOperational& d = c.data;
  SYNERGY_RETURN_IF_ERROR(ValidateNotFuture(d.occurred_on, c.today, "occurred_on"));
  if (state.stage != Stage::kStudied) {
    return Transition("operation requires stage studied, not " +
                      std::string(ToString(state.stage)));
  }
  if (state.study->decision != Decision::kGo) {
    return Transition("operation requires the latest study's decision to be go");
  }
  return std::vector<Event>{d};
}

Events DecideMeasure(const SynergyState& state, const MeasureBenefits& c) {
  const BenefitsMeasured& d = c.data;
  Violations values;
  values.Add(ValidateId(d.id, "id"));
  values.Add(ValidateNotFuture(d.period_from, c.today, "period_from"));
  if (Status to = ValidateNotFuture(d.period_to, c.today, "period_to"); !to.ok()) {
    values.Add(to);
  } else if (d.period_to < d.period_from) {
    values.Add(MakeError(ErrorCode::kValidation, "must not be before period_from",
                         "period_to"));
  }
  values.Add(ValidateQuantities(d.values, "values"));
  SYNERGY_RETURN_IF_ERROR(std::move(values).status());
  if (state.stage != Stage::kOperational && state.stage != Stage::kMeasured) {
    return Transition("measurements are accepted only in stages operational and measured, not " +
                      std::string(ToString(state.stage)));
  }
  if (state.FindMeasurement(d.id)) {
    return MakeError(ErrorCode::kDuplicate, "measurement " + d.id + " already exists",
                     "id");
  }
  if (d.period_from < state.operation->occurred_on) {
    return MakeError(ErrorCode::kValidation,
                     "must not be before the operation began (" +
                         state.operation->occurred_on.ToString() + ")",
                     "period_from");
  }
  for (const MeasurementState& other : state.measurements) {
    if (d.period_from <= other.period_to && other.period_from <= d.period_to) {
      return MakeError(ErrorCode::kValidation,
                       "overlaps measurement " + other.id + " (" +
                           other.period_from.ToString() + ".." +
                           other.period_to.ToString() + ")",
                       "period_from");
    }
  }
  return std::vector<Event>{d};
}

Events DecideCorrection(const SynergyState& state, const CorrectMeasurement& c) {
  const MeasurementCorrected& d = c.data;
  if (!state.FindMeasurement(d.measurement_id)) return NotFound("no such measurement");
  Violations values;
  values.Add(ValidateQuantities(d.values, "values"));
  values.Add(ValidateText(d.reason, "reason"));
  SYNERGY_RETURN_IF_ERROR(std::move(values).status());
  return std::vector<Event>{d};
}

Events DecideAbandon(const SynergyState& state, const AbandonSynergy& c) {
  const SynergyAbandoned& d = c.data;
  SYNERGY_RETURN_IF_ERROR(ValidateNotFuture(d.occurred_on, c.today, "occurred_on"));
  if (state.stage == Stage::kAbandoned) {
    return Transition("the synergy is already abandoned");
  }
  return std::vector<Event>{d};
}

}  // namespace

Result<std::vector<Event>> Decide(const SynergyState& state,
                                  const SynergyCommand& command,
                                  const ProgrammeState& programme) {
  if (const auto* identify = std::get_if<IdentifySynergy>(&command)) {
    return DecideIdentify(state, *identify, programme);
  }
  if (!state.exists()) return NotFound("no such synergy");
  struct Visitor {
    const SynergyState& s;
    Events operator()(const IdentifySynergy&) { return Events(std::vector<Event>{}); }
    Events operator()(const StudyFeasibility& c) { return DecideStudy(s, c); }
    Events operator()(const StartOperation& c) { return DecideOperation(s, c); }
    Events operator()(const MeasureBenefits& c) { return DecideMeasure(s, c); }
    Events operator()(const CorrectMeasurement& c) { return DecideCorrection(s, c); }
    Events operator()(const AbandonSynergy& c) { return DecideAbandon(s, c); }
  };
  return std::visit(Visitor{state}, command);
}

std::optional<Stage> StageSetBy(const Event& event) {
  return std::visit(
      [](const auto& e) -> std::optional<Stage> {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, SynergyIdentified>) return Stage::kIdentified;
        if constexpr (std::is_same_v<E, FeasibilityStudied>) return Stage::kStudied;
        if constexpr (std::is_same_v<E, SynergyOperational>) return Stage::kOperational;
        if constexpr (std::is_same_v<E, BenefitsMeasured>) return Stage::kMeasured;
        if constexpr (std::is_same_v<E, SynergyAbandoned>) return Stage::kAbandoned;
        return std::nullopt;
      },
      event);
}

SynergyState Evolve(SynergyState state, const Event& event) {
  EvolveInPlace(state, event);
  return state;
}

void EvolveInPlace(SynergyState& state, const Event& event) {
  std::visit(
      [&state](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, SynergyIdentified>) {
          state.identification = e;
        } else if constexpr (std::is_same_v<E, FeasibilityStudied>) {
          state.study = e;
        } else if constexpr (std::is_same_v<E, SynergyOperational>) {
          state.operation = e;
        } else if constexpr (std::is_same_v<E, BenefitsMeasured>) {
          state.measurements.push_back(MeasurementState::Of(e));
        } else if constexpr (std::is_same_v<E, MeasurementCorrected>) {
          if (MeasurementState* m = state.FindMeasurement(e.measurement_id)) {
            m->values = e.values;
            m->corrected = true;
          }
        } else if constexpr (std::is_same_v<E, SynergyAbandoned>) {
          state.abandonment = e;
        } else {
          return;  // a programme's event
        }
        ++state.version;
      },
      event);
  if (std::optional<Stage> stage = StageSetBy(event)) state.stage = *stage;
}

}  // namespace synergy
