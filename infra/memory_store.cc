#include "infra/memory_store.h"

#include <map>
#include <mutex>
#include <string>

namespace synergy {

namespace {

class MemoryBackend final : public LogBackend {
 public:
  Status Write(const CommitBatch& batch) override {
    std::lock_guard lock(mu_);
    for (const CommittedEvent& e : batch.events) {
      events_.push_back(e.stored);
      streams_[e.stream].push_back(e.stored.position);
    }
    for (const auto& [key, record] : batch.idempotency) idempotency_[key] = record;
    head_ = batch.head;
    return OkStatus();
  }

  Result<LogHead> ReadHead() override {
    std::lock_guard lock(mu_);
    return head_;
  }

  Result<std::vector<std::pair<std::string, std::uint64_t>>> ReadStreamHeads() override {
    std::lock_guard lock(mu_);
    std::vector<std::pair<std::string, std::uint64_t>> out;
    for (const auto& [stream, positions] : streams_) out.emplace_back(stream, positions.size());
    return out;
  }

  Status Scan(std::uint64_t after_position, std::size_t limit,
              const ScanVisitor& visit) override {
    std::lock_guard lock(mu_);
    for (std::uint64_t p = after_position; p < events_.size() && limit > 0; ++p, --limit) {
      if (!visit(p + 1, events_[p].bytes, events_[p].hash)) break;
    }
    return OkStatus();
  }

  Result<std::vector<std::uint64_t>> StreamPositions(std::string_view stream,
                                                     std::uint64_t from_version) override {
    std::lock_guard lock(mu_);
    auto it = streams_.find(stream);
    if (it == streams_.end()) return std::vector<std::uint64_t>{};
    const std::vector<std::uint64_t>& positions = it->second;
    std::size_t skip = from_version > 0 ? static_cast<std::size_t>(from_version - 1) : 0;
    if (skip >= positions.size()) return std::vector<std::uint64_t>{};
    return std::vector<std::uint64_t>(positions.begin() + static_cast<std::ptrdiff_t>(skip),
                                      positions.end());
  }

  Result<StoredEvent> ReadAt(std::uint64_t position) override {
    std::lock_guard lock(mu_);
    if (position == 0 || position > events_.size()) {
      return MakeError(ErrorCode::kNotFound, "no event at position " + std::to_string(position));
    }
    return events_[position - 1];
  }

  Result<std::optional<IdempotencyRecord>> FindIdempotency(std::string_view key) override {
    std::lock_guard lock(mu_);
    auto it = idempotency_.find(key);
    if (it == idempotency_.end()) return std::optional<IdempotencyRecord>{};
    return std::optional<IdempotencyRecord>{it->second};
  }

 private:
  std::mutex mu_;
  std::vector<StoredEvent> events_;  // events_[p - 1] is at position p
  std::map<std::string, std::vector<std::uint64_t>, std::less<>> streams_;
  std::map<std::string, IdempotencyRecord, std::less<>> idempotency_;
  LogHead head_;
};

}  // namespace

std::unique_ptr<LogBackend> NewMemoryBackend() { return std::make_unique<MemoryBackend>(); }

std::unique_ptr<LogStore> NewMemoryStore(Clock clock) {
  return LogStore::Open(NewMemoryBackend(), std::move(clock)).value();
}

}  // namespace synergy
