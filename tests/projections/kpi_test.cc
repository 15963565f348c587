// The KPI projection, given events, when queried, then figures computed by
// hand from API.md's rules.
#include "projections/kpi.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "../domain/fixtures.h"
#include "domain/programme.h"
#include "domain/synergy.h"
#include "projections/read_models.h"

namespace synergy {
namespace {

using testing::D;

// A log under construction: each event gets the next position and a
// recorded_at one second after the previous one.
class Log {
 public:
  std::uint64_t Add(const std::string& stream, Event event) {
    RecordedEvent e;
    e.position = events_.size() + 1;
    e.stream = stream;
    e.recorded_at = Timestamp{1'700'000'000'000'000 + static_cast<std::int64_t>(e.position) * 1'000'000};
    e.event = std::move(event);
    events_.push_back(e);
    return e.position;
  }
  const std::vector<RecordedEvent>& events() const { return events_; }
  KpiProjection Fold(std::size_t up_to = SIZE_MAX) const {
    KpiProjection p;
    for (std::size_t i = 0; i < events_.size() && i < up_to; ++i) p.Apply(events_[i]);
    return p;
  }

 private:
  std::vector<RecordedEvent> events_;
};

// Programme "ziri" with companies acme, bois and cafe.
void AddZiri(Log& log, const std::string& id = "ziri", const std::string& region = "Nouvelle-Aquitaine") {
  ProgrammeLaunched launched = testing::Launched(id);
  launched.region = region;
  log.Add("programme-" + id, launched);
  for (const char* c : {"acme", "bois", "cafe"}) log.Add("programme-" + id, testing::Enrolled(c));
}

SynergyIdentified IdentifiedIn(const std::string& sid, const std::string& programme) {
  SynergyIdentified e = testing::Identified(sid);
  e.programme = programme;
  return e;
}

BenefitsMeasured Measured(const std::string& id, const char* from, const char* to, double eur) {
  BenefitsMeasured m = testing::Measured(id, from, to);
  m.values.savings_eur = eur;
  return m;
}

// A synergy s1 in ziri, operational on 2017-06-01.
void AddOperational(Log& log, const std::string& sid = "s1", const std::string& programme = "ziri") {
  const std::string stream = "synergy-" + sid;
  log.Add(stream, IdentifiedIn(sid, programme));
  log.Add(stream, testing::Studied());
  log.Add(stream, testing::Operational());
}

KpiQuery ByYear() {
  KpiQuery q;
  q.group_by = KpiGrouping::kYear;
  return q;
}

TEST(KpiProjection, SplitsAMeasurementAcrossYearsProRataByDays) {
  Log log;
  AddZiri(log);
  AddOperational(log);
  log.Add("synergy-s1", Measured("m1", "2018-07-01", "2019-06-30", 365));
  KpiReport r = log.Fold().Compute(ByYear());
  EXPECT_DOUBLE_EQ(r.totals.measured.savings_eur, 365);
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_DOUBLE_EQ(r.groups.at("2018").measured.savings_eur, 184);
  EXPECT_DOUBLE_EQ(r.groups.at("2019").measured.savings_eur, 181);
}

TEST(KpiProjection, CountsOnlyTheDaysInsideFromAndTo) {
  Log log;
  AddZiri(log);
  AddOperational(log);
  log.Add("synergy-s1", Measured("m1", "2018-07-01", "2019-06-30", 365));
  KpiQuery q;
  q.from = D("2019-01-01");
  EXPECT_DOUBLE_EQ(log.Fold().Compute(q).totals.measured.savings_eur, 181);
  q.to = D("2019-01-31");
  EXPECT_DOUBLE_EQ(log.Fold().Compute(q).totals.measured.savings_eur, 31);
  q.from = D("2020-01-01");
  q.to = D("2020-12-31");
  EXPECT_DOUBLE_EQ(log.Fold().Compute(q).totals.measured.savings_eur, 0);
  EXPECT_TRUE(log.Fold().Compute([&] { KpiQuery y = q; y.group_by = KpiGrouping::kYear; return y; }())
                  .groups.empty());
}

TEST(KpiProjection, CountsFebruaryTwentyNinthInALeapYear) {
  Log log;
  AddZiri(log);
  AddOperational(log);
  // 2019-07-01..2020-06-30 holds 366 days: 184 in 2019, 182 in 2020.
  log.Add("synergy-s1", Measured("m1", "2019-07-01", "2020-06-30", 366));
  KpiReport r = log.Fold().Compute(ByYear());
  EXPECT_DOUBLE_EQ(r.groups.at("2019").measured.savings_eur, 184);
  EXPECT_DOUBLE_EQ(r.groups.at("2020").measured.savings_eur, 182);
  KpiQuery feb;
  feb.from = D("2020-02-01");
  feb.to = D("2020-02-29");
  EXPECT_DOUBLE_EQ(log.Fold().Compute(feb).totals.measured.savings_eur, 29);
}

TEST(KpiProjection, APeriodOfOneDayCountsWhollyOnThatDay) {
  Log log;
  AddZiri(log);
  AddOperational(log);
  log.Add("synergy-s1", Measured("m1", "2019-12-31", "2019-12-31", 50));
  KpiQuery q = ByYear();
  q.from = D("2019-12-31");
  q.to = D("2019-12-31");
  KpiReport r = log.Fold().Compute(q);
  EXPECT_DOUBLE_EQ(r.totals.measured.savings_eur, 50);
  EXPECT_DOUBLE_EQ(r.groups.at("2019").measured.savings_eur, 50);
  q.from = q.to = D("2020-01-01");
  EXPECT_DOUBLE_EQ(log.Fold().Compute(q).totals.measured.savings_eur, 0);
}

TEST(KpiProjection, TheLatestCorrectionCountsAndEarlierOnesRemainAsOfTheirTime) {
  Log log;
  AddZiri(log);
  AddOperational(log);
  const std::uint64_t measured = log.Add("synergy-s1", Measured("m1", "2018-01-01", "2018-12-31", 100));
  Quantities first;
  first.savings_eur = 80;
  first.tonnes_recovered = 3;
  const std::uint64_t corrected = log.Add("synergy-s1", MeasurementCorrected{"m1", first, "invoice"});
  Quantities second;
  second.savings_eur = 90;  // tonnes absent: 0
  log.Add("synergy-s1", MeasurementCorrected{"m1", second, "second invoice"});
  KpiProjection p = log.Fold();
  KpiQuery q;
  EXPECT_DOUBLE_EQ(p.Compute(q).totals.measured.savings_eur, 90);
  EXPECT_DOUBLE_EQ(p.Compute(q).totals.measured.tonnes_recovered, 0);
  q.position = corrected;
  EXPECT_DOUBLE_EQ(p.Compute(q).totals.measured.savings_eur, 80);
  EXPECT_DOUBLE_EQ(p.Compute(q).totals.measured.tonnes_recovered, 3);
  q.position = measured;
  EXPECT_DOUBLE_EQ(p.Compute(q).totals.measured.savings_eur, 100);
  q.position = measured - 1;
  EXPECT_DOUBLE_EQ(p.Compute(q).totals.measured.savings_eur, 0);
  EXPECT_EQ(p.Compute(q).totals.synergies.by_stage[static_cast<int>(Stage::kOperational)], 1);
}

TEST(KpiProjection, AnAbandonedSynergyKeepsItsMeasuredValuesButLeavesEngagementAndEstimates) {
  Log log;
  AddZiri(log);
  AddOperational(log);
  log.Add("synergy-s1", Measured("m1", "2018-01-01", "2018-12-31", 100));
  KpiReport before = log.Fold().Compute({});
  EXPECT_EQ(before.totals.companies_engaged, 2);  // acme and bois
  EXPECT_DOUBLE_EQ(before.totals.estimated.savings_eur, 1000);
  log.Add("synergy-s1", SynergyAbandoned{D("2019-01-10"), ReasonCode::kPartnerLeft, std::nullopt});
  KpiReport after = log.Fold().Compute({});
  EXPECT_DOUBLE_EQ(after.totals.measured.savings_eur, 100);
  EXPECT_EQ(after.totals.companies_engaged, 0);
  EXPECT_DOUBLE_EQ(after.totals.estimated.savings_eur, 0);
  EXPECT_EQ(after.totals.synergies.by_stage[static_cast<int>(Stage::kAbandoned)], 1);
  EXPECT_EQ(after.totals.synergies.total(), 1);
}

TEST(KpiProjection, EstimatesCountStudiedGoOperationalAndMeasuredOnly) {
  Log log;
  AddZiri(log);
  log.Add("synergy-a", IdentifiedIn("a", "ziri"));  // identified: no estimate
  log.Add("synergy-b", IdentifiedIn("b", "ziri"));
  log.Add("synergy-b", testing::Studied(Decision::kNoGo));  // studied, no_go: none
  log.Add("synergy-c", IdentifiedIn("c", "ziri"));
  log.Add("synergy-c", testing::Studied(Decision::kGo));  // studied, go: 1000
  AddOperational(log, "d");                              // operational: 1000
  FeasibilityStudied restudy = testing::Studied(Decision::kGo);
  restudy.estimated.savings_eur = 5;
  log.Add("synergy-c", restudy);  // the latest study counts: 5
  KpiReport r = log.Fold().Compute({});
  EXPECT_DOUBLE_EQ(r.totals.estimated.savings_eur, 1005);
  EXPECT_EQ(r.totals.synergies.by_stage[static_cast<int>(Stage::kIdentified)], 1);
  EXPECT_EQ(r.totals.synergies.by_stage[static_cast<int>(Stage::kStudied)], 2);
  EXPECT_EQ(r.totals.synergies.by_stage[static_cast<int>(Stage::kOperational)], 1);
  EXPECT_EQ(r.totals.companies_engaged, 2);
}

TEST(KpiProjection, CompaniesEnrolledLeaveWhenTheyWithdraw) {
  Log log;
  AddZiri(log);
  const std::uint64_t before = log.events().size();
  log.Add("programme-ziri", CompanyWithdrew{"cafe", D("2019-01-01"), "moved"});
  KpiProjection p = log.Fold();
  EXPECT_EQ(p.Compute({}).totals.companies_enrolled, 2);
  KpiQuery q;
  q.position = before;
  EXPECT_EQ(p.Compute(q).totals.companies_enrolled, 3);
  q.position = 1;  // launched, nobody enrolled yet
  EXPECT_EQ(p.Compute(q).totals.companies_enrolled, 0);
}

TEST(KpiProjection, DiagnosticsCountByPerformedOnInTotalsYearProgrammeAndRegionGroups) {
  Log log;
  AddZiri(log);
  AddZiri(log, "biotop", "Nouvelle-Aquitaine");
  log.Add("programme-ziri", DiagnosticRecorded{"acme", D("2018-03-01"), {Resource::kWaste}});
  log.Add("programme-ziri", DiagnosticRecorded{"bois", D("2019-03-01"), {}});
  log.Add("programme-biotop", DiagnosticRecorded{"acme", D("2018-05-01"), {}});
  KpiProjection p = log.Fold();
  KpiReport years = p.Compute(ByYear());
  EXPECT_EQ(years.totals.diagnostics, 3);
  EXPECT_EQ(years.groups.at("2018").diagnostics, 2);
  EXPECT_EQ(years.groups.at("2019").diagnostics, 1);
  KpiQuery q;
  q.group_by = KpiGrouping::kProgramme;
  q.to = D("2018-12-31");
  KpiReport programmes = p.Compute(q);
  EXPECT_EQ(programmes.totals.diagnostics, 2);
  EXPECT_EQ(programmes.groups.at("ziri").diagnostics, 1);
  EXPECT_EQ(programmes.groups.at("biotop").diagnostics, 1);
  q.group_by = KpiGrouping::kRegion;
  EXPECT_EQ(p.Compute(q).groups.at("Nouvelle-Aquitaine").diagnostics, 2);
  q.group_by = KpiGrouping::kResource;  // no synergy: no group
  EXPECT_TRUE(p.Compute(q).groups.empty());
  EXPECT_EQ(p.Compute(q).totals.diagnostics, 2);
}

TEST(KpiProjection, FiltersByProgrammeAndRegion) {
  Log log;
  AddZiri(log);
  AddZiri(log, "piicto", "Provence-Alpes-Cote d'Azur");
  AddOperational(log, "s1", "ziri");
  AddOperational(log, "s2", "piicto");
  log.Add("synergy-s1", Measured("m1", "2018-01-01", "2018-12-31", 100));
  log.Add("synergy-s2", Measured("m1", "2018-01-01", "2018-12-31", 7));
  KpiProjection p = log.Fold();
  KpiQuery q;
  EXPECT_DOUBLE_EQ(p.Compute(q).totals.measured.savings_eur, 107);
  EXPECT_EQ(p.Compute(q).totals.companies_enrolled, 6);
  q.programmes = std::vector<std::string>{"piicto"};
  EXPECT_DOUBLE_EQ(p.Compute(q).totals.measured.savings_eur, 7);
  EXPECT_EQ(p.Compute(q).totals.companies_enrolled, 3);
  q.programmes = std::vector<std::string>{"piicto", "ziri"};
  q.region = "Nouvelle-Aquitaine";
  EXPECT_DOUBLE_EQ(p.Compute(q).totals.measured.savings_eur, 100);
  q.programmes = std::vector<std::string>{};
  EXPECT_EQ(p.Compute(q).totals.synergies.total(), 0);
}

TEST(KpiProjection, GroupsByResourceKindAndStageCarryTheSynergiesInThem) {
  Log log;
  AddZiri(log);
  AddOperational(log, "s1");
  SynergyIdentified pooled = IdentifiedIn("s2", "ziri");
  pooled.kind = SynergyKind::kMutualisation;
  pooled.resource = Resource::kEnergy;
  pooled.participants = {{"acme", ParticipantRole::kMember}, {"cafe", ParticipantRole::kMember}};
  log.Add("synergy-s2", pooled);
  KpiProjection p = log.Fold();
  KpiQuery q;
  q.group_by = KpiGrouping::kResource;
  KpiReport r = p.Compute(q);
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups.at("energy").synergies.by_stage[static_cast<int>(Stage::kIdentified)], 1);
  EXPECT_DOUBLE_EQ(r.groups.at("waste").estimated.savings_eur, 1000);
  q.group_by = KpiGrouping::kKind;
  EXPECT_EQ(p.Compute(q).groups.at("mutualisation").synergies.total(), 1);
  q.group_by = KpiGrouping::kStage;
  r = p.Compute(q);
  EXPECT_EQ(r.groups.at("operational").synergies.total(), 1);
  EXPECT_EQ(r.groups.at("identified").synergies.total(), 1);
}

TEST(KpiProjection, PositionAtFindsTheLastEventRecordedAtOrBefore) {
  Log log;
  AddZiri(log);
  KpiProjection p = log.Fold();
  const Timestamp second = log.events()[1].recorded_at;
  EXPECT_EQ(p.PositionAt(second), 2u);
  EXPECT_EQ(p.PositionAt(Timestamp{second.micros + 999'999}), 2u);
  EXPECT_EQ(p.PositionAt(Timestamp{log.events()[0].recorded_at.micros - 1}), 0u);
  EXPECT_EQ(p.PositionAt(Timestamp{INT64_MAX}), 4u);
}

TEST(KpiProjection, ASnapshotLoadsBackAndACorruptOneIsRefused) {
  Log log;
  AddZiri(log);
  AddOperational(log);
  log.Add("synergy-s1", Measured("m1", "2018-07-01", "2019-06-30", 365));
  KpiProjection p = log.Fold();
  SnapshotWriter out;
  p.Save(out);
  KpiProjection loaded;
  SnapshotReader in(out.bytes());
  ASSERT_TRUE(loaded.Load(in));
  EXPECT_EQ(loaded.Compute(ByYear()), p.Compute(ByYear()));
  for (std::size_t cut = 0; cut < out.bytes().size(); cut += 7) {
    KpiProjection truncated;
    SnapshotReader short_in(std::string_view(out.bytes()).substr(0, cut));
    EXPECT_FALSE(truncated.Load(short_in)) << cut;
    EXPECT_EQ(truncated.position(), 0u);
  }
  std::string other = out.bytes();
  other[0] = static_cast<char>(KpiProjection::kFormatVersion + 1);
  SnapshotReader other_in(other);
  EXPECT_FALSE(loaded.Load(other_in));
}

// --- Random valid histories -------------------------------------------------

// Drives the deciders with random commands and keeps what they accept.
class RandomHistory {
 public:
  explicit RandomHistory(std::uint32_t seed) : rng_(seed) {}

  void Generate(Log& log, int commands) {
    for (int i = 0; i < commands; ++i) Step(log);
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  double Amount() { return std::uniform_int_distribution<int>(-50, 5000)(rng_) / 4.0; }
  Date Day(int from_year = 2014) {
    return Date{Date::FromYmd(from_year, 1, 1).days + Pick(365 * 4)};
  }
  Quantities Values() {
    Quantities q;
    q.savings_eur = Amount();
    q.tonnes_recovered = Pick(1000) / 8.0;
    q.co2e_avoided_t = Amount() / 10;
    q.water_m3 = Pick(500);
    q.energy_mwh = Pick(90) / 3.0;
    q.jobs = Pick(3);
    return q;
  }

  template <typename State, typename Command, typename... Extra>
  void Try(Log& log, const std::string& stream, State& state, Command command, Extra&... extra) {
    Result<std::vector<Event>> events = Decide(state, command, extra...);
    if (!events.ok()) return;
    for (Event& e : *events) {
      state = Evolve(std::move(state), e);
      log.Add(stream, std::move(e));
    }
  }

  void Step(Log& log) {
    const Date today = D("2025-01-01");
    const int roll = Pick(100);
    if (programmes_.empty() || roll < 2) {
      std::string id = "p" + std::to_string(programmes_.size());
      ProgrammeLaunched launched = testing::Launched(id);
      launched.region = Pick(2) ? "Nouvelle-Aquitaine" : "Occitanie";
      Try(log, "programme-" + id, programmes_[id], LaunchProgramme{launched, today});
      return;
    }
    auto p = std::next(programmes_.begin(), Pick(static_cast<int>(programmes_.size())));
    const std::string& pid = p->first;
    ProgrammeState& programme = p->second;
    const std::string pstream = "programme-" + pid;
    if (roll < 15 || programme.companies.size() < 2) {
      std::string cid = "c" + std::to_string(programme.companies.size());
      Try(log, pstream, programme, EnrolCompany{testing::Enrolled(cid)});
      return;
    }
    auto company = std::next(programme.companies.begin(),
                             Pick(static_cast<int>(programme.companies.size())));
    if (roll < 17) {
      Try(log, pstream, programme, WithdrawCompany{{company->first, Day(), "moved"}, today});
      return;
    }
    if (roll < 27) {
      Try(log, pstream, programme, RecordDiagnostic{{company->first, Day(), {Resource::kWater}}, today});
      return;
    }
    if (roll < 40 || synergies_.empty()) {
      std::string sid = "s" + std::to_string(synergies_.size());
      SynergyIdentified e = IdentifiedIn(sid, pid);
      auto other = std::next(programme.companies.begin(),
                             Pick(static_cast<int>(programme.companies.size())));
      e.resource = static_cast<Resource>(Pick(9));
      if (Pick(2) == 0 || other == company) {
        e.kind = SynergyKind::kSubstitution;
        e.participants = {{company->first, ParticipantRole::kProvider},
                          {other->first, ParticipantRole::kReceiver}};
      } else {
        e.kind = SynergyKind::kMutualisation;
        e.participants = {{company->first, ParticipantRole::kMember},
                          {other->first, ParticipantRole::kMember}};
      }
      SynergyState fresh;
      Try(log, "synergy-" + sid, fresh, IdentifySynergy{e, today}, programme);
      if (fresh.exists()) synergies_[sid] = std::move(fresh);
      return;
    }
    auto s = std::next(synergies_.begin(), Pick(static_cast<int>(synergies_.size())));
    SynergyState& synergy = s->second;
    const ProgrammeState& owner = programmes_[synergy.identification.programme];
    const std::string sstream = "synergy-" + s->first;
    switch (Pick(6)) {
      case 0: {
        FeasibilityStudied study = testing::Studied(Pick(4) ? Decision::kGo : Decision::kNoGo);
        study.estimated = Values();
        Try(log, sstream, synergy, StudyFeasibility{study, today}, owner);
        break;
      }
      case 1:
        Try(log, sstream, synergy, StartOperation{testing::Operational("2014-01-01"), today}, owner);
        break;
      case 2:
      case 3: {
        const Date from = Day();
        BenefitsMeasured m = testing::Measured("m" + std::to_string(synergy.measurements.size()),
                                               "2014-01-01", "2014-01-01");
        m.period_from = from;
        m.period_to = Date{from.days + Pick(500)};
        m.values = Values();
        if (Pick(3) == 0) m.source = "invoice " + std::to_string(Pick(100));
        if (Pick(4) == 0) m.co2e_factor_source = "ADEME";
        Try(log, sstream, synergy, MeasureBenefits{m, today}, owner);
        break;
      }
      case 4:
        if (!synergy.measurements.empty()) {
          const auto& m = synergy.measurements[static_cast<std::size_t>(
              Pick(static_cast<int>(synergy.measurements.size())))];
          Try(log, sstream, synergy,
              CorrectMeasurement{{m.id, Values(), "corrected"}}, owner);
        }
        break;
      default:
        if (Pick(5) == 0) {
          Try(log, sstream, synergy,
              AbandonSynergy{{Day(), ReasonCode::kEconomic, std::nullopt}, today}, owner);
        }
    }
  }

  std::mt19937 rng_;
  std::map<std::string, ProgrammeState> programmes_;
  std::map<std::string, SynergyState> synergies_;
};

void ExpectNear(const Quantities& a, const Quantities& b, const std::string& what) {
  for (const QuantityField& f : kQuantityFields) {
    EXPECT_NEAR(a.*f.member, b.*f.member, 1e-6 * (1 + std::abs(b.*f.member))) << what << " " << f.name;
  }
}

class KpiProperty : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(KpiProperty, IncrementalRebuiltCheckpointedAndAsOfFiguresAgree) {
  Log log;
  RandomHistory(GetParam()).Generate(log, 4000);
  const std::vector<RecordedEvent>& events = log.events();
  ASSERT_GT(events.size(), 1500u);

  // Incremental: queried after every event, as the service does.
  KpiProjection incremental;
  std::vector<KpiReport> seen;  // totals after each event, every 97th
  for (const RecordedEvent& e : events) {
    incremental.Apply(e);
    if (e.position % 97 == 0) seen.push_back(incremental.Compute({}));
  }
  // A checkpoint in the middle, loaded, plus the tail.
  const std::size_t middle = events.size() / 2;
  SnapshotWriter out;
  log.Fold(middle).Save(out);
  KpiProjection resumed;
  SnapshotReader in(out.bytes());
  ASSERT_TRUE(resumed.Load(in));
  for (std::size_t i = middle; i < events.size(); ++i) resumed.Apply(events[i]);
  const KpiProjection rebuilt = log.Fold();

  std::vector<KpiQuery> queries;
  for (int g = -1; g < 6; ++g) {
    KpiQuery q;
    if (g >= 0) q.group_by = static_cast<KpiGrouping>(g);
    queries.push_back(q);
    q.from = D("2015-03-01");
    q.to = D("2016-10-31");
    queries.push_back(q);
    q.region = "Occitanie";
    queries.push_back(q);
  }
  for (const KpiQuery& q : queries) {
    const KpiReport expected = rebuilt.Compute(q);
    EXPECT_EQ(incremental.Compute(q), expected);
    EXPECT_EQ(resumed.Compute(q), expected);
    if (!q.group_by) continue;
    // The groups add up to the totals.
    KpiFigures sum;
    for (const auto& [key, g] : expected.groups) {
      for (const QuantityField& f : kQuantityFields) {
        sum.measured.*f.member += g.measured.*f.member;
        sum.estimated.*f.member += g.estimated.*f.member;
      }
      for (std::size_t s = 0; s < 5; ++s) sum.synergies.by_stage[s] += g.synergies.by_stage[s];
      sum.diagnostics += g.diagnostics;
    }
    const std::string what = std::string(ToString(*q.group_by));
    ExpectNear(sum.measured, expected.totals.measured, what);
    if (q.group_by == KpiGrouping::kYear) continue;  // years carry no estimates nor counts
    ExpectNear(sum.estimated, expected.totals.estimated, what);
    EXPECT_EQ(sum.synergies, expected.totals.synergies) << what;
    if (q.group_by == KpiGrouping::kProgramme || q.group_by == KpiGrouping::kRegion) {
      EXPECT_EQ(sum.diagnostics, expected.totals.diagnostics) << what;
    }
  }
  // The figures as of each event's recorded_at are those of the log prefix.
  for (std::size_t i = 0; i < events.size(); i += 37) {
    const KpiProjection prefix = log.Fold(i + 1);
    for (const KpiQuery& base : {queries[0], queries[1], queries[2 * 3 + 1]}) {
      KpiQuery q = base;
      q.position = rebuilt.PositionAt(events[i].recorded_at);
      ASSERT_EQ(q.position, i + 1);
      EXPECT_EQ(rebuilt.Compute(q), prefix.Compute(base)) << "at position " << i + 1;
    }
  }
  // And what the service saw along the way.
  for (std::size_t k = 0; k < seen.size(); ++k) {
    KpiQuery q;
    q.position = (k + 1) * 97;
    EXPECT_EQ(rebuilt.Compute(q), seen[k]);
  }
}

TEST_P(KpiProperty, ReadModelsFromACheckpointPlusTheTailEqualAFullFold) {
  Log log;
  RandomHistory(GetParam()).Generate(log, 3000);
  const std::vector<RecordedEvent>& events = log.events();
  ReadModels full, half;
  for (std::size_t i = 0; i < events.size(); ++i) {
    full.Apply(events[i]);
    if (i < events.size() / 3) half.Apply(events[i]);
  }
  // Every synergy of `models` is found by id in `found_in`, the same.
  auto all_found = [](const ReadModels& models, const ReadModels& found_in) {
    for (const auto& [id, state] : models.synergies()) {
      const SynergyState* found = found_in.FindSynergy(id);
      ASSERT_NE(found, nullptr) << id;
      EXPECT_EQ(*found, state) << id;
    }
  };
  ReadModels resumed;
  ASSERT_TRUE(resumed.Load(half.Save()));
  EXPECT_EQ(resumed.Save(), half.Save());
  ASSERT_FALSE(half.synergies().empty());
  all_found(half, resumed);
  for (const RecordedEvent& e : events) resumed.Apply(e);  // the folded part is skipped
  EXPECT_EQ(resumed.position(), full.position());
  EXPECT_EQ(resumed.Save(), full.Save());
  all_found(full, resumed);
  EXPECT_EQ(resumed.synergies().size(), full.synergies().size());
  EXPECT_EQ(resumed.kpis().Compute(ByYear()), full.kpis().Compute(ByYear()));
  // Every truncation and a changed format are refused, leaving empty models.
  const std::string bytes = full.Save();
  for (std::size_t cut = 0; cut < bytes.size(); cut += 1 + bytes.size() / 300) {
    ReadModels truncated;
    EXPECT_FALSE(truncated.Load(std::string_view(bytes).substr(0, cut))) << cut;
    EXPECT_EQ(truncated.position(), 0u);
    EXPECT_EQ(truncated.FindSynergy(full.synergies().begin()->first), nullptr) << cut;
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, KpiProperty, ::testing::Values(1u, 2u, 3u, 42u));

}  // namespace
}  // namespace synergy
