// Durable appends and replay, each next to raw RocksDB doing the same bytes.
//
// append/N   N threads, each appending one-event commands to its own stream
//            through the LogStore (encode, check, hash chain, group commit,
//            sync = true).
// raw/N      N threads writing, per event, one WriteBatch with the same keys
//            and values a one-event command writes (event, stream index,
//            stream head, log head), sync = true, RocksDB's own write grouping.
// replay     decode every event of a log of kReplayEvents through ReadLog.
// rawscan    iterate the same events family with RocksDB alone.
//
// The last line printed is
//   append64/raw64=X append64/append1=Y replay/rawscan=Z
// with ratios of events per second measured in this run.
#include <benchmark/benchmark.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "infra/codec.h"
#include "infra/hash_chain.h"
#include "infra/rocks_store.h"

namespace synergy {
namespace {

constexpr std::size_t kReplayEvents = 1'000'000;
constexpr std::size_t kReplayStreams = 10'000;

std::filesystem::path MakeDir(const std::string& name) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("synergy-bench-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A representative one-event command: a measurement.
Event SampleMeasurement() {
  BenefitsMeasured m{};
  m.id = "m-2018";
  m.period_from = Date::Parse("2018-07-01").value();
  m.period_to = Date::Parse("2019-06-30").value();
  m.values = Quantities{365, 12.5, 3.25, 40, 1.5, 0};
  m.method = MeasurementMethod::kInvoiced;
  m.source = "supplier invoices";
  m.co2e_factor_source = "Base Empreinte v23";
  return m;
}

// ---- Our store ------------------------------------------------------------

LogStore* append_store = nullptr;
std::atomic<int> append_run{0};

void BM_Append(benchmark::State& state) {
  static thread_local std::uint64_t version = 0;
  static thread_local std::string stream;
  // A fresh stream per thread and run: versions start from 0.
  stream = "synergy-bench-" + std::to_string(append_run.fetch_add(1));
  version = 0;
  AppendRequest request;
  request.stream = stream;
  request.actor = "bench";
  Event event = SampleMeasurement();
  for (auto _ : state) {
    request.expected_version = version;
    request.events = {event};
    Result<AppendOutcome> r = append_store->Append(request);
    if (!r.ok()) {
      state.SkipWithError(r.error().message.c_str());
      break;
    }
    version = r->version;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// ---- Raw RocksDB ------------------------------------------------------------

struct RawDb {
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::ColumnFamilyHandle* Family(std::string_view name) {
    for (std::size_t i = 0; i < kColumnFamilies.size(); ++i) {
      if (kColumnFamilies[i] == name) return handles[i + 1];
    }
    return nullptr;
  }
  bool Open(const std::filesystem::path& dir) {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    options.IncreaseParallelism(2);
    return Check(rocksdb::DB::Open(options, dir.string(), ColumnFamilyDescriptors(), &handles, &db));
  }
  bool OpenReadOnly(const std::filesystem::path& dir) {
    return Check(rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir.string(), ColumnFamilyDescriptors(),
                                              &handles, &db));
  }
  static bool Check(const rocksdb::Status& s) {
    if (!s.ok()) std::fprintf(stderr, "open: %s\n", s.ToString().c_str());
    return s.ok();
  }
  void Close() {
    if (db == nullptr) return;
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    handles.clear();
    delete db;
    db = nullptr;
  }
};

RawDb raw;   // raw/N writes here
RawDb scan;  // rawscan reads the replay log here
std::atomic<std::uint64_t> raw_position{0};
std::string raw_record;  // a stored event's bytes, hash included

std::string BigEndian(std::uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
  return out;
}

void BM_Raw(benchmark::State& state) {
  std::string stream = "synergy-raw-" + std::to_string(append_run.fetch_add(1));
  std::uint64_t version = 0;
  rocksdb::WriteOptions sync;
  sync.sync = true;
  std::string head(4 + 8 + 32, 'h');
  for (auto _ : state) {
    std::string position = BigEndian(raw_position.fetch_add(1) + 1);
    ++version;
    rocksdb::WriteBatch wb;
    wb.Put(raw.Family(kEventsFamily), position, raw_record);
    wb.Put(raw.Family(kStreamsFamily), stream + '\0' + BigEndian(version), position);
    wb.Put(raw.Family(kHeadsFamily), stream, BigEndian(version));
    wb.Put(raw.Family(kMetaFamily), "head", head);
    rocksdb::Status s = raw.db->Write(sync, &wb);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// ---- Replay -----------------------------------------------------------------

std::filesystem::path replay_dir;
std::unique_ptr<LogStore> replay_store;

// Fills a log of kReplayEvents over kReplayStreams streams, 100 events a
// command, from 8 threads.
void FillReplayLog() {
  constexpr std::size_t kPerCommand = 100;
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  Event event = SampleMeasurement();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::size_t commands = kReplayEvents / kPerCommand;
      for (std::size_t c = static_cast<std::size_t>(t); c < commands; c += kThreads) {
        std::size_t s = c % kReplayStreams;
        AppendRequest r;
        r.stream = "synergy-" + std::to_string(s);
        r.expected_version = (c / kReplayStreams) * kPerCommand;
        r.events.assign(kPerCommand, event);
        r.actor = "bench";
        Result<AppendOutcome> out = replay_store->Append(std::move(r));
        if (!out.ok()) {
          std::fprintf(stderr, "fill: %s\n", out.error().message.c_str());
          std::exit(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
}

void BM_Replay(benchmark::State& state) {
  std::size_t decoded = 0;
  for (auto _ : state) {
    Status s = replay_store->Replay(0, [&decoded](const RecordedEvent& e) {
      benchmark::DoNotOptimize(&e);
      ++decoded;
      return true;
    });
    if (!s.ok()) {
      state.SkipWithError(s.error().message.c_str());
      return;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(decoded));
}

void BM_RawScan(benchmark::State& state) {
  std::size_t scanned = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::unique_ptr<rocksdb::Iterator> it(
        scan.db->NewIterator(rocksdb::ReadOptions(), scan.Family(kEventsFamily)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      bytes += it->key().size() + it->value().size();
      ++scanned;
    }
  }
  benchmark::DoNotOptimize(bytes);
  state.SetItemsProcessed(static_cast<std::int64_t>(scanned));
}

// Keeps each run's events per second by name, then prints the ratios.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  RatioReporter() : ConsoleReporter(OO_Tabular) {}  // plain text, for logs
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      auto it = run.counters.find("items_per_second");
      if (it == run.counters.end()) continue;
      rates_[run.run_name.function_name] = it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  double Rate(const std::string& name) const {
    auto it = rates_.find(name);
    return it == rates_.end() ? 0 : it->second;
  }

 private:
  std::map<std::string, double> rates_;
};

}  // namespace
}  // namespace synergy

int main(int argc, char** argv) {
  using namespace synergy;
  benchmark::Initialize(&argc, argv);

  std::filesystem::path append_dir = MakeDir("append");
  std::filesystem::path raw_dir = MakeDir("raw");
  replay_dir = MakeDir("replay");
  auto store = OpenRocksStore(append_dir.string());
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  append_store = store->get();
  if (!raw.Open(raw_dir)) return 1;
  Hash hash{};
  raw_record.assign(reinterpret_cast<const char*>(hash.data()), hash.size());
  raw_record += FrameRecord(1, 1, SystemNow(),
                            EncodeBody("synergy-raw-0", NewEventId(), "bench", SampleMeasurement()));

  const int kWriters[] = {1, 8, 64, 256};
  for (int n : kWriters) {
    benchmark::RegisterBenchmark(("append/" + std::to_string(n)).c_str(), BM_Append)
        ->Threads(n)->UseRealTime()->MinTime(3);
    benchmark::RegisterBenchmark(("raw/" + std::to_string(n)).c_str(), BM_Raw)
        ->Threads(n)->UseRealTime()->MinTime(3);
  }
  benchmark::RegisterBenchmark("replay", BM_Replay)->UseRealTime()->Iterations(3)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("rawscan", BM_RawScan)->UseRealTime()->Iterations(3)->Unit(benchmark::kMillisecond);

  // The replay log, and its events family alone for the raw scan.
  {
    auto opened = OpenRocksStore(replay_dir.string());
    if (!opened.ok()) {
      std::fprintf(stderr, "%s\n", opened.error().message.c_str());
      return 1;
    }
    replay_store = std::move(*opened);
    std::fprintf(stderr, "filling a log of %zu events...\n", kReplayEvents);
    FillReplayLog();
    // Settle the files before measuring anything, so that no flush or
    // compaction of the fill runs under the benchmarks.
    replay_store.reset();
    RawDb settle;
    if (!settle.Open(replay_dir)) return 1;
    rocksdb::CompactRangeOptions compact;
    for (std::size_t i = 1; i < settle.handles.size(); ++i) {
      settle.db->CompactRange(compact, settle.handles[i], nullptr, nullptr);
    }
    settle.Close();
    opened = OpenRocksStore(replay_dir.string());
    if (!opened.ok()) return 1;
    replay_store = std::move(*opened);
  }

  // The raw scan reads the replay log's files through a read-only handle.
  if (!scan.OpenReadOnly(replay_dir)) return 1;

  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  scan.Close();
  raw.Close();
  replay_store.reset();
  store->reset();
  std::filesystem::remove_all(append_dir);
  std::filesystem::remove_all(raw_dir);
  std::filesystem::remove_all(replay_dir);

  double append64 = reporter.Rate("append/64"), raw64 = reporter.Rate("raw/64");
  double append1 = reporter.Rate("append/1");
  double replay = reporter.Rate("replay"), rawscan = reporter.Rate("rawscan");
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  std::printf("append64/raw64=%.2f append64/append1=%.2f replay/rawscan=%.2f\n",
              ratio(append64, raw64), ratio(append64, append1), ratio(replay, rawscan));
  return 0;
}
