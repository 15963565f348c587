// EventStore: the port through which the application appends to and reads
// the log. Implementations live in infra/ (RocksDB, and in memory for tests);
// both pass one contract suite.
#ifndef SYNERGY_DOMAIN_EVENT_STORE_H_
#define SYNERGY_DOMAIN_EVENT_STORE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/events.h"
#include "domain/result.h"
#include "domain/values.h"

namespace synergy {

using Hash = std::array<std::uint8_t, 32>;

// An event as the log holds it.
struct RecordedEvent {
  std::uint64_t position = 0;  // global, gapless, from 1
  std::string stream;          // "programme-<id>" or "synergy-<id>"
  std::uint64_t version = 0;   // within the stream, gapless, from 1
  std::string event_id;
  Timestamp recorded_at;  // server clock; never decreases along positions
  Date occurred_on;       // the event's business date, or recorded_at's UTC date
  std::string actor;      // the name of the token that appended it
  Event event;
  Hash hash{};            // SHA-256(hash(position - 1) || stored bytes)
};

// An event's stored bytes and chained hash, for verification.
struct StoredEvent {
  std::uint64_t position = 0;
  std::string bytes;
  Hash hash{};
};

// What a successful append returns, and what an idempotency record replays.
struct AppendOutcome {
  std::uint64_t first_position = 0;
  std::uint64_t last_position = 0;
  std::uint64_t version = 0;  // the stream's version after the append
  Timestamp recorded_at;
  // Opaque bytes the first request asked to keep (AppendRequest::reply).
  std::string reply;
  // True when an idempotency record answered and nothing was written.
  bool replayed = false;
};

struct IdempotencyRecord {
  std::string request_digest;
  AppendOutcome outcome;
};

struct AppendRequest {
  std::string stream;
  // The stream's version the events were decided against: the append
  // succeeds only if the stream is exactly there. 0 = no stream yet.
  std::uint64_t expected_version = 0;
  std::vector<Event> events;  // at least one
  std::string actor;
  // When set, the append is recorded under this key with `request_digest`
  // and `reply`. A later append with the same key and digest returns the
  // first outcome and writes nothing; with another digest it fails with
  // kIdempotencyMismatch.
  std::optional<std::string> idempotency_key;
  std::string request_digest;
  std::string reply;
};

struct LogHead {
  std::uint64_t position = 0;
  Hash hash{};  // all zero when the log is empty
};

struct VerifyReport {
  bool ok = true;
  std::uint64_t checked = 0;
  LogHead head;
  std::optional<std::uint64_t> first_bad_position;
};

class EventStore {
 public:
  virtual ~EventStore() = default;

  // Appends all of request.events to request.stream at once, durably (the
  // reply waits for the fsync), or nothing. Fails with kVersionConflict when
  // the stream is not at expected_version, kIdempotencyMismatch (see
  // AppendRequest), kValidation for an empty request, kUnavailable when
  // storage refuses the write. Safe to call from many threads; concurrent
  // appends share one write and one fsync.
  virtual Result<AppendOutcome> Append(AppendRequest request) = 0;

  // The events of `stream` with version >= from_version, oldest first;
  // empty for an unknown stream.
  virtual Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream,
                                                        std::uint64_t from_version) = 0;

  // Up to `limit` events with position > after_position, oldest first.
  virtual Result<std::vector<RecordedEvent>> ReadLog(std::uint64_t after_position,
                                                     std::size_t limit) = 0;

  // Calls `visit` with every event after `after_position` up to the head as
  // of the call, oldest first, until it returns false. The event passed is
  // valid only during the call: a replay reuses it, so folding a long log
  // allocates next to nothing. Fails when an event cannot be read or decoded.
  using ReplayVisitor = std::function<bool(const RecordedEvent&)>;
  virtual Status Replay(std::uint64_t after_position, const ReplayVisitor& visit) = 0;

  // Up to `limit` events' stored bytes and hashes after `after_position`.
  virtual Result<std::vector<StoredEvent>> ReadStored(std::uint64_t after_position,
                                                      std::size_t limit) = 0;

  // The current version of `stream`; 0 if it does not exist.
  virtual std::uint64_t StreamVersion(std::string_view stream) = 0;

  virtual LogHead Head() = 0;

  // The last position whose event was recorded at or before `t`; 0 if none.
  virtual Result<std::uint64_t> LastPositionAt(Timestamp t) = 0;

  // The record kept under `key`, if any.
  virtual Result<std::optional<IdempotencyRecord>> FindIdempotency(std::string_view key) = 0;
};

}  // namespace synergy

#endif  // SYNERGY_DOMAIN_EVENT_STORE_H_
