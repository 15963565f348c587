// The measurement decider against synergies with many measurements.
//
// measure/N   decide a new measurement (a fresh id, the day after the last
//             period) for an operational synergy that holds N day-long
//             measurements with ids as the API makes them ("m-" and 16
//             random hex digits): the duplicate-id and overlap checks.
// apply/N     record 1,000 more measurements, one at a time (EvolveInPlace),
//             in such a synergy; the time is per measurement.
#include <benchmark/benchmark.h>

#include <string>

#include "domain/programme.h"
#include "domain/synergy.h"
#include "infra/codec.h"

namespace synergy {
namespace {

Date Day(int n) { return Date{Date::FromYmd(2020, 1, 1).days + n}; }

ProgrammeState Park() {
  ProgrammeState s;
  EvolveInPlace(s, ProgrammeLaunched{"park", "Park", "Nouvelle-Aquitaine", "33", "Park",
                                     "Facilitators", Date::FromYmd(2019, 1, 1)});
  for (const char* id : {"acme", "bois"}) {
    EvolveInPlace(s, CompanyEnrolled{id, id, std::nullopt, std::nullopt, std::nullopt});
  }
  return s;
}

// A measurement id as the API makes one when the body gives none.
std::string MeasurementId() { return "m-" + RandomHex(16); }

BenefitsMeasured DayMeasured(std::string id, int day) {
  BenefitsMeasured e{};
  e.id = std::move(id);
  e.period_from = e.period_to = Day(day);
  e.values.savings_eur = 12.5;
  e.method = MeasurementMethod::kMetered;
  return e;
}

// An operational synergy with `n` day-long measurements, days 0 to n-1.
SynergyState Measured(int n) {
  SynergyState s;
  SynergyIdentified identified{};
  identified.id = "s1";
  identified.programme = "park";
  identified.title = "Pooled waste collection";
  identified.participants = {{"acme", ParticipantRole::kProvider},
                             {"bois", ParticipantRole::kReceiver}};
  identified.occurred_on = Day(-60);
  EvolveInPlace(s, identified);
  FeasibilityStudied studied{};
  studied.occurred_on = Day(-30);
  studied.decision = Decision::kGo;
  EvolveInPlace(s, studied);
  EvolveInPlace(s, SynergyOperational{Day(0), std::nullopt});
  for (int day = 0; day < n; ++day) EvolveInPlace(s, DayMeasured(MeasurementId(), day));
  return s;
}

void BM_Measure(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const ProgrammeState park = Park();
  const SynergyState synergy = Measured(n);
  const SynergyCommand command = MeasureBenefits{DayMeasured(MeasurementId(), n), Day(n + 1)};
  for (auto _ : state) {
    Result<std::vector<Event>> events = Decide(synergy, command, park);
    if (!events.ok()) state.SkipWithError(events.error().message.c_str());
    benchmark::DoNotOptimize(events);
  }
}
BENCHMARK(BM_Measure)->Name("measure")->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

void BM_Apply(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  SynergyState synergy = Measured(n);
  std::vector<Event> next;
  for (int i = 0; i < 1000; ++i) next.push_back(DayMeasured(MeasurementId(), n + i));
  std::size_t i = 0;
  for (auto _ : state) EvolveInPlace(synergy, next[i++]);
}
BENCHMARK(BM_Apply)->Name("apply")->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Iterations(1000);

}  // namespace
}  // namespace synergy

BENCHMARK_MAIN();
