// Writes a large valid log for the KPI benchmark, straight through the
// LogStore (no HTTP): every event is decided by the domain's deciders.
//   make_log DATA_DIR [EVENTS] [SYNERGIES] [PROGRAMMES]
// Defaults: 1,000,000 events, 10,000 synergies over 50 programmes. Each
// programme gets companies and diagnostics; each synergy is identified,
// studied, operational, then measured month after month, every fifth
// measurement corrected, until the event budget is spent.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>

#include "domain/programme.h"
#include "domain/synergy.h"
#include "infra/rocks_store.h"

namespace synergy {
namespace {

class Writer {
 public:
  explicit Writer(LogStore& store) : store_(store) {}
  ~Writer() { Drain(); }

  // Appends `events` to `stream` at `version`, up to 512 appends in flight.
  void Append(const std::string& stream, std::uint64_t version, std::vector<Event> events) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return in_flight_ < 512; });
    ++in_flight_;
    lock.unlock();
    AppendRequest request;
    request.stream = stream;
    request.expected_version = version;
    request.events = std::move(events);
    request.actor = "make_log";
    store_.AppendAsync(std::move(request), [this](Result<AppendOutcome> outcome) {
      if (!outcome.ok()) {
        std::fprintf(stderr, "append failed: %s\n", outcome.error().message.c_str());
        std::abort();
      }
      std::lock_guard done(mu_);
      --in_flight_;
      cv_.notify_all();
    });
  }
  void Drain() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return in_flight_ == 0; });
  }

 private:
  LogStore& store_;
  std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0;
};

template <typename State, typename Command, typename... Extra>
std::vector<Event> Decided(State& state, const Command& command, const Extra&... extra) {
  Result<std::vector<Event>> events = Decide(state, command, extra...);
  if (!events.ok()) {
    std::fprintf(stderr, "refused: %s (%s)\n", events.error().message.c_str(),
                 events.error().field.c_str());
    std::abort();
  }
  for (const Event& e : *events) state = Evolve(std::move(state), e);
  return *events;
}

const char* kRegions[] = {"Nouvelle-Aquitaine", "Occitanie", "Bretagne", "Grand Est",
                          "Île-de-France"};

int Run(const std::string& dir, std::uint64_t budget, int synergies, int programmes) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  Result<std::unique_ptr<LogStore>> store = OpenRocksStore(dir);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  const Date today = Date::FromYmd(2026, 1, 1);
  const int companies = 100;
  std::uint64_t written = 0;
  std::vector<ProgrammeState> states(static_cast<std::size_t>(programmes));
  {
    Writer writer(**store);
    for (int p = 0; p < programmes; ++p) {
      ProgrammeState& state = states[static_cast<std::size_t>(p)];
      const std::string id = "p" + std::to_string(p);
      std::vector<Event> events = Decided(
          state, LaunchProgramme{{id, "Programme " + id, kRegions[p % 5], std::to_string(10 + p),
                                  std::nullopt, "Facilitator", Date::FromYmd(2014, 1, 1)},
                                 today});
      for (int c = 0; c < companies; ++c) {
        auto more = Decided(state, EnrolCompany{{"c" + std::to_string(c), "Company", std::nullopt,
                                                 std::nullopt, std::nullopt}});
        events.insert(events.end(), more.begin(), more.end());
      }
      for (int d = 0; d < companies; ++d) {
        auto more = Decided(state, RecordDiagnostic{{"c" + std::to_string(d),
                                                     Date::FromYmd(2015 + d % 8, static_cast<unsigned>(1 + d % 12), static_cast<unsigned>(1 + d % 28)),
                                                     {Resource::kWaste}},
                                                    today});
        events.insert(events.end(), more.begin(), more.end());
      }
      written += events.size();
      writer.Append(ProgrammeStream(id), 0, std::move(events));
    }
    writer.Drain();
    for (int s = 0; s < synergies; ++s) {
      // What is left of the budget, shared by the synergies still to write.
      const std::uint64_t per_synergy =
          (budget - std::min(budget, written)) / static_cast<std::uint64_t>(synergies - s);
      const std::size_t p = static_cast<std::size_t>(s % programmes);
      const std::string sid = "s" + std::to_string(s);
      SynergyState state;
      SynergyIdentified identified{sid, "p" + std::to_string(p), "Synergy " + sid,
                                   s % 3 ? SynergyKind::kSubstitution : SynergyKind::kMutualisation,
                                   static_cast<Resource>(s % 9), {}, std::nullopt, std::nullopt,
                                   Date::FromYmd(2014, 6, 1)};
      const std::string a = "c" + std::to_string(s % companies), b = "c" + std::to_string((s + 1) % companies);
      identified.participants = identified.kind == SynergyKind::kSubstitution
                                    ? std::vector<Participant>{{a, ParticipantRole::kProvider},
                                                               {b, ParticipantRole::kReceiver}}
                                    : std::vector<Participant>{{a, ParticipantRole::kMember},
                                                               {b, ParticipantRole::kMember}};
      std::vector<Event> events = Decided(state, IdentifySynergy{identified, today}, states[p]);
      FeasibilityStudied study{};
      study.occurred_on = Date::FromYmd(2014, 9, 1);
      study.decision = Decision::kGo;
      study.estimated.savings_eur = 1000 + s % 500;
      study.estimated.tonnes_recovered = s % 40;
      auto append = [&](std::vector<Event> more) { events.insert(events.end(), more.begin(), more.end()); };
      append(Decided(state, StudyFeasibility{study, today}, states[p]));
      append(Decided(state, StartOperation{{Date::FromYmd(2015, 1, 1), std::nullopt}, today}, states[p]));
      for (int m = 0; events.size() < per_synergy; ++m) {
        BenefitsMeasured measured{};
        measured.id = "m" + std::to_string(m);
        measured.period_from = Date::FromYmd(2015 + m / 12, 1 + static_cast<unsigned>(m % 12), 1);
        measured.period_to = Date{Date::FromYmd(2015 + (m + 1) / 12, 1 + static_cast<unsigned>((m + 1) % 12), 1).days - 1};
        measured.values.savings_eur = 100 + (s * 7 + m) % 900;
        measured.values.tonnes_recovered = (s + m) % 13;
        measured.values.co2e_avoided_t = ((s + m) % 17) / 4.0;
        measured.method = MeasurementMethod::kMetered;
        append(Decided(state, MeasureBenefits{measured, today}, states[p]));
        if (m % 5 == 4 && events.size() < per_synergy) {
          Quantities corrected = measured.values;
          corrected.savings_eur += 10;
          append(Decided(state, CorrectMeasurement{{measured.id, corrected, "invoice"}}, states[p]));
        }
      }
      written += events.size();
      writer.Append(SynergyStream(sid), 0, std::move(events));
      if (s % 1000 == 999) std::fprintf(stderr, "\r%d synergies", s + 1);
    }
  }
  std::fprintf(stderr, "\n");
  std::printf("wrote %llu events; head %llu\n", static_cast<unsigned long long>(written),
              static_cast<unsigned long long>((*store)->Head().position));
  return 0;
}

}  // namespace
}  // namespace synergy

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_log DATA_DIR [EVENTS] [SYNERGIES] [PROGRAMMES]\n");
    return 2;
  }
  const std::uint64_t events = argc > 2 ? std::stoull(argv[2]) : 1'000'000;
  const int synergies = argc > 3 ? std::stoi(argv[3]) : 10'000;
  const int programmes = argc > 4 ? std::stoi(argv[4]) : 50;
  return synergy::Run(argv[1], events, synergies, programmes);
}
