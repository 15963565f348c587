// The KPI projection: a bitemporal fold of the log. Every fact it keeps
// (a company's enrolment, a synergy's stage, a measurement's values) carries
// the log position from which it holds and, once superseded, the position
// from which it no longer does. The figures "as known at position P" are
// then a filter over those facts, without replaying the log: the same code
// answers today's figures (P = the head) and any past instant.
//
// Not thread-safe: the owner guards it like the read models (one thread
// applies, readers share a lock).
#ifndef SYNERGY_PROJECTIONS_KPI_H_
#define SYNERGY_PROJECTIONS_KPI_H_

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event_store.h"
#include "domain/values.h"
#include "projections/snapshot.h"

namespace synergy {

enum class KpiGrouping { kYear, kProgramme, kRegion, kResource, kKind, kStage };
template <>
struct WireNameTable<KpiGrouping> {
  static constexpr std::array<std::string_view, 6> names{"year", "programme", "region",
                                                         "resource", "kind", "stage"};
};

struct StageCounts {
  std::array<std::int64_t, 5> by_stage{};  // indexed by Stage
  std::int64_t total() const;
  friend bool operator==(const StageCounts&, const StageCounts&) = default;
};

// Unrounded figures; the reply rounds them.
struct KpiFigures {
  Quantities measured;
  Quantities estimated;
  StageCounts synergies;
  std::int64_t companies_enrolled = 0;  // totals only
  std::int64_t companies_engaged = 0;   // totals only
  std::int64_t diagnostics = 0;
  friend bool operator==(const KpiFigures&, const KpiFigures&) = default;
};

struct KpiQuery {
  // Only events at or before this position count.
  std::uint64_t position = std::numeric_limits<std::uint64_t>::max();
  // The programmes counted; nullopt counts every programme.
  std::optional<std::vector<std::string>> programmes;
  std::optional<std::string> region;
  // Inclusive business dates bounding measured values (pro rata by days)
  // and diagnostics (by performed_on).
  std::optional<Date> from;
  std::optional<Date> to;
  std::optional<KpiGrouping> group_by;
};

struct KpiReport {
  std::uint64_t position = 0;  // the last position the figures reflect
  KpiFigures totals;
  std::map<std::string, KpiFigures, std::less<>> groups;  // byte order of the key
  friend bool operator==(const KpiReport&, const KpiReport&) = default;
};

class KpiProjection {
 public:
  // Bumped whenever Save's layout or Apply's meaning changes: a checkpoint of
  // another version is ignored and the projection rebuilt from position 0.
  static constexpr std::uint32_t kFormatVersion = 2;

  // Folds one event; events must come in position order, without gaps.
  void Apply(const RecordedEvent& event);
  std::uint64_t position() const { return recorded_at_.size(); }
  // The last position recorded at or before `t`; 0 if none.
  std::uint64_t PositionAt(Timestamp t) const;

  KpiReport Compute(const KpiQuery& query) const;

  void Save(SnapshotWriter& out) const;
  // Replaces this projection's state; false (and an empty projection) when
  // the bytes are not a snapshot of this format.
  bool Load(SnapshotReader& in);

 private:
  static constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

  // Each struct's Fields lists what its snapshot holds (snapshot.h).
  struct Company {
    std::uint64_t enrolled = 0;
    std::uint64_t withdrawn = kNever;
    template <class Ar> friend void Fields(Ar& ar, Company& v) { ar(v.enrolled, v.withdrawn); }
  };
  struct Diagnostic {
    std::uint64_t recorded = 0;
    Date performed_on;
    template <class Ar> friend void Fields(Ar& ar, Diagnostic& v) { ar(v.recorded, v.performed_on); }
  };
  struct Programme {
    std::string id;
    std::string region;
    std::uint64_t launched = 0;
    std::map<std::string, std::uint32_t, std::less<>> company_index;
    std::vector<Company> companies;
    std::vector<Diagnostic> diagnostics;  // in position order
    std::vector<std::uint32_t> synergies;  // indices into synergies_, in position order
    template <class Ar> friend void Fields(Ar& ar, Programme& v) {
      ar(v.id, v.region, v.launched, v.company_index, v.companies, v.diagnostics, v.synergies);
    }
  };
  // A synergy's stage and study from `since` on.
  struct Status {
    std::uint64_t since = 0;
    Stage stage = Stage::kIdentified;
    bool go = false;
    Quantities estimated;
    template <class Ar> friend void Fields(Ar& ar, Status& v) {
      ar(v.since, v.stage, v.go, v.estimated);
    }
  };
  struct Version {
    std::uint64_t since = 0;
    Quantities values;
    template <class Ar> friend void Fields(Ar& ar, Version& v) { ar(v.since, v.values); }
  };
  struct Measurement {
    std::string id;
    Date from;
    Date to;
    std::vector<Version> versions;  // the original, then each correction
    template <class Ar> friend void Fields(Ar& ar, Measurement& v) {
      ar(v.id, v.from, v.to, v.versions);
    }
  };
  struct Synergy {
    std::uint32_t programme = 0;  // index into programmes_
    SynergyKind kind = SynergyKind::kSubstitution;
    Resource resource = Resource::kWaste;
    std::vector<std::uint32_t> companies;  // indices into the programme's companies
    std::vector<Status> statuses;          // in position order; the first is identification
    std::vector<Measurement> measurements;
    template <class Ar> friend void Fields(Ar& ar, Synergy& v) {
      ar(v.programme, v.kind, v.resource, v.companies, v.statuses, v.measurements);
    }
  };

  void ApplyToSynergy(Synergy& s, std::uint64_t position, const Event& event);
  // Whether every index a loaded snapshot holds points where it may.
  bool Consistent() const;

  std::vector<Programme> programmes_;
  std::map<std::string, std::uint32_t, std::less<>> programme_index_;
  std::vector<Synergy> synergies_;
  std::map<std::string, std::uint32_t, std::less<>> synergy_index_;
  std::vector<std::int64_t> recorded_at_;  // micros, indexed by position - 1
};

}  // namespace synergy

#endif  // SYNERGY_PROJECTIONS_KPI_H_
