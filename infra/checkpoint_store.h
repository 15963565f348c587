// Where projections keep their checkpoints: by projection name, the log
// position the state reflects, the state's format version and its bytes.
// Losing a checkpoint costs a longer catch-up, never a figure: writes need
// not be synced.
#ifndef SYNERGY_INFRA_CHECKPOINT_STORE_H_
#define SYNERGY_INFRA_CHECKPOINT_STORE_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "domain/result.h"

namespace synergy {

struct Checkpoint {
  std::uint64_t position = 0;
  std::uint32_t format = 0;
  std::string state;
  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

class CheckpointStore {
 public:
  virtual ~CheckpointStore() = default;
  // Replaces the checkpoint of `name`. Safe to call from many threads.
  virtual Status Put(std::string_view name, const Checkpoint& checkpoint) = 0;
  // The checkpoint of `name`; nullopt when there is none or it is damaged.
  virtual Result<std::optional<Checkpoint>> Get(std::string_view name) = 0;
};

class MemoryCheckpointStore final : public CheckpointStore {
 public:
  Status Put(std::string_view name, const Checkpoint& checkpoint) override {
    std::lock_guard lock(mu_);
    checkpoints_[std::string(name)] = checkpoint;
    return OkStatus();
  }
  Result<std::optional<Checkpoint>> Get(std::string_view name) override {
    std::lock_guard lock(mu_);
    auto it = checkpoints_.find(name);
    if (it == checkpoints_.end()) return std::optional<Checkpoint>();
    return std::optional<Checkpoint>(it->second);
  }

 private:
  std::mutex mu_;
  std::map<std::string, Checkpoint, std::less<>> checkpoints_;  // guarded by mu_
};

}  // namespace synergy

#endif  // SYNERGY_INFRA_CHECKPOINT_STORE_H_
