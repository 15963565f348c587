// LogBackend: where a LogStore keeps its bytes. The LogStore owns every rule
// of the log (expected versions, idempotency, positions, hashes, group
// commit); a backend only persists and reads back what it is given.
#ifndef SYNERGY_INFRA_LOG_BACKEND_H_
#define SYNERGY_INFRA_LOG_BACKEND_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/event_store.h"

namespace synergy {

struct CommittedEvent {
  StoredEvent stored;
  std::string stream;
  std::uint64_t version = 0;
};

// Everything one group commit writes.
struct CommitBatch {
  std::vector<CommittedEvent> events;  // consecutive positions
  std::vector<std::pair<std::string, std::uint64_t>> stream_heads;
  std::vector<std::pair<std::string, IdempotencyRecord>> idempotency;
  LogHead head;
};

class LogBackend {
 public:
  virtual ~LogBackend() = default;

  // Persists all of `batch` durably (synced to disk where there is one), or
  // nothing. After a failure nothing of the batch can be read back until
  // Recover() succeeds; after it, the batch may turn out to be wholly there
  // (a write whose sync failed may still have reached the disk), never in
  // part.
  virtual Status Write(const CommitBatch& batch) = 0;
  // Called after a failed Write, before the next: makes the backend
  // writable again (a reopen), or fails, and is called again later. Every
  // read afterwards shows what is durable.
  virtual Status Recover() { return OkStatus(); }

  virtual Result<LogHead> ReadHead() = 0;
  // Every stream with its current version.
  virtual Result<std::vector<std::pair<std::string, std::uint64_t>>> ReadStreamHeads() = 0;
  // Calls `visit` with up to `limit` events with position > after_position,
  // in order; `bytes` and `hash` live only during the call. Stops early when
  // `visit` returns false.
  using ScanVisitor =
      std::function<bool(std::uint64_t position, std::string_view bytes, const Hash& hash)>;
  virtual Status Scan(std::uint64_t after_position, std::size_t limit,
                      const ScanVisitor& visit) = 0;
  // The positions of `stream`'s events with version >= from_version, in order.
  virtual Result<std::vector<std::uint64_t>> StreamPositions(std::string_view stream,
                                                             std::uint64_t from_version) = 0;
  // The event at `position`; fails with kNotFound when there is none.
  virtual Result<StoredEvent> ReadAt(std::uint64_t position) = 0;
  virtual Result<std::optional<IdempotencyRecord>> FindIdempotency(std::string_view key) = 0;
};

}  // namespace synergy

#endif  // SYNERGY_INFRA_LOG_BACKEND_H_
