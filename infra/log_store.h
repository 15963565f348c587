// LogStore: the EventStore over a LogBackend, with group commit.
//
// Appending threads encode their events' bodies and queue them; a single
// writer thread takes every queued append, checks idempotency keys and
// expected versions in arrival order, assigns positions, recorded_at and
// chained hashes, hands the backend one batch (one fsync), then completes
// all of them. A refused append writes nothing and does not affect the
// others of its group; a failed write fails the whole group, and the next
// group first has the backend recover (a reopen), reloading the head from
// what is durable: a failed batch that reached the disk after all is then
// passed to the commit observer like any other.
#ifndef SYNERGY_INFRA_LOG_STORE_H_
#define SYNERGY_INFRA_LOG_STORE_H_

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "domain/event_store.h"
#include "infra/log_backend.h"

namespace synergy {

using Clock = std::function<Timestamp()>;

// The system clock, in microseconds.
Timestamp SystemNow();

class LogStore final : public EventStore {
 public:
  // Loads the head and stream heads from `backend` and starts the writer.
  static Result<std::unique_ptr<LogStore>> Open(std::unique_ptr<LogBackend> backend,
                                                Clock clock = SystemNow);
  LogStore(const LogStore&) = delete;
  LogStore& operator=(const LogStore&) = delete;
  // Completes every queued append, then stops the writer.
  ~LogStore() override;

  Result<AppendOutcome> Append(AppendRequest request) override;

  // Appends like Append without waiting: `done` runs on the writer thread
  // once the outcome is known (after the fsync for a write) and must not
  // block; when the request is empty or the store is closing, it runs at
  // once on the calling thread.
  using AppendCallback = std::function<void(Result<AppendOutcome>)>;
  void AppendAsync(AppendRequest request, AppendCallback done);

  // `observer` sees every committed event, in position order, on the writer
  // thread, after the write is durable and before the appends complete: a
  // read model it updates already holds an append when its caller hears of
  // it. It must not append. Setting another (or none) waits for a call in
  // progress to return: after that, the old observer is never called again.
  using CommitObserver = std::function<void(const std::vector<RecordedEvent>&)>;
  void SetCommitObserver(CommitObserver observer) {
    std::lock_guard lock(observer_mu_);
    observer_ = std::move(observer);
  }
  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream,
                                                std::uint64_t from_version) override;
  Result<std::vector<RecordedEvent>> ReadLog(std::uint64_t after_position,
                                             std::size_t limit) override;
  Status Replay(std::uint64_t after_position, const ReplayVisitor& visit) override;
  Result<std::vector<StoredEvent>> ReadStored(std::uint64_t after_position,
                                              std::size_t limit) override;
  std::uint64_t StreamVersion(std::string_view stream) override;
  LogHead Head() override;
  Result<std::uint64_t> LastPositionAt(Timestamp t) override;
  Result<std::optional<IdempotencyRecord>> FindIdempotency(std::string_view key) override;

 private:
  struct Pending;
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using HeadMap = std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>>;

  // What the writer needs to know of the durable log.
  struct State {
    LogHead head;
    HeadMap stream_heads;
    Timestamp last_recorded_at;
  };
  static Result<State> LoadState(LogBackend& backend);

  LogStore(std::unique_ptr<LogBackend> backend, Clock clock);
  void RunWriter();
  // After a failed write: recovers the backend and reloads the state.
  Status Recover();
  void CommitGroup(std::vector<std::unique_ptr<Pending>>& group);
  // The events a successful group wrote, in position order; moves them out
  // of the group's requests, which are done with.
  static std::vector<RecordedEvent> Committed(
      std::vector<std::unique_ptr<Pending>>& group,
      const std::vector<std::optional<Result<AppendOutcome>>>& results,
      const CommitBatch& batch);

  const std::unique_ptr<LogBackend> backend_;
  const Clock clock_;
  std::mutex observer_mu_;
  CommitObserver observer_;  // guarded by observer_mu_

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<std::unique_ptr<Pending>> queue_;  // guarded by queue_mu_
  bool stopping_ = false;        // guarded by queue_mu_

  // Written by the writer thread only, under state_mu_; read by anyone.
  mutable std::shared_mutex state_mu_;
  HeadMap stream_heads_;
  LogHead head_;
  Timestamp last_recorded_at_;
  bool must_recover_ = false;  // the writer thread's own

  std::thread writer_;  // last: starts after everything above exists
};

}  // namespace synergy

#endif  // SYNERGY_INFRA_LOG_STORE_H_
