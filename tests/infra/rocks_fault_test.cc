// I/O faults under the store: a write-ahead-log write or sync that fails
// ("no space left", an I/O error) is refused with kUnavailable, nothing is
// half-written, reads go on, the handle is never written again (Debian's
// RocksDB 7.8.3 aborts on a synced write after a failed one), and a reopen
// once the fault is gone writes again with nothing lost.
#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>

#include "infra/hash_chain.h"
#include "infra/rocks_store.h"
#include "tests/infra/sample_events.h"
#include "tests/infra/store_fixtures.h"

namespace synergy::testing {
namespace {

// Fails every append or sync of the write-ahead log while `failing` is set.
class FaultyFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit FaultyFileSystem(const std::shared_ptr<rocksdb::FileSystem>& target)
      : FileSystemWrapper(target) {}
  const char* Name() const override { return "FaultyFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, file, dbg);
    if (s.ok() && name.ends_with(".log")) *file = std::make_unique<File>(std::move(*file), this);
    return s;
  }

  std::atomic<bool> failing{false};
  std::atomic<int> refused{0};

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> target, FaultyFileSystem* fs)
        : FSWritableFileOwnerWrapper(std::move(target)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->failing) return Fault();
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->failing) return Fault();
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
      if (fs_->failing) return Fault();
      return FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
      if (fs_->failing) return Fault();
      return FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }

   private:
    rocksdb::IOStatus Fault() {
      ++fs_->refused;
      return rocksdb::IOStatus::NoSpace("injected: no space left on device");
    }
    FaultyFileSystem* fs_;
  };
};

AppendRequest Measurement(std::uint64_t version) {
  AppendRequest r;
  r.stream = "synergy-a";
  r.expected_version = version;
  r.events = {SampleEvents()[7]};
  r.actor = "anne";
  return r;
}

TEST(RocksFaults, AFailedLogWriteIsRefusedWholeAndAReopenWritesAgain) {
  TempDir dir;
  auto fs = std::make_shared<FaultyFileSystem>(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  {
    Result<std::unique_ptr<LogBackend>> backend = OpenRocksBackend(dir.path().string(), RocksOptions{.env = env.get()});
    ASSERT_TRUE(backend.ok()) << backend.error().message;
    Result<std::unique_ptr<LogStore>> store = LogStore::Open(std::move(*backend));
    ASSERT_TRUE(store.ok());
    for (std::uint64_t v = 0; v < 3; ++v) ASSERT_TRUE((*store)->Append(Measurement(v)).ok());

    fs->failing = true;
    Result<AppendOutcome> failed = (*store)->Append(Measurement(3));
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable) << failed.error().message;
    EXPECT_GT(fs->refused.load(), 0);

    // The fault clears, but this handle has seen a failed write: refused
    // again, without touching RocksDB (which would abort the process).
    fs->failing = false;
    Result<AppendOutcome> again = (*store)->Append(Measurement(3));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::kUnavailable);

    // Reads go on, and show nothing of the failed write.
    EXPECT_EQ((*store)->Head().position, 3u);
    Result<std::vector<RecordedEvent>> stream = (*store)->ReadStream("synergy-a", 1);
    ASSERT_TRUE(stream.ok());
    EXPECT_EQ(stream->size(), 3u);
  }
  // A reopen, the fault gone: the three events, a chain that verifies, and
  // writes again.
  Result<std::unique_ptr<LogStore>> reopened = OpenRocksStore(dir.path().string());
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  EXPECT_EQ((*reopened)->Head().position, 3u);
  Result<VerifyReport> report = VerifyChain(**reopened);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  Result<AppendOutcome> resumed = (*reopened)->Append(Measurement(3));
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_EQ(resumed->last_position, 4u);
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
