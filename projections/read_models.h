// The programme, synergy and KPI read models: folds of the whole log, kept in
// memory and updated after each commit. Not thread-safe: the owner guards
// them (one writer thread applies, readers share a lock).
#ifndef SYNERGY_PROJECTIONS_READ_MODELS_H_
#define SYNERGY_PROJECTIONS_READ_MODELS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/event_store.h"
#include "domain/programme.h"
#include "domain/synergy.h"
#include "projections/kpi.h"

namespace synergy {

struct ProgrammeView {
  ProgrammeState state;
  // The UTC date of each company's enrolment's recorded_at.
  std::map<std::string, Date, std::less<>> enrolled_on;
};

class ReadModels {
 public:
  ReadModels() = default;
  // Moves only: the synergy index views the keys and values of synergies_,
  // which a move hands over and a copy would not.
  ReadModels(ReadModels&&) = default;
  ReadModels& operator=(ReadModels&&) = default;
  ReadModels(const ReadModels&) = delete;
  ReadModels& operator=(const ReadModels&) = delete;

  // Bumped whenever Save's layout or what Apply keeps changes (including the
  // KPI projection's format): a checkpoint of another version is ignored and
  // the models rebuilt from position 0.
  static constexpr std::uint32_t kFormatVersion = 2 * 1000 + KpiProjection::kFormatVersion;

  // Folds one event; events must come in position order, without gaps. An
  // event at or below position() is ignored.
  void Apply(const RecordedEvent& event);

  // The whole state, to be loaded back by Load. Load replaces this state and
  // returns true, or leaves empty models and returns false when the bytes
  // are not a snapshot of this format.
  std::string Save() const;
  bool Load(std::string_view snapshot);

  const ProgrammeView* FindProgramme(std::string_view id) const;
  const SynergyState* FindSynergy(std::string_view id) const;
  const std::map<std::string, ProgrammeView, std::less<>>& programmes() const { return programmes_; }
  const std::map<std::string, SynergyState, std::less<>>& synergies() const { return synergies_; }
  const KpiProjection& kpis() const { return kpis_; }
  // The position of the last event applied; 0 before any.
  std::uint64_t position() const { return position_; }

 private:
  KpiProjection kpis_;
  std::map<std::string, ProgrammeView, std::less<>> programmes_;
  std::map<std::string, SynergyState, std::less<>> synergies_;  // in id order, for lists
  // Every entry of synergies_ by id, for lookups: the ordered map's search
  // was 4 % of a GET of a synergy among 10,000.
  std::unordered_map<std::string_view, SynergyState*> synergy_index_;
  std::uint64_t position_ = 0;
};

// The id a stream name carries: "synergy-s1" -> "s1" for prefix "synergy-";
// empty when the stream has another prefix.
std::string_view StreamId(std::string_view stream, std::string_view prefix);

// A synergy as its events recorded at or before `as_of` make it; its version
// is 0 if none was.
SynergyState SynergyAsOf(const std::vector<RecordedEvent>& stream_events, Timestamp as_of);

}  // namespace synergy

#endif  // SYNERGY_PROJECTIONS_READ_MODELS_H_
