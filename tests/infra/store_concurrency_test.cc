// Many threads appending at once, against every implementation.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <thread>

#include "infra/hash_chain.h"
#include "tests/infra/sample_events.h"
#include "tests/infra/store_fixtures.h"

namespace synergy::testing {
namespace {

constexpr int kThreads = 32;

template <typename Factory>
class StoreConcurrency : public ::testing::Test {
 protected:
  void SetUp() override { store_ = factory_.Open(SystemNow); }
  Factory factory_;
  std::unique_ptr<LogStore> store_;
};

TYPED_TEST_SUITE(StoreConcurrency, StoreImplementations, StoreNames);

AppendRequest OneEvent(std::string stream, std::uint64_t expected, std::string actor) {
  AppendRequest r;
  r.stream = std::move(stream);
  r.expected_version = expected;
  r.events = {SampleEvents()[5]};
  r.actor = std::move(actor);
  return r;
}

// Every round, 32 threads append to one stream with the same expected
// version: exactly one wins, the others get a version conflict.
TYPED_TEST(StoreConcurrency, OneWinnerPerRoundOnOneStream) {
  constexpr int kRounds = 10;
  std::atomic<int> wins[kRounds] = {};
  std::atomic<int> conflicts[kRounds] = {};
  std::atomic<int> other_errors{0};
  std::barrier sync(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        sync.arrive_and_wait();
        auto r = this->store_->Append(OneEvent("synergy-hot", static_cast<std::uint64_t>(round),
                                               "writer-" + std::to_string(t)));
        if (r.ok()) {
          ++wins[round];
        } else if (r.error().code == ErrorCode::kVersionConflict) {
          ++conflicts[round];
        } else {
          ++other_errors;
        }
        // Everyone sees the round's append before the next round starts.
        sync.arrive_and_wait();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int round = 0; round < kRounds; ++round) {
    EXPECT_EQ(wins[round].load(), 1) << "round " << round;
    EXPECT_EQ(conflicts[round].load(), kThreads - 1) << "round " << round;
  }
  EXPECT_EQ(other_errors.load(), 0);
  EXPECT_EQ(this->store_->StreamVersion("synergy-hot"), static_cast<std::uint64_t>(kRounds));
  EXPECT_EQ(this->store_->Head().position, static_cast<std::uint64_t>(kRounds));
}

// 32 threads on separate streams: every append succeeds, positions are
// gapless and unique, each stream's versions follow its own appends, and the
// chain verifies.
TYPED_TEST(StoreConcurrency, SeparateStreamsAllSucceed) {
  constexpr int kPerThread = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string stream = "synergy-" + std::to_string(t);
      for (int i = 0; i < kPerThread; ++i) {
        auto r = this->store_->Append(OneEvent(stream, static_cast<std::uint64_t>(i), "w"));
        if (!r.ok() || r->version != static_cast<std::uint64_t>(i + 1)) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  constexpr std::size_t kTotal = kThreads * kPerThread;
  auto log = *this->store_->ReadLog(0, kTotal + 10);
  ASSERT_EQ(log.size(), kTotal);
  std::map<std::string, std::uint64_t> last_version;
  for (std::size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].position, i + 1);
    EXPECT_EQ(log[i].version, ++last_version[log[i].stream]) << log[i].stream;
  }
  EXPECT_EQ(last_version.size(), static_cast<std::size_t>(kThreads));
  Result<VerifyReport> report = VerifyChain(*this->store_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->checked, kTotal);
}

// Concurrent retries of one idempotent request write it once.
TYPED_TEST(StoreConcurrency, ConcurrentIdempotentRetriesWriteOnce) {
  std::atomic<int> written{0}, replayed{0};
  std::barrier sync(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      AppendRequest r = OneEvent("synergy-once", 0, "anne");
      r.idempotency_key = "anne\x1fsame";
      r.request_digest = "d";
      sync.arrive_and_wait();
      auto result = this->store_->Append(r);
      ASSERT_TRUE(result.ok()) << result.error().message;
      ++(result->replayed ? replayed : written);
      EXPECT_EQ(result->first_position, 1u);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(written.load(), 1);
  EXPECT_EQ(replayed.load(), kThreads - 1);
  EXPECT_EQ(this->store_->Head().position, 1u);
}

}  // namespace
}  // namespace synergy::testing
