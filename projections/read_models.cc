#include "projections/read_models.h"

#include "projections/snapshot.h"
#include "projections/snapshot_fields.h"

namespace synergy {

// ---- Snapshot field lists ----------------------------------------------------
// The codec (infra/codec.cc) keeps the log's own encoding of events; these
// lists are the checkpoints' and may change with kFormatVersion.

template <class Ar> void Fields(Ar& ar, ProgrammeLaunched& v) {
  ar(v.id, v.name, v.region, v.department, v.zone, v.facilitator_org, v.started_on);
}
template <class Ar> void Fields(Ar& ar, CompanyEnrolled& v) {
  ar(v.id, v.name, v.siret, v.nace, v.employees);
}
template <class Ar> void Fields(Ar& ar, CompanyState& v) { ar(v.enrolment, v.withdrawn_on); }
template <class Ar> void Fields(Ar& ar, ProgrammeState& v) {
  ar(v.version, v.launch, v.companies, v.diagnostics);
}
template <class Ar> void Fields(Ar& ar, ProgrammeView& v) { ar(v.state, v.enrolled_on); }
template <class Ar> void Fields(Ar& ar, Participant& v) { ar(v.company_id, v.role); }
template <class Ar> void Fields(Ar& ar, SynergyIdentified& v) {
  ar(v.id, v.programme, v.title, v.kind, v.resource, v.participants, v.ewc_code, v.description,
     v.occurred_on);
}
template <class Ar> void Fields(Ar& ar, StudyAspects& v) {
  ar(v.organisational, v.technical, v.economic, v.logistic, v.legal);
}
template <class Ar> void Fields(Ar& ar, FeasibilityStudied& v) {
  ar(v.occurred_on, v.aspects, v.success_factors, v.obstacles, v.levers, v.decision, v.estimated);
}
template <class Ar> void Fields(Ar& ar, SynergyOperational& v) { ar(v.occurred_on, v.note); }
template <class Ar> void Fields(Ar& ar, SynergyAbandoned& v) {
  ar(v.occurred_on, v.reason_code, v.note);
}
template <class Ar> void Fields(Ar& ar, MeasurementProvenance& v) {
  ar(v.source, v.verified_by, v.co2e_factor_source);
}
template <class Ar> void Fields(Ar& ar, MeasurementState& v) {
  ar(v.id, v.period_from, v.period_to, v.values, v.method, v.corrected, v.provenance);
}
template <class Ar> void Fields(Ar& ar, SynergyState& v) {
  ar(v.version, v.identification, v.stage, v.study, v.operation, v.abandonment, v.measurements);
}

std::string ReadModels::Save() const {
  SnapshotWriter out;
  out.U32(kFormatVersion);
  SaveArchive ar(out);
  ar(position_, programmes_, synergies_);
  kpis_.Save(out);
  return out.Take();
}

bool ReadModels::Load(std::string_view snapshot) {
  SnapshotReader in(snapshot);
  ReadModels loaded;
  if (in.U32() != kFormatVersion) {
    *this = ReadModels();
    return false;
  }
  LoadArchive ar(in);
  ar(loaded.position_, loaded.programmes_, loaded.synergies_);
  for (auto& [id, state] : loaded.synergies_) loaded.synergy_index_.emplace(id, &state);
  if (!in.ok() || !loaded.kpis_.Load(in) || loaded.kpis_.position() != loaded.position_) {
    *this = ReadModels();
    return false;
  }
  *this = std::move(loaded);
  return true;
}

std::string_view StreamId(std::string_view stream, std::string_view prefix) {
  if (!stream.starts_with(prefix)) return {};
  return stream.substr(prefix.size());
}

void ReadModels::Apply(const RecordedEvent& e) {
  if (e.position <= position_) return;  // already folded (a checkpoint held it)
  position_ = e.position;
  kpis_.Apply(e);
  if (std::string_view id = StreamId(e.stream, "programme-"); !id.empty()) {
    auto it = programmes_.find(id);
    if (it == programmes_.end()) it = programmes_.emplace(std::string(id), ProgrammeView{}).first;
    ProgrammeView& view = it->second;
    EvolveInPlace(view.state, e.event);
    if (const auto* enrolled = std::get_if<CompanyEnrolled>(&e.event)) {
      view.enrolled_on[enrolled->id] = e.recorded_at.UtcDate();
    }
    return;
  }
  if (std::string_view id = StreamId(e.stream, "synergy-"); !id.empty()) {
    auto it = synergy_index_.find(id);
    if (it == synergy_index_.end()) {
      auto added = synergies_.emplace(std::string(id), SynergyState{}).first;
      it = synergy_index_.emplace(added->first, &added->second).first;
    }
    EvolveInPlace(*it->second, e.event);
  }
}

const ProgrammeView* ReadModels::FindProgramme(std::string_view id) const {
  auto it = programmes_.find(id);
  return it == programmes_.end() ? nullptr : &it->second;
}

const SynergyState* ReadModels::FindSynergy(std::string_view id) const {
  auto it = synergy_index_.find(id);
  return it == synergy_index_.end() ? nullptr : it->second;
}

SynergyState SynergyAsOf(const std::vector<RecordedEvent>& stream_events, Timestamp as_of) {
  SynergyState state;
  for (const RecordedEvent& e : stream_events) {
    if (e.recorded_at > as_of) break;  // recorded_at never decreases
    EvolveInPlace(state, e.event);
  }
  return state;
}

}  // namespace synergy
