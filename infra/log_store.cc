#include "infra/log_store.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "infra/codec.h"
#include "infra/hash_chain.h"
#include "infra/thread_name.h"

namespace synergy {

Timestamp SystemNow() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(now).count()};
}

struct LogStore::Pending {
  AppendRequest request;
  std::vector<std::string> event_ids;
  std::vector<std::string> bodies;  // encoded by the appending thread
  AppendCallback done;
};

Result<LogStore::State> LogStore::LoadState(LogBackend& backend) {
  State state;
  Result<LogHead> head = backend.ReadHead();
  if (!head.ok()) return head.error();
  state.head = *head;
  Result<std::vector<std::pair<std::string, std::uint64_t>>> heads = backend.ReadStreamHeads();
  if (!heads.ok()) return heads.error();
  for (auto& [stream, version] : *heads) state.stream_heads.emplace(std::move(stream), version);
  if (head->position > 0) {
    Result<StoredEvent> last = backend.ReadAt(head->position);
    if (!last.ok()) return last.error();
    Result<Timestamp> at = DecodeRecordedAt(last->bytes);
    if (!at.ok()) return at.error();
    state.last_recorded_at = *at;
  }
  return state;
}

Result<std::unique_ptr<LogStore>> LogStore::Open(std::unique_ptr<LogBackend> backend,
                                                 Clock clock) {
  Result<State> state = LoadState(*backend);
  if (!state.ok()) return state.error();
  std::unique_ptr<LogStore> store(new LogStore(std::move(backend), std::move(clock)));
  store->head_ = state->head;
  store->stream_heads_ = std::move(state->stream_heads);
  store->last_recorded_at_ = state->last_recorded_at;
  store->writer_ = NamedThread("log-writer", [s = store.get()] { s->RunWriter(); });
  return store;
}

LogStore::LogStore(std::unique_ptr<LogBackend> backend, Clock clock)
    : backend_(std::move(backend)), clock_(std::move(clock)) {}

LogStore::~LogStore() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_one();
  if (writer_.joinable()) writer_.join();
}

Result<AppendOutcome> LogStore::Append(AppendRequest request) {
  // The writer sets the result and notifies while holding `mu`, so this
  // thread cannot wake, return and destroy them while the writer still
  // touches them.
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Result<AppendOutcome>> result;
  AppendAsync(std::move(request), [&](Result<AppendOutcome> r) {
    std::lock_guard lock(mu);
    result = std::move(r);
    cv.notify_one();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&result] { return result.has_value(); });
  return std::move(*result);
}

void LogStore::AppendAsync(AppendRequest request, AppendCallback done) {
  if (request.events.empty()) {
    done(MakeError(ErrorCode::kValidation, "an append needs at least one event"));
    return;
  }
  auto pending = std::make_unique<Pending>();
  pending->event_ids.reserve(request.events.size());
  pending->bodies.reserve(request.events.size());
  for (const Event& event : request.events) {
    pending->event_ids.push_back(NewEventId());
    pending->bodies.push_back(
        EncodeBody(request.stream, pending->event_ids.back(), request.actor, event));
  }
  pending->request = std::move(request);
  pending->done = std::move(done);
  {
    std::lock_guard lock(queue_mu_);
    if (!stopping_) {
      queue_.push_back(std::move(pending));
    }
  }
  if (pending) {
    pending->done(MakeError(ErrorCode::kUnavailable, "the store is closing"));
    return;
  }
  queue_cv_.notify_one();
}

void LogStore::RunWriter() {
  std::vector<std::unique_ptr<Pending>> group;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to do
      group.swap(queue_);
    }
    CommitGroup(group);
    group.clear();
  }
}

Status LogStore::Recover() {
  if (Status recovered = backend_->Recover(); !recovered.ok()) return recovered;
  Result<State> state = LoadState(*backend_);
  if (!state.ok()) return state.error();
  std::vector<RecordedEvent> found;  // a failed batch that reached the disk
  if (state->head.position > head_.position) {
    Result<std::vector<RecordedEvent>> events =
        ReadLog(head_.position, static_cast<std::size_t>(state->head.position - head_.position));
    if (!events.ok()) return events.error();
    found = std::move(*events);
  }
  {
    std::unique_lock lock(state_mu_);
    head_ = state->head;
    stream_heads_ = std::move(state->stream_heads);
    last_recorded_at_ = state->last_recorded_at;
  }
  must_recover_ = false;
  std::lock_guard lock(observer_mu_);
  if (observer_ && !found.empty()) observer_(found);
  return OkStatus();
}

void LogStore::CommitGroup(std::vector<std::unique_ptr<Pending>>& group) {
  if (must_recover_) {
    if (Status recovered = Recover(); !recovered.ok()) {
      for (auto& pending : group) pending->done(recovered.error());
      return;
    }
  }
  std::vector<std::optional<Result<AppendOutcome>>> results(group.size());
  CommitBatch batch;
  HeadMap batch_heads;                               // streams this batch moves
  std::unordered_map<std::string, std::size_t> batch_keys;  // -> batch.idempotency
  LogHead head = head_;
  Timestamp now = std::max(clock_(), last_recorded_at_);

  for (std::size_t i = 0; i < group.size(); ++i) {
    const AppendRequest& request = group[i]->request;
    if (request.idempotency_key) {
      const std::string& key = *request.idempotency_key;
      std::optional<IdempotencyRecord> found;
      if (auto it = batch_keys.find(key); it != batch_keys.end()) {
        found = batch.idempotency[it->second].second;
      } else {
        Result<std::optional<IdempotencyRecord>> stored = backend_->FindIdempotency(key);
        if (!stored.ok()) {
          results[i] = stored.error();
          continue;
        }
        found = std::move(*stored);
      }
      if (found) {
        if (found->request_digest != request.request_digest) {
          results[i] = MakeError(ErrorCode::kIdempotencyMismatch,
                                 "this Idempotency-Key was used with another request",
                                 "Idempotency-Key");
        } else {
          found->outcome.replayed = true;
          results[i] = found->outcome;
        }
        continue;
      }
    }

    std::uint64_t current = 0;
    if (auto it = batch_heads.find(request.stream); it != batch_heads.end()) {
      current = it->second;
    } else if (auto jt = stream_heads_.find(request.stream); jt != stream_heads_.end()) {
      current = jt->second;
    }
    if (current != request.expected_version) {
      results[i] = MakeError(ErrorCode::kVersionConflict,
                             request.stream + " is at version " + std::to_string(current) +
                                 ", not " + std::to_string(request.expected_version));
      continue;
    }

    AppendOutcome outcome;
    outcome.first_position = head.position + 1;
    outcome.recorded_at = now;
    outcome.reply = request.reply;
    for (const std::string& body : group[i]->bodies) {
      CommittedEvent committed;
      committed.stored.position = ++head.position;
      committed.version = ++current;
      committed.stream = request.stream;
      committed.stored.bytes = FrameRecord(head.position, current, now, body);
      head.hash = committed.stored.hash = ChainHash(head.hash, committed.stored.bytes);
      batch.events.push_back(std::move(committed));
    }
    outcome.last_position = head.position;
    outcome.version = current;
    batch_heads[request.stream] = current;
    if (request.idempotency_key) {
      batch_keys[*request.idempotency_key] = batch.idempotency.size();
      batch.idempotency.emplace_back(*request.idempotency_key,
                                     IdempotencyRecord{request.request_digest, outcome});
    }
    results[i] = std::move(outcome);
  }

  if (!batch.events.empty()) {
    batch.head = head;
    batch.stream_heads.assign(batch_heads.begin(), batch_heads.end());
    Status written = backend_->Write(batch);
    if (written.ok()) {
      {
        std::unique_lock lock(state_mu_);
        for (auto& [stream, version] : batch.stream_heads) stream_heads_[stream] = version;
        head_ = head;
        last_recorded_at_ = now;
      }
      std::lock_guard lock(observer_mu_);
      if (observer_) observer_(Committed(group, results, batch));
    } else {
      // Nothing of the batch can be read until the backend recovers: every
      // outcome of this group, replays of its own records included, is void.
      must_recover_ = true;
      for (auto& result : results) {
        if (result->ok()) result = written.error();
      }
    }
  }
  for (std::size_t i = 0; i < group.size(); ++i) {
    group[i]->done(std::move(*results[i]));
  }
}

std::vector<RecordedEvent> LogStore::Committed(
    std::vector<std::unique_ptr<Pending>>& group,
    const std::vector<std::optional<Result<AppendOutcome>>>& results,
    const CommitBatch& batch) {
  std::vector<RecordedEvent> out;
  out.reserve(batch.events.size());
  for (std::size_t i = 0; i < group.size(); ++i) {
    const Result<AppendOutcome>& r = *results[i];
    if (!r.ok() || r->replayed) continue;
    Pending& p = *group[i];
    for (std::size_t k = 0; k < p.request.events.size(); ++k) {
      const CommittedEvent& c = batch.events[out.size()];
      RecordedEvent e;
      e.position = c.stored.position;
      e.stream = p.request.stream;
      e.version = c.version;
      e.event_id = p.event_ids[k];
      e.recorded_at = r->recorded_at;
      e.actor = p.request.actor;
      e.event = std::move(p.request.events[k]);
      e.occurred_on = BusinessDate(e.event).value_or(e.recorded_at.UtcDate());
      e.hash = c.stored.hash;
      out.push_back(std::move(e));
    }
  }
  return out;
}

namespace {

// Decodes one stored event into `out`, naming its position in any error.
Status DecodeAtInto(std::uint64_t position, std::string_view bytes, const Hash& hash,
                    RecordedEvent& out) {
  if (Status s = DecodeRecordInto(bytes, out); !s.ok()) {
    return MakeError(s.error().code,
                     "position " + std::to_string(position) + ": " + s.error().message);
  }
  out.hash = hash;
  return OkStatus();
}

Result<RecordedEvent> DecodeAt(std::uint64_t position, std::string_view bytes,
                               const Hash& hash) {
  RecordedEvent out;
  if (Status s = DecodeAtInto(position, bytes, hash, out); !s.ok()) return s.error();
  return out;
}

}  // namespace

Result<std::vector<RecordedEvent>> LogStore::ReadStream(std::string_view stream,
                                                        std::uint64_t from_version) {
  Result<std::vector<std::uint64_t>> positions = backend_->StreamPositions(stream, from_version);
  if (!positions.ok()) return positions.error();
  std::vector<RecordedEvent> out;
  out.reserve(positions->size());
  for (std::uint64_t position : *positions) {
    Result<StoredEvent> s = backend_->ReadAt(position);
    if (!s.ok()) return s.error();
    Result<RecordedEvent> e = DecodeAt(position, s->bytes, s->hash);
    if (!e.ok()) return e.error();
    out.push_back(std::move(*e));
  }
  return out;
}

Result<std::vector<RecordedEvent>> LogStore::ReadLog(std::uint64_t after_position,
                                                     std::size_t limit) {
  std::vector<RecordedEvent> out;
  out.reserve(std::min<std::size_t>(limit, 4096));
  std::optional<Error> failure;
  Status scanned = backend_->Scan(
      after_position, limit,
      [&](std::uint64_t position, std::string_view bytes, const Hash& hash) {
        Result<RecordedEvent> e = DecodeAt(position, bytes, hash);
        if (!e.ok()) {
          failure = e.error();
          return false;
        }
        out.push_back(std::move(*e));
        return true;
      });
  if (!scanned.ok()) return scanned.error();
  if (failure) return *failure;
  return out;
}

Status LogStore::Replay(std::uint64_t after_position, const ReplayVisitor& visit) {
  const std::uint64_t head = Head().position;
  if (after_position >= head) return OkStatus();
  // A second thread reads and decodes, up to kAhead chunks ahead of `visit`
  // on this one: a rebuild takes the longer of the two, not their sum.
  // Chunks go back and forth, so their events (and the strings in them) are
  // reused rather than allocated anew.
  constexpr std::size_t kChunk = 1024, kAhead = 4;
  // A chunk holds no events until the reader fills one: the visiting side
  // only ever moves chunks in and out (a chunk of events is half a megabyte).
  struct Chunk {
    std::vector<RecordedEvent> events;
    std::size_t size = 0;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Chunk> full, spare;      // guarded by mu
  bool read_all = false, stop = false;  // guarded by mu
  std::optional<Error> failure;       // guarded by mu; set before read_all

  std::thread reader = NamedThread("log-reader", [&] {
    Chunk chunk{std::vector<RecordedEvent>(kChunk)};
    // Hands `chunk` over and takes a spare one; false once the visitor stopped.
    auto hand_over = [&]() -> bool {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return stop || full.size() < kAhead; });
      if (stop) return false;
      full.push_back(std::move(chunk));
      if (spare.empty()) {
        chunk = Chunk{std::vector<RecordedEvent>(kChunk)};
      } else {
        chunk = std::move(spare.front());
        spare.pop_front();
        chunk.size = 0;
      }
      cv.notify_all();
      return true;
    };
    std::optional<Error> error;
    Status scanned = backend_->Scan(
        after_position, static_cast<std::size_t>(head - after_position),
        [&](std::uint64_t position, std::string_view bytes, const Hash& hash) {
          if (Status s = DecodeAtInto(position, bytes, hash, chunk.events[chunk.size]); !s.ok()) {
            error = s.error();
            return false;
          }
          return ++chunk.size < kChunk || hand_over();
        });
    if (!scanned.ok() && !error) error = scanned.error();
    std::lock_guard lock(mu);
    if (chunk.size > 0) full.push_back(std::move(chunk));  // what decoded before any failure
    failure = std::move(error);
    read_all = true;
    cv.notify_all();
  });

  for (;;) {
    Chunk chunk;
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return !full.empty() || read_all; });
      if (full.empty()) break;  // everything read has been visited
      chunk = std::move(full.front());
      full.pop_front();
      cv.notify_all();
    }
    bool go_on = true;
    for (std::size_t i = 0; i < chunk.size && go_on; ++i) go_on = visit(chunk.events[i]);
    std::lock_guard lock(mu);
    spare.push_back(std::move(chunk));
    if (!go_on) {
      stop = true;
      cv.notify_all();
      break;
    }
  }
  reader.join();
  if (stop) return OkStatus();  // the visitor ended it
  if (failure) return *failure;
  return OkStatus();
}

Result<std::vector<StoredEvent>> LogStore::ReadStored(std::uint64_t after_position,
                                                      std::size_t limit) {
  std::vector<StoredEvent> out;
  Status scanned = backend_->Scan(
      after_position, limit,
      [&out](std::uint64_t position, std::string_view bytes, const Hash& hash) {
        out.push_back(StoredEvent{position, std::string(bytes), hash});
        return true;
      });
  if (!scanned.ok()) return scanned.error();
  return out;
}

std::uint64_t LogStore::StreamVersion(std::string_view stream) {
  std::shared_lock lock(state_mu_);
  auto it = stream_heads_.find(stream);
  return it == stream_heads_.end() ? 0 : it->second;
}

LogHead LogStore::Head() {
  std::shared_lock lock(state_mu_);
  return head_;
}

Result<std::uint64_t> LogStore::LastPositionAt(Timestamp t) {
  // recorded_at never decreases along positions: binary search for the last
  // position recorded at or before t.
  std::uint64_t low = 0;              // recorded at or before t (0: none)
  std::uint64_t high = Head().position + 1;  // recorded after t
  while (high - low > 1) {
    std::uint64_t mid = low + (high - low) / 2;
    Result<StoredEvent> stored = backend_->ReadAt(mid);
    if (!stored.ok()) return stored.error();
    Result<Timestamp> at = DecodeRecordedAt(stored->bytes);
    if (!at.ok()) return at.error();
    if (*at <= t) {
      low = mid;
    } else {
      high = mid;
    }
  }
  return low;
}

Result<std::optional<IdempotencyRecord>> LogStore::FindIdempotency(std::string_view key) {
  return backend_->FindIdempotency(key);
}

}  // namespace synergy
