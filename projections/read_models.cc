#include "projections/read_models.h"

namespace synergy {

std::string_view StreamId(std::string_view stream, std::string_view prefix) {
  if (!stream.starts_with(prefix)) return {};
  return stream.substr(prefix.size());
}

void ReadModels::Apply(const RecordedEvent& e) {
  position_ = e.position;
  kpis_.Apply(e);
  if (std::string_view id = StreamId(e.stream, "programme-"); !id.empty()) {
    auto it = programmes_.find(id);
    if (it == programmes_.end()) it = programmes_.emplace(std::string(id), ProgrammeView{}).first;
    ProgrammeView& view = it->second;
    view.state = Evolve(std::move(view.state), e.event);
    if (const auto* enrolled = std::get_if<CompanyEnrolled>(&e.event)) {
      view.enrolled_on[enrolled->id] = e.recorded_at.UtcDate();
    }
    return;
  }
  if (std::string_view id = StreamId(e.stream, "synergy-"); !id.empty()) {
    auto it = synergies_.find(id);
    if (it == synergies_.end()) it = synergies_.emplace(std::string(id), SynergyState{}).first;
    it->second = Evolve(std::move(it->second), e.event);
  }
}

const ProgrammeView* ReadModels::FindProgramme(std::string_view id) const {
  auto it = programmes_.find(id);
  return it == programmes_.end() ? nullptr : &it->second;
}

const SynergyState* ReadModels::FindSynergy(std::string_view id) const {
  auto it = synergies_.find(id);
  return it == synergies_.end() ? nullptr : &it->second;
}

SynergyState SynergyAsOf(const std::vector<RecordedEvent>& stream_events, Timestamp as_of) {
  SynergyState state;
  for (const RecordedEvent& e : stream_events) {
    if (e.recorded_at > as_of) break;  // recorded_at never decreases
    state = Evolve(std::move(state), e.event);
  }
  return state;
}

}  // namespace synergy
