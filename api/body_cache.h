// BodyCache: rendered reply bodies by key, within a byte budget. A reply
// rendered once is copied out to every later request for the same key;
// the key names everything the body depends on (a log position, a stream
// version), so an entry never goes stale, it only stops being asked for.
// When a body would take the cache over its budget, the cache is emptied
// first: the next requests render again. Thread-safe.
#ifndef SYNERGY_API_BODY_CACHE_H_
#define SYNERGY_API_BODY_CACHE_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace synergy::api {

class BodyCache {
 public:
  explicit BodyCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // The body stored under `key`, or null.
  std::shared_ptr<const std::string> Find(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = bodies_.find(key);
    return it == bodies_.end() ? nullptr : it->second;
  }

  // Stores `body` under `key` (replacing any); a body over the whole budget
  // is not stored.
  void Put(const std::string& key, std::shared_ptr<const std::string> body) {
    const std::size_t size = key.size() + body->size();
    if (size > max_bytes_) return;
    std::lock_guard lock(mu_);
    if (auto it = bodies_.find(key); it != bodies_.end()) {
      bytes_ -= key.size() + it->second->size();
      bodies_.erase(it);
    }
    if (bytes_ + size > max_bytes_) {
      bodies_.clear();
      bytes_ = 0;
    }
    bodies_.emplace(key, std::move(body));
    bytes_ += size;
  }

  std::size_t bytes() const {
    std::lock_guard lock(mu_);
    return bytes_;
  }

 private:
  const std::size_t max_bytes_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const std::string>> bodies_;  // guarded by mu_
  std::size_t bytes_ = 0;                                                       // guarded by mu_
};

}  // namespace synergy::api

#endif  // SYNERGY_API_BODY_CACHE_H_
