#include "api/checkpoints.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace synergy::api {

namespace {

long long Milliseconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

Checkpoint MakeCheckpoint(const ReadModels& models) {
  return Checkpoint{models.position(), ReadModels::kFormatVersion, models.Save()};
}

Status StoreCheckpoint(CheckpointStore& store, const Checkpoint& checkpoint,
                       std::chrono::steady_clock::duration made_in) {
  const auto start = std::chrono::steady_clock::now();
  if (Status s = store.Put(kReadModelsCheckpoint, checkpoint); !s.ok()) return s;
  spdlog::info("checkpoint at position {}: {} MB, {} ms to serialize, {} ms to store",
               checkpoint.position, checkpoint.state.size() >> 20, Milliseconds(made_in),
               Milliseconds(std::chrono::steady_clock::now() - start));
  return OkStatus();
}

Status LoadCheckpoint(ReadModels& models, CheckpointStore& store, std::uint64_t head_position,
                      std::string* why) {
  models = ReadModels();
  const auto start = std::chrono::steady_clock::now();
  Result<std::optional<Checkpoint>> stored = store.Get(kReadModelsCheckpoint);
  if (!stored.ok()) return stored.error();
  const auto read = std::chrono::steady_clock::now();
  why->clear();
  if (!*stored) {
    // a new log, or one never checkpointed: nothing to report
  } else if ((*stored)->format != ReadModels::kFormatVersion) {
    *why = "the checkpoint has format " + std::to_string((*stored)->format) + ", not " +
           std::to_string(ReadModels::kFormatVersion);
  } else if ((*stored)->position > head_position) {
    *why = "the checkpoint lies beyond the log's head";
  } else if (!models.Load((*stored)->state) || models.position() != (*stored)->position) {
    models = ReadModels();
    *why = "the checkpoint is damaged";
  }
  if (*stored && why->empty()) {
    spdlog::info("checkpoint at position {} loaded: {} MB, {} ms to read, {} ms to parse",
                 models.position(), (*stored)->state.size() >> 20, Milliseconds(read - start),
                 Milliseconds(std::chrono::steady_clock::now() - read));
  }
  return OkStatus();
}

}  // namespace synergy::api
