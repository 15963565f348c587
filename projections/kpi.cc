#include "projections/kpi.h"

#include <algorithm>
#include <cstdio>
#include <type_traits>

#include "domain/synergy.h"
#include "projections/read_models.h"
#include "projections/snapshot_fields.h"

namespace synergy {
namespace {

// sum += v * part / whole, field by field; v itself when part == whole.
void AddShare(Quantities& sum, const Quantities& v, std::int64_t part, std::int64_t whole) {
  for (const QuantityField& f : kQuantityFields) {
    sum.*f.member += part == whole ? v.*f.member
                                   : v.*f.member * static_cast<double>(part) /
                                         static_cast<double>(whole);
  }
}

void Add(Quantities& sum, const Quantities& v) { AddShare(sum, v, 1, 1); }

std::string YearKey(int year) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d", year);
  return buf;
}

bool Estimable(Stage stage, bool go) {
  return (stage == Stage::kStudied && go) || stage == Stage::kOperational ||
         stage == Stage::kMeasured;
}

// The last element whose `since` is at or before `position`; the first
// element must qualify.
template <typename T>
const T& AsOf(const std::vector<T>& items, std::uint64_t position) {
  auto it = std::upper_bound(items.begin(), items.end(), position,
                             [](std::uint64_t p, const T& item) { return p < item.since; });
  return *(it - 1);
}

}  // namespace

std::int64_t StageCounts::total() const {
  std::int64_t n = 0;
  for (std::int64_t c : by_stage) n += c;
  return n;
}

void KpiProjection::Apply(const RecordedEvent& e) {
  recorded_at_.push_back(e.recorded_at.micros);
  const std::uint64_t pos = recorded_at_.size();
  if (std::string_view pid = StreamId(e.stream, "programme-"); !pid.empty()) {
    if (const auto* launched = std::get_if<ProgrammeLaunched>(&e.event)) {
      programme_index_.emplace(launched->id, static_cast<std::uint32_t>(programmes_.size()));
      Programme& p = programmes_.emplace_back();
      p.id = launched->id;
      p.region = launched->region;
      p.launched = pos;
      return;
    }
    auto it = programme_index_.find(pid);
    if (it == programme_index_.end()) return;
    Programme& p = programmes_[it->second];
    std::visit(
        [&](const auto& ev) {
          using E = std::decay_t<decltype(ev)>;
          if constexpr (std::is_same_v<E, CompanyEnrolled>) {
            p.company_index.emplace(ev.id, static_cast<std::uint32_t>(p.companies.size()));
            p.companies.push_back(Company{.enrolled = pos});
          } else if constexpr (std::is_same_v<E, CompanyWithdrew>) {
            auto c = p.company_index.find(ev.company_id);
            if (c != p.company_index.end()) p.companies[c->second].withdrawn = pos;
          } else if constexpr (std::is_same_v<E, DiagnosticRecorded>) {
            p.diagnostics.push_back(Diagnostic{.recorded = pos, .performed_on = ev.performed_on});
          }
        },
        e.event);
    return;
  }
  std::string_view sid = StreamId(e.stream, "synergy-");
  if (sid.empty()) return;
  if (const auto* identified = std::get_if<SynergyIdentified>(&e.event)) {
    auto p = programme_index_.find(identified->programme);
    if (p == programme_index_.end()) return;
    Programme& programme = programmes_[p->second];
    Synergy s;
    s.programme = p->second;
    s.kind = identified->kind;
    s.resource = identified->resource;
    for (const Participant& participant : identified->participants) {
      auto c = programme.company_index.find(participant.company_id);
      if (c != programme.company_index.end()) s.companies.push_back(c->second);
    }
    s.statuses.push_back(Status{.since = pos, .stage = Stage::kIdentified, .go = false, .estimated = {}});
    synergy_index_.emplace(std::string(sid), static_cast<std::uint32_t>(synergies_.size()));
    programme.synergies.push_back(static_cast<std::uint32_t>(synergies_.size()));
    synergies_.push_back(std::move(s));
    return;
  }
  auto it = synergy_index_.find(sid);
  if (it != synergy_index_.end()) ApplyToSynergy(synergies_[it->second], pos, e.event);
}

void KpiProjection::ApplyToSynergy(Synergy& s, std::uint64_t pos, const Event& event) {
  if (const auto* measured = std::get_if<BenefitsMeasured>(&event)) {
    s.measurements.push_back(Measurement{.id = measured->id,
                                         .from = measured->period_from,
                                         .to = measured->period_to,
                                         .versions = {Version{pos, measured->values}}});
  } else if (const auto* corrected = std::get_if<MeasurementCorrected>(&event)) {
    // From the latest, as SynergyState::FindMeasurement: ids are unique.
    auto m = std::find_if(s.measurements.rbegin(), s.measurements.rend(),
                          [&](const Measurement& each) { return each.id == corrected->measurement_id; });
    if (m != s.measurements.rend()) m->versions.push_back(Version{pos, corrected->values});
  }
  std::optional<Stage> stage = StageSetBy(event);
  if (!stage) return;
  Status next = s.statuses.back();
  next.since = pos;
  next.stage = *stage;
  if (const auto* study = std::get_if<FeasibilityStudied>(&event)) {
    next.go = study->decision == Decision::kGo;
    next.estimated = study->estimated;
  } else if (next.stage == s.statuses.back().stage) {
    return;  // a later measurement: nothing the figures see changed
  }
  s.statuses.push_back(next);
}

std::uint64_t KpiProjection::PositionAt(Timestamp t) const {
  return static_cast<std::uint64_t>(
      std::upper_bound(recorded_at_.begin(), recorded_at_.end(), t.micros) - recorded_at_.begin());
}

KpiReport KpiProjection::Compute(const KpiQuery& q) const {
  KpiReport report;
  const std::uint64_t at = std::min(q.position, position());
  report.position = at;
  KpiFigures& totals = report.totals;
  const bool by_year = q.group_by == KpiGrouping::kYear;
  auto in_window = [&q](Date d) { return (!q.from || d >= *q.from) && (!q.to || d <= *q.to); };

  std::vector<char> engaged;
  for (const Programme& p : programmes_) {
    if (p.launched > at) continue;
    if (q.programmes && !std::binary_search(q.programmes->begin(), q.programmes->end(), p.id)) {
      continue;
    }
    if (q.region && *q.region != p.region) continue;

    // Diagnostics count in the totals, and in year, programme and region
    // groups; a group appears with its first diagnostic.
    const bool by_owner =
        q.group_by == KpiGrouping::kProgramme || q.group_by == KpiGrouping::kRegion;
    const std::string& owner = q.group_by == KpiGrouping::kProgramme ? p.id : p.region;
    for (const Diagnostic& d : p.diagnostics) {
      if (d.recorded > at) break;
      if (!in_window(d.performed_on)) continue;
      ++totals.diagnostics;
      if (by_year) ++report.groups[YearKey(d.performed_on.Year())].diagnostics;
      if (by_owner) ++report.groups[owner].diagnostics;
    }
    for (const Company& c : p.companies) {
      if (c.enrolled <= at && c.withdrawn > at) ++totals.companies_enrolled;
    }

    engaged.assign(p.companies.size(), 0);
    for (std::uint32_t index : p.synergies) {
      const Synergy& s = synergies_[index];
      if (s.statuses.front().since > at) break;  // later synergies were identified later still
      const Status& status = AsOf(s.statuses, at);
      KpiFigures* group = nullptr;
      if (q.group_by && !by_year) {
        std::string_view key;
        switch (*q.group_by) {
          case KpiGrouping::kProgramme: key = p.id; break;
          case KpiGrouping::kRegion: key = p.region; break;
          case KpiGrouping::kResource: key = ToString(s.resource); break;
          case KpiGrouping::kKind: key = ToString(s.kind); break;
          case KpiGrouping::kStage: key = ToString(status.stage); break;
          case KpiGrouping::kYear: break;
        }
        auto g = report.groups.find(key);
        if (g == report.groups.end()) g = report.groups.emplace(std::string(key), KpiFigures{}).first;
        group = &g->second;
      }
      const auto stage = static_cast<std::size_t>(status.stage);
      ++totals.synergies.by_stage[stage];
      if (group) ++group->synergies.by_stage[stage];
      if (Estimable(status.stage, status.go)) {
        Add(totals.estimated, status.estimated);
        if (group) Add(group->estimated, status.estimated);
      }
      if (status.stage == Stage::kOperational || status.stage == Stage::kMeasured) {
        for (std::uint32_t c : s.companies) engaged[c] = 1;
      }

      for (const Measurement& m : s.measurements) {
        if (m.versions.front().since > at) break;
        const Quantities& values = AsOf(m.versions, at).values;
        const Date lo = q.from ? std::max(m.from, *q.from) : m.from;
        const Date hi = q.to ? std::min(m.to, *q.to) : m.to;
        if (lo > hi) continue;
        const std::int64_t days = m.to.days - m.from.days + 1;
        AddShare(totals.measured, values, hi.days - lo.days + 1, days);
        if (group) AddShare(group->measured, values, hi.days - lo.days + 1, days);
        if (!by_year) continue;
        for (int year = lo.Year(); year <= hi.Year(); ++year) {
          const Date first = std::max(lo, Date::FromYmd(year, 1, 1));
          const Date last = std::min(hi, Date::FromYmd(year, 12, 31));
          AddShare(report.groups[YearKey(year)].measured, values, last.days - first.days + 1, days);
        }
      }
    }
    totals.companies_engaged += std::count(engaged.begin(), engaged.end(), 1);
  }
  return report;
}

void KpiProjection::Save(SnapshotWriter& out) const {
  out.U32(kFormatVersion);
  SaveArchive ar(out);
  ar(recorded_at_, programmes_, programme_index_, synergies_, synergy_index_);
}

bool KpiProjection::Load(SnapshotReader& in) {
  KpiProjection loaded;
  if (in.U32() == kFormatVersion) {
    LoadArchive ar(in);
    ar(loaded.recorded_at_, loaded.programmes_, loaded.programme_index_, loaded.synergies_,
       loaded.synergy_index_);
  } else {
    in.Fail();
  }
  if (!in.ok() || !in.at_end() || !loaded.Consistent()) {
    *this = KpiProjection();
    return false;
  }
  *this = std::move(loaded);
  return true;
}

bool KpiProjection::Consistent() const {
  auto within = [](const auto& index, std::size_t size) {
    for (const auto& [key, i] : index) {
      if (i >= size) return false;
    }
    return index.size() == size;
  };
  if (!within(programme_index_, programmes_.size()) || !within(synergy_index_, synergies_.size())) {
    return false;
  }
  for (const Programme& p : programmes_) {
    if (!within(p.company_index, p.companies.size())) return false;
    for (std::uint32_t s : p.synergies) {
      if (s >= synergies_.size()) return false;
    }
  }
  for (const Synergy& s : synergies_) {
    if (s.programme >= programmes_.size() || s.statuses.empty()) return false;
    for (std::uint32_t c : s.companies) {
      if (c >= programmes_[s.programme].companies.size()) return false;
    }
    for (const Measurement& m : s.measurements) {
      if (m.versions.empty()) return false;
    }
  }
  return true;
}

}  // namespace synergy
