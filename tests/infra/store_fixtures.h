// Ways to open an EventStore for the contract suite: each can close the
// store and open it again over the same data.
#ifndef SYNERGY_TESTS_INFRA_STORE_FIXTURES_H_
#define SYNERGY_TESTS_INFRA_STORE_FIXTURES_H_

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <random>

#include "infra/log_store.h"
#include "infra/memory_store.h"
#include "infra/rocks_store.h"

namespace synergy::testing {

// A clock the test sets; starts at 2024-01-01T00:00:00Z.
class TestClock {
 public:
  Timestamp Now() const { return Timestamp{micros_.load()}; }
  void Set(std::int64_t micros) { micros_.store(micros); }
  Clock AsClock() {
    return [this] { return Now(); };
  }

 private:
  std::atomic<std::int64_t> micros_{1'704'067'200'000'000};
};

// A temporary directory removed with the object.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("synergy-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Forwards to a backend that outlives the LogStore, so the memory store can
// be "reopened"; tests override what they need to fail.
class SharedBackend : public LogBackend {
 public:
  explicit SharedBackend(std::shared_ptr<LogBackend> b) : b_(std::move(b)) {}
  Status Write(const CommitBatch& batch) override { return b_->Write(batch); }
  Status Recover() override { return b_->Recover(); }
  Result<LogHead> ReadHead() override { return b_->ReadHead(); }
  Result<std::vector<std::pair<std::string, std::uint64_t>>> ReadStreamHeads() override {
    return b_->ReadStreamHeads();
  }
  Status Scan(std::uint64_t after, std::size_t limit, const ScanVisitor& visit) override {
    return b_->Scan(after, limit, visit);
  }
  Result<std::vector<std::uint64_t>> StreamPositions(std::string_view s, std::uint64_t v) override {
    return b_->StreamPositions(s, v);
  }
  Result<StoredEvent> ReadAt(std::uint64_t p) override { return b_->ReadAt(p); }
  Result<std::optional<IdempotencyRecord>> FindIdempotency(std::string_view k) override {
    return b_->FindIdempotency(k);
  }

 private:
  std::shared_ptr<LogBackend> b_;
};

class MemoryStoreFactory {
 public:
  std::unique_ptr<LogStore> Open(Clock clock) {
    return LogStore::Open(std::make_unique<SharedBackend>(backend_), std::move(clock)).value();
  }

 private:
  std::shared_ptr<LogBackend> backend_ = NewMemoryBackend();
};

class RocksStoreFactory {
 public:
  std::unique_ptr<LogStore> Open(Clock clock) {
    auto store = OpenRocksStore(dir_.path().string(), std::move(clock));
    EXPECT_TRUE(store.ok()) << store.error().message;
    return std::move(store.value());
  }
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
};

// The implementations every typed store suite runs against, and their names.
using StoreImplementations = ::testing::Types<MemoryStoreFactory, RocksStoreFactory>;
class StoreNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, MemoryStoreFactory> ? "Memory" : "RocksDB";
  }
};

}  // namespace synergy::testing

#endif  // SYNERGY_TESTS_INFRA_STORE_FIXTURES_H_
