// I/O faults under the store: a write or sync that fails ("no space
// left", an I/O error) is refused with kUnavailable, nothing is half-written,
// reads go on, the handle is never written again (Debian's RocksDB 7.8.3
// aborts on a synced write after a failed one), and once the disk takes
// writes again the store reopens by itself with nothing lost.
#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <thread>

#include "infra/hash_chain.h"
#include "infra/memory_store.h"
#include "infra/rocks_store.h"
#include "tests/infra/sample_events.h"
#include "tests/infra/store_fixtures.h"

namespace synergy::testing {
namespace {

// Fails, on command, every append or sync of any file RocksDB writes
// (`failing`), only syncs (`failing_syncs`: the bytes reach the file, the
// sync reports an I/O error), or every rename (`failing_renames`).
class FaultyFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit FaultyFileSystem(const std::shared_ptr<rocksdb::FileSystem>& target)
      : FileSystemWrapper(target) {}
  const char* Name() const override { return "FaultyFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, file, dbg);
    if (s.ok()) *file = std::make_unique<File>(std::move(*file), this);
    return s;
  }
  rocksdb::IOStatus RenameFile(const std::string& from, const std::string& to,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override {
    if (failing_renames) return Refuse();
    return target()->RenameFile(from, to, options, dbg);
  }

  std::atomic<bool> failing{false};
  std::atomic<bool> failing_syncs{false};
  std::atomic<bool> failing_renames{false};
  std::atomic<int> refused{0};

 private:
  rocksdb::IOStatus Refuse() {
    ++refused;
    return rocksdb::IOStatus::NoSpace("injected: no space left on device");
  }

  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> target, FaultyFileSystem* fs)
        : FSWritableFileOwnerWrapper(std::move(target)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->failing) return fs_->Refuse();
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->failing) return fs_->Refuse();
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
      if (fs_->failing || fs_->failing_syncs) return fs_->Refuse();
      return FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
      if (fs_->failing || fs_->failing_syncs) return fs_->Refuse();
      return FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }

   private:
    FaultyFileSystem* fs_;
  };
};

// A database over the faulty file system, reopened without delay.
struct FaultyDatabase {
  TempDir dir;
  std::shared_ptr<FaultyFileSystem> fs =
      std::make_shared<FaultyFileSystem>(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  RocksDatabase db;

  FaultyDatabase() {
    Result<RocksDatabase> opened = OpenRocksDatabase(
        dir.path().string(), SystemNow,
        RocksOptions{.env = env.get(), .reopen_interval = std::chrono::milliseconds(0)});
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    if (opened.ok()) db = std::move(*opened);
  }
  ~FaultyDatabase() {
    fs->failing = fs->failing_syncs = fs->failing_renames = false;
    db = {};  // closed before the environment goes
  }
};

AppendRequest Measurement(std::uint64_t version) {
  AppendRequest r;
  r.stream = "synergy-a";
  r.expected_version = version;
  r.events = {SampleEvents()[7]};
  r.actor = "anne";
  return r;
}

// Collects the position of every event the store's commit observer sees.
void ObservePositions(LogStore& store, std::vector<std::uint64_t>& observed) {
  store.SetCommitObserver([&observed](const std::vector<RecordedEvent>& events) {
    for (const RecordedEvent& e : events) observed.push_back(e.position);
  });
}

AppendRequest WithIdempotencyKey(AppendRequest request, std::string key) {
  request.idempotency_key = std::move(key);
  request.request_digest = "digest";
  return request;
}

std::vector<std::uint64_t> Positions(EventStore& store) {
  std::vector<std::uint64_t> out;
  Result<std::vector<RecordedEvent>> log = store.ReadLog(0, 1000);
  EXPECT_TRUE(log.ok());
  if (log.ok()) {
    for (const RecordedEvent& e : *log) out.push_back(e.position);
  }
  return out;
}

TEST(RocksFaults, AFailedWriteIsRefusedWholeReadsGoOnAndTheStoreReopensOnceTheDiskTakesWrites) {
  FaultyDatabase f;
  ASSERT_TRUE(f.db.log);
  LogStore& store = *f.db.log;
  std::vector<std::uint64_t> observed;
  ObservePositions(store, observed);
  for (std::uint64_t v = 0; v < 3; ++v) ASSERT_TRUE(store.Append(Measurement(v)).ok());

  f.fs->failing = true;
  Result<AppendOutcome> failed = store.Append(Measurement(3));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable) << failed.error().message;
  EXPECT_GT(f.fs->refused.load(), 0);

  // Still failing: the reopen's probe fails, the old handle stays open for
  // reads, and neither the log nor the tokens write through it.
  Result<AppendOutcome> again = store.Append(Measurement(3));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(again.error().message.find("still refuses"), std::string::npos) << again.error().message;
  EXPECT_FALSE(f.db.tokens->Create(Sha256("t"), {"t", "admin", {}}).ok());
  EXPECT_EQ(store.Head().position, 3u);
  EXPECT_EQ(Positions(store), (std::vector<std::uint64_t>{1, 2, 3}));
  Result<std::vector<RecordedEvent>> stream = store.ReadStream("synergy-a", 1);
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(stream->size(), 3u);

  // The disk takes writes again: the next append reopens the store and is
  // written after the three, and the chain verifies.
  f.fs->failing = false;
  Result<AppendOutcome> resumed = store.Append(Measurement(3));
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_EQ(resumed->last_position, 4u);
  EXPECT_EQ(Positions(store), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(observed, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  Result<VerifyReport> report = VerifyChain(store);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  EXPECT_TRUE(f.db.tokens->Create(Sha256("t"), {"t", "admin", {}}).ok());
  EXPECT_TRUE(f.db.checkpoints->Put("c", Checkpoint{4, 1, "state"}).ok());
}

TEST(RocksFaults, AFailingRenameKeepsTheStoreClosedToWritesUntilItClears) {
  FaultyDatabase f;
  ASSERT_TRUE(f.db.log);
  LogStore& store = *f.db.log;
  ASSERT_TRUE(store.Append(Measurement(0)).ok());
  f.fs->failing = true;
  ASSERT_FALSE(store.Append(Measurement(1)).ok());
  f.fs->failing = false;
  f.fs->failing_renames = true;
  Result<AppendOutcome> refused = store.Append(Measurement(1));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(Positions(store), (std::vector<std::uint64_t>{1}));
  f.fs->failing_renames = false;
  Result<AppendOutcome> resumed = store.Append(Measurement(1));
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_EQ(resumed->last_position, 2u);
}

TEST(RocksFaults, AWriteWhoseSyncFailedIsWholeOrAbsentAfterTheReopenAndARetryWritesItOnce) {
  FaultyDatabase f;
  ASSERT_TRUE(f.db.log);
  LogStore& store = *f.db.log;
  std::vector<std::uint64_t> observed;
  ObservePositions(store, observed);
  ASSERT_TRUE(store.Append(Measurement(0)).ok());
  const AppendRequest keyed = WithIdempotencyKey(Measurement(1), "retry-me");
  f.fs->failing_syncs = true;
  Result<AppendOutcome> failed = store.Append(keyed);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("Idempotency-Key"), std::string::npos) << failed.error().message;
  EXPECT_EQ(store.Head().position, 1u);  // not acknowledged, not shown

  // Whether the bytes that reached the write-ahead log before its sync
  // failed survive the reopen is RocksDB's to say; either way the batch is
  // whole or absent, and the retry with the same key leaves it written
  // exactly once, seen once by the read models.
  f.fs->failing_syncs = false;
  Result<AppendOutcome> retried = store.Append(keyed);
  ASSERT_TRUE(retried.ok()) << retried.error().message;
  EXPECT_EQ(store.Head().position, 2u);
  EXPECT_EQ(Positions(store), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(observed, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(retried->last_position, 2u);
  Result<VerifyReport> report = VerifyChain(store);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
}

TEST(RocksFaults, ReadersAndTokensGoOnWhileTheStoreFailsAndReopens) {
  FaultyDatabase f;
  ASSERT_TRUE(f.db.log);
  LogStore& store = *f.db.log;
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done) {
        // Either answer is fine while the database is reopened; a crash,
        // a hang or a torn read is not.
        Result<std::vector<RecordedEvent>> log = store.ReadLog(0, 1000);
        if (log.ok()) {
          for (std::size_t i = 0; i < log->size(); ++i) ASSERT_EQ((*log)[i].position, i + 1);
        }
        (void)f.db.tokens->List();
        (void)f.db.checkpoints->Get("c");
        ++reads;
      }
    });
  }
  std::uint64_t version = 0;
  for (int round = 0; round < 20; ++round) {
    f.fs->failing = round % 2 == 1;
    Result<AppendOutcome> r = store.Append(Measurement(version));
    if (r.ok()) ++version;
    EXPECT_EQ(r.ok(), round % 2 == 0) << round;
  }
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(version, 10u);
  EXPECT_EQ(store.Head().position, 10u);
  Result<VerifyReport> report = VerifyChain(store);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
}

// A backend whose next write persists the batch and then reports failure,
// as a sync that fails after the bytes reached the disk.
class LostAcknowledgementBackend final : public SharedBackend {
 public:
  LostAcknowledgementBackend() : SharedBackend(NewMemoryBackend()) {}
  std::atomic<bool> lose_next{false};
  std::atomic<int> recoveries{0};
  Status Write(const CommitBatch& batch) override {
    Status written = SharedBackend::Write(batch);
    if (written.ok() && lose_next.exchange(false)) {
      return MakeError(ErrorCode::kUnavailable, "sync failed");
    }
    return written;
  }
  Status Recover() override {
    ++recoveries;
    return OkStatus();
  }
};

TEST(LogStoreRecovery, AFailedBatchFoundDurableAfterRecoveryIsObservedOnceAndReplayed) {
  auto owned = std::make_unique<LostAcknowledgementBackend>();
  LostAcknowledgementBackend* backend = owned.get();
  std::unique_ptr<LogStore> store = LogStore::Open(std::move(owned)).value();
  std::vector<std::uint64_t> observed;
  ObservePositions(*store, observed);
  ASSERT_TRUE(store->Append(Measurement(0)).ok());
  const AppendRequest keyed = WithIdempotencyKey(Measurement(1), "retry-me");
  backend->lose_next = true;
  ASSERT_FALSE(store->Append(keyed).ok());
  EXPECT_EQ(store->Head().position, 1u);
  EXPECT_EQ(backend->recoveries.load(), 0);

  Result<AppendOutcome> retried = store->Append(keyed);
  ASSERT_TRUE(retried.ok()) << retried.error().message;
  EXPECT_EQ(backend->recoveries.load(), 1);
  EXPECT_TRUE(retried->replayed);
  EXPECT_EQ(retried->last_position, 2u);
  EXPECT_EQ(store->Head().position, 2u);
  EXPECT_EQ(store->StreamVersion("synergy-a"), 2u);
  EXPECT_EQ(observed, (std::vector<std::uint64_t>{1, 2}));
  // The recovered head and hash carry the chain on.
  ASSERT_TRUE(store->Append(Measurement(2)).ok());
  Result<VerifyReport> report = VerifyChain(*store);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(backend->recoveries.load(), 1);
}

TEST(RocksFaults, WritesAreRefusedBeforeTheDiskIsFull) {
  TempDir dir;
  {
    // A reserve no disk has: every write is refused before RocksDB sees it.
    Result<std::unique_ptr<LogBackend>> backend =
        OpenRocksBackend(dir.path().string(), RocksOptions{.free_space_reserve = 1ull << 62});
    ASSERT_TRUE(backend.ok());
    Result<std::unique_ptr<LogStore>> store = LogStore::Open(std::move(*backend));
    ASSERT_TRUE(store.ok());
    Result<AppendOutcome> refused = (*store)->Append(Measurement(0));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(refused.error().message.find("reserve"), std::string::npos) << refused.error().message;
    EXPECT_EQ((*store)->Head().position, 0u);
  }
  Result<std::unique_ptr<LogStore>> store = OpenRocksStore(dir.path().string());
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE((*store)->Append(Measurement(0)).ok());
}

}  // namespace
}  // namespace synergy::testing
