// The EventStore contract, run against every implementation.
#include <gtest/gtest.h>

#include <future>
#include <mutex>

#include "infra/hash_chain.h"
#include "tests/infra/sample_events.h"
#include "tests/infra/store_fixtures.h"

namespace synergy::testing {
namespace {

template <typename Factory>
class StoreContract : public ::testing::Test {
 protected:
  void SetUp() override { store_ = factory_.Open(clock_.AsClock()); }
  void Reopen() {
    store_.reset();
    store_ = factory_.Open(clock_.AsClock());
  }

  static AppendRequest Request(std::string stream, std::uint64_t expected,
                               std::vector<Event> events) {
    AppendRequest r;
    r.stream = std::move(stream);
    r.expected_version = expected;
    r.events = std::move(events);
    r.actor = "anne";
    return r;
  }

  Result<AppendOutcome> Append(std::string stream, std::uint64_t expected,
                               std::vector<Event> events) {
    return store_->Append(Request(std::move(stream), expected, std::move(events)));
  }

  Factory factory_;
  TestClock clock_;
  std::unique_ptr<LogStore> store_;
};

TYPED_TEST_SUITE(StoreContract, StoreImplementations, StoreNames);

const std::vector<Event>& Samples() {
  static const std::vector<Event> samples = SampleEvents();
  return samples;
}

TYPED_TEST(StoreContract, EmptyStore) {
  EXPECT_EQ(this->store_->Head().position, 0u);
  EXPECT_EQ(this->store_->Head().hash, Hash{});
  EXPECT_TRUE(this->store_->ReadLog(0, 10)->empty());
  EXPECT_TRUE(this->store_->ReadStream("synergy-x", 1)->empty());
  EXPECT_EQ(this->store_->StreamVersion("synergy-x"), 0u);
  EXPECT_EQ(*this->store_->LastPositionAt(this->clock_.Now()), 0u);
  EXPECT_TRUE(VerifyChain(*this->store_)->ok);
}

TYPED_TEST(StoreContract, AppendsToANewStreamAndReadsItBack) {
  Result<AppendOutcome> r = this->Append("synergy-a", 0, {Samples()[4]});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->first_position, 1u);
  EXPECT_EQ(r->last_position, 1u);
  EXPECT_EQ(r->version, 1u);
  EXPECT_EQ(r->recorded_at, this->clock_.Now());
  EXPECT_FALSE(r->replayed);

  auto events = this->store_->ReadStream("synergy-a", 1);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  const RecordedEvent& e = (*events)[0];
  EXPECT_EQ(e.position, 1u);
  EXPECT_EQ(e.stream, "synergy-a");
  EXPECT_EQ(e.version, 1u);
  EXPECT_EQ(e.actor, "anne");
  EXPECT_EQ(e.event, Samples()[4]);
  EXPECT_EQ(e.occurred_on, Date::Parse("2016-02-01"));
  EXPECT_EQ(e.event_id.size(), 32u);
  EXPECT_EQ(e.hash, this->store_->Head().hash);
  EXPECT_EQ(this->store_->StreamVersion("synergy-a"), 1u);
}

TYPED_TEST(StoreContract, MultiEventAppendIsAtomicAndConsecutive) {
  ASSERT_TRUE(this->Append("programme-p", 0, {Samples()[0]}).ok());
  Result<AppendOutcome> r =
      this->Append("synergy-b", 0, {Samples()[4], Samples()[5], Samples()[6]});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first_position, 2u);
  EXPECT_EQ(r->last_position, 4u);
  EXPECT_EQ(r->version, 3u);
  auto events = *this->store_->ReadStream("synergy-b", 1);
  ASSERT_EQ(events.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(events[i].version, i + 1);
    EXPECT_EQ(events[i].position, i + 2);
  }
  auto tail = *this->store_->ReadStream("synergy-b", 3);
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].event, Samples()[6]);
}

TYPED_TEST(StoreContract, ExpectedVersionMismatchChangesNothing) {
  ASSERT_TRUE(this->Append("synergy-a", 0, {Samples()[4]}).ok());
  LogHead before = this->store_->Head();
  for (std::uint64_t wrong : {0u, 2u, 7u}) {
    Result<AppendOutcome> r = this->Append("synergy-a", wrong, {Samples()[5]});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kVersionConflict);
  }
  // A stream that does not exist is at version 0.
  EXPECT_EQ(this->Append("synergy-new", 1, {Samples()[4]}).error().code,
            ErrorCode::kVersionConflict);
  EXPECT_EQ(this->store_->Head().position, before.position);
  EXPECT_EQ(this->store_->Head().hash, before.hash);
  EXPECT_EQ(this->store_->StreamVersion("synergy-a"), 1u);
  EXPECT_EQ(this->store_->StreamVersion("synergy-new"), 0u);
  EXPECT_EQ(this->store_->ReadLog(0, 100)->size(), 1u);
  EXPECT_TRUE(this->Append("synergy-a", 1, {Samples()[5]}).ok());
}

TYPED_TEST(StoreContract, EmptyAppendIsRefused) {
  EXPECT_EQ(this->Append("synergy-a", 0, {}).error().code, ErrorCode::kValidation);
  EXPECT_EQ(this->store_->Head().position, 0u);
}

TYPED_TEST(StoreContract, IdempotencyReplaysTheFirstOutcome) {
  AppendRequest first = this->Request("synergy-a", 0, {Samples()[4]});
  first.idempotency_key = "anne\x1fkey-1";
  first.request_digest = "digest-1";
  first.reply = "{\"id\":\"a\"}";
  Result<AppendOutcome> r1 = this->store_->Append(first);
  ASSERT_TRUE(r1.ok());

  // The same key and digest: the first outcome, nothing written, even though
  // the expected version is now stale.
  Result<AppendOutcome> r2 = this->store_->Append(first);
  ASSERT_TRUE(r2.ok()) << r2.error().message;
  EXPECT_TRUE(r2->replayed);
  EXPECT_EQ(r2->first_position, r1->first_position);
  EXPECT_EQ(r2->last_position, r1->last_position);
  EXPECT_EQ(r2->version, r1->version);
  EXPECT_EQ(r2->recorded_at, r1->recorded_at);
  EXPECT_EQ(r2->reply, "{\"id\":\"a\"}");
  EXPECT_EQ(this->store_->Head().position, 1u);

  // The same key with another digest is refused.
  AppendRequest other = first;
  other.request_digest = "digest-2";
  other.expected_version = 1;
  Result<AppendOutcome> r3 = this->store_->Append(other);
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.error().code, ErrorCode::kIdempotencyMismatch);
  EXPECT_EQ(this->store_->Head().position, 1u);

  auto found = this->store_->FindIdempotency("anne\x1fkey-1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->request_digest, "digest-1");
}

TYPED_TEST(StoreContract, RefusedAppendKeepsNoIdempotencyRecord) {
  AppendRequest r = this->Request("synergy-a", 3, {Samples()[4]});
  r.idempotency_key = "k";
  r.request_digest = "d";
  EXPECT_EQ(this->store_->Append(r).error().code, ErrorCode::kVersionConflict);
  EXPECT_FALSE(this->store_->FindIdempotency("k")->has_value());
  r.expected_version = 0;
  Result<AppendOutcome> retry = this->store_->Append(r);
  ASSERT_TRUE(retry.ok());
  EXPECT_FALSE(retry->replayed);
}

TYPED_TEST(StoreContract, PositionsAreGaplessAcrossStreams) {
  for (int i = 0; i < 10; ++i) {
    std::string stream = "synergy-" + std::to_string(i % 3);
    ASSERT_TRUE(this->Append(stream, this->store_->StreamVersion(stream),
                             {Samples()[static_cast<std::size_t>(i) % Samples().size()]})
                    .ok());
  }
  auto log = *this->store_->ReadLog(0, 100);
  ASSERT_EQ(log.size(), 10u);
  for (std::size_t i = 0; i < log.size(); ++i) EXPECT_EQ(log[i].position, i + 1);
  EXPECT_EQ(this->store_->StreamVersion("synergy-0"), 4u);
  EXPECT_EQ(this->store_->StreamVersion("synergy-1"), 3u);
}

TYPED_TEST(StoreContract, ReadsTheLogByPositionWithALimit) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(this->Append("synergy-a", static_cast<std::uint64_t>(i), {Samples()[5]}).ok());
  }
  auto page = *this->store_->ReadLog(2, 3);
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page.front().position, 3u);
  EXPECT_EQ(page.back().position, 5u);
  EXPECT_EQ(this->store_->ReadLog(5, 100)->size(), 2u);
  EXPECT_TRUE(this->store_->ReadLog(7, 100)->empty());
  EXPECT_TRUE(this->store_->ReadLog(1000, 100)->empty());
  auto stored = *this->store_->ReadStored(0, 100);
  ASSERT_EQ(stored.size(), 7u);
  EXPECT_EQ(stored[6].hash, this->store_->Head().hash);
}

TYPED_TEST(StoreContract, ReplayStreamsTheLogInOrderAndStopsOnRequest) {
  for (std::size_t i = 0; i < Samples().size(); ++i) {
    ASSERT_TRUE(this->Append("synergy-a", i, {Samples()[i]}).ok());
  }
  auto log = *this->store_->ReadLog(0, 100);
  std::vector<RecordedEvent> replayed;
  ASSERT_TRUE(this->store_->Replay(3, [&](const RecordedEvent& e) {
    replayed.push_back(e);
    return true;
  }).ok());
  ASSERT_EQ(replayed.size(), log.size() - 3);
  for (std::size_t i = 0; i < replayed.size(); ++i) {
    const RecordedEvent& want = log[i + 3];
    EXPECT_EQ(replayed[i].position, want.position);
    EXPECT_EQ(replayed[i].event, want.event);  // every type, decoded in place
    EXPECT_EQ(replayed[i].hash, want.hash);
    EXPECT_EQ(replayed[i].occurred_on, want.occurred_on);
    EXPECT_EQ(replayed[i].event_id, want.event_id);
  }
  int seen = 0;
  ASSERT_TRUE(this->store_->Replay(0, [&](const RecordedEvent&) { return ++seen < 2; }).ok());
  EXPECT_EQ(seen, 2);
  seen = 0;
  ASSERT_TRUE(this->store_->Replay(100, [&](const RecordedEvent&) { return ++seen > 0; }).ok());
  EXPECT_EQ(seen, 0);
}

TYPED_TEST(StoreContract, ReplayOfALongLogKeepsOrderAndStopsAnywhere) {
  // Several thousand events: a replay reads ahead in chunks on another
  // thread, and must still visit every event once, in order, and stop at
  // any event, mid-chunk included. From position 0 the scan is a long one
  // (RocksDB reads ahead without filling its cache), from 4000 a short one.
  constexpr std::uint64_t kEvents = 5000;
  std::vector<Event> batch(100, Samples()[7]);
  for (std::uint64_t v = 0; v < kEvents; v += batch.size()) {
    ASSERT_TRUE(this->Append("synergy-long", v, batch).ok());
  }
  std::uint64_t expected = 0;
  ASSERT_TRUE(this->store_->Replay(0, [&](const RecordedEvent& e) {
    EXPECT_EQ(e.position, ++expected);
    EXPECT_EQ(e.version, expected);
    return true;
  }).ok());
  EXPECT_EQ(expected, kEvents);
  for (std::uint64_t stop_at : {1ull, 1024ull, 1025ull, 2500ull, 4999ull}) {
    std::uint64_t seen = 0;
    ASSERT_TRUE(this->store_->Replay(0, [&](const RecordedEvent&) { return ++seen < stop_at; }).ok());
    EXPECT_EQ(seen, stop_at);
  }
  std::uint64_t position = 4000;
  ASSERT_TRUE(this->store_->Replay(4000, [&](const RecordedEvent& e) {
    EXPECT_EQ(e.position, ++position);
    return true;
  }).ok());
  EXPECT_EQ(position, kEvents);
}

TYPED_TEST(StoreContract, ObserverSeesCommittedEventsBeforeTheAppendCompletes) {
  std::mutex mu;
  std::vector<RecordedEvent> seen;
  this->store_->SetCommitObserver([&](const std::vector<RecordedEvent>& events) {
    std::lock_guard lock(mu);
    seen.insert(seen.end(), events.begin(), events.end());
  });
  ASSERT_TRUE(this->Append("synergy-a", 0, {Samples()[4], Samples()[5]}).ok());
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(seen.size(), 2u);  // already there when Append returned
  }
  EXPECT_FALSE(this->Append("synergy-a", 0, {Samples()[6]}).ok());  // refused: not seen
  std::promise<Result<AppendOutcome>> done;
  this->store_->AppendAsync(this->Request("synergy-a", 2, {Samples()[6]}),
                            [&done](Result<AppendOutcome> r) { done.set_value(std::move(r)); });
  Result<AppendOutcome> r = done.get_future().get();
  ASSERT_TRUE(r.ok());
  auto log = *this->store_->ReadLog(0, 100);
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), log.size());
  for (std::size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(seen[i].position, log[i].position);
    EXPECT_EQ(seen[i].event, log[i].event);
    EXPECT_EQ(seen[i].event_id, log[i].event_id);
    EXPECT_EQ(seen[i].hash, log[i].hash);
    EXPECT_EQ(seen[i].recorded_at, log[i].recorded_at);
    EXPECT_EQ(seen[i].occurred_on, log[i].occurred_on);
    EXPECT_EQ(seen[i].actor, log[i].actor);
    EXPECT_EQ(seen[i].version, log[i].version);
  }
}

TYPED_TEST(StoreContract, ReadsByTimeAndRecordedAtNeverDecreases) {
  std::int64_t t0 = this->clock_.Now().micros;
  ASSERT_TRUE(this->Append("synergy-a", 0, {Samples()[4]}).ok());       // t0
  this->clock_.Set(t0 + 1000);
  ASSERT_TRUE(this->Append("synergy-a", 1, {Samples()[5]}).ok());       // t0 + 1000
  ASSERT_TRUE(this->Append("synergy-b", 0, {Samples()[4]}).ok());       // t0 + 1000
  this->clock_.Set(t0 + 500);  // the clock steps back
  Result<AppendOutcome> late = this->Append("synergy-c", 0, {Samples()[4]});
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->recorded_at.micros, t0 + 1000);
  this->clock_.Set(t0 + 5000);
  ASSERT_TRUE(this->Append("synergy-c", 1, {Samples()[5]}).ok());       // t0 + 5000

  auto log = *this->store_->ReadLog(0, 100);
  for (std::size_t i = 1; i < log.size(); ++i) {
    EXPECT_LE(log[i - 1].recorded_at, log[i].recorded_at);
  }
  EXPECT_EQ(*this->store_->LastPositionAt(Timestamp{t0 - 1}), 0u);
  EXPECT_EQ(*this->store_->LastPositionAt(Timestamp{t0}), 1u);
  EXPECT_EQ(*this->store_->LastPositionAt(Timestamp{t0 + 999}), 1u);
  EXPECT_EQ(*this->store_->LastPositionAt(Timestamp{t0 + 1000}), 4u);
  EXPECT_EQ(*this->store_->LastPositionAt(Timestamp{t0 + 4999}), 4u);
  EXPECT_EQ(*this->store_->LastPositionAt(Timestamp{t0 + 5000}), 5u);
  EXPECT_EQ(*this->store_->LastPositionAt(Timestamp{t0 + 999'999'999}), 5u);
}

TYPED_TEST(StoreContract, ReopenKeepsEverything) {
  ASSERT_TRUE(this->Append("programme-p", 0, {Samples()[0], Samples()[1]}).ok());
  AppendRequest keyed = this->Request("synergy-a", 0, {Samples()[4]});
  keyed.idempotency_key = "k1";
  keyed.request_digest = "d1";
  ASSERT_TRUE(this->store_->Append(keyed).ok());
  this->clock_.Set(this->clock_.Now().micros + 10);
  ASSERT_TRUE(this->Append("synergy-a", 1, {Samples()[5]}).ok());
  auto before = *this->store_->ReadLog(0, 100);
  LogHead head = this->store_->Head();

  this->Reopen();

  EXPECT_EQ(this->store_->Head().position, head.position);
  EXPECT_EQ(this->store_->Head().hash, head.hash);
  EXPECT_EQ(this->store_->StreamVersion("programme-p"), 2u);
  EXPECT_EQ(this->store_->StreamVersion("synergy-a"), 2u);
  auto after = *this->store_->ReadLog(0, 100);
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].event, before[i].event);
    EXPECT_EQ(after[i].hash, before[i].hash);
    EXPECT_EQ(after[i].recorded_at, before[i].recorded_at);
    EXPECT_EQ(after[i].event_id, before[i].event_id);
  }
  // Version checks, idempotency and the chain carry on where they were.
  EXPECT_EQ(this->Append("synergy-a", 1, {Samples()[6]}).error().code,
            ErrorCode::kVersionConflict);
  EXPECT_TRUE(this->store_->Append(keyed)->replayed);
  // recorded_at stays monotonic across a restart even if the clock is behind.
  this->clock_.Set(0);
  Result<AppendOutcome> next = this->Append("synergy-a", 2, {Samples()[6]});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->first_position, 5u);
  EXPECT_EQ(next->recorded_at, before.back().recorded_at);
  Result<VerifyReport> report = VerifyChain(*this->store_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->checked, 5u);
}

TYPED_TEST(StoreContract, HashesChainTheStoredBytes) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(this->Append("synergy-a", static_cast<std::uint64_t>(i), {Samples()[5]}).ok());
  }
  Hash running{};
  for (const StoredEvent& s : *this->store_->ReadStored(0, 100)) {
    running = ChainHash(running, s.bytes);
    EXPECT_EQ(s.hash, running) << s.position;
  }
  EXPECT_EQ(this->store_->Head().hash, running);
  EXPECT_EQ(ToHex(running).size(), 64u);
  Result<VerifyReport> report = VerifyChain(*this->store_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->checked, 5u);
  EXPECT_EQ(report->head.position, 5u);
  EXPECT_FALSE(report->first_bad_position);
}

}  // namespace
}  // namespace synergy::testing
