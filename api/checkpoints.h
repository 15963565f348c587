// The read models' checkpoint: saved now and then and at shutdown, loaded at
// start-up so only the tail of the log is folded.
#ifndef SYNERGY_API_CHECKPOINTS_H_
#define SYNERGY_API_CHECKPOINTS_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "domain/result.h"
#include "infra/checkpoint_store.h"
#include "projections/read_models.h"

namespace synergy::api {

inline constexpr std::string_view kReadModelsCheckpoint = "read_models";

// The checkpoint of `models` as they are, to be stored under
// kReadModelsCheckpoint.
Checkpoint MakeCheckpoint(const ReadModels& models);

// Stores `checkpoint` under kReadModelsCheckpoint and logs its size, the
// time it took to make (`made_in`) and to store.
Status StoreCheckpoint(CheckpointStore& store, const Checkpoint& checkpoint,
                       std::chrono::steady_clock::duration made_in);

// Loads the stored checkpoint into `models` when there is one of the current
// format at or below the log's head `head_position`; otherwise leaves
// `models` empty, to be rebuilt from position 0, and says why in `*why`
// (empty when there was no checkpoint at all).
// Fails only when the store cannot be read.
Status LoadCheckpoint(ReadModels& models, CheckpointStore& store, std::uint64_t head_position,
                      std::string* why);

}  // namespace synergy::api

#endif  // SYNERGY_API_CHECKPOINTS_H_
