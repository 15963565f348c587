// The event store in memory, for tests: the same LogStore rules over a
// backend that keeps everything in process memory and loses it on close.
#ifndef SYNERGY_INFRA_MEMORY_STORE_H_
#define SYNERGY_INFRA_MEMORY_STORE_H_

#include <memory>

#include "infra/log_backend.h"
#include "infra/log_store.h"

namespace synergy {

std::unique_ptr<LogBackend> NewMemoryBackend();

// Never fails.
std::unique_ptr<LogStore> NewMemoryStore(Clock clock = SystemNow);

}  // namespace synergy

#endif  // SYNERGY_INFRA_MEMORY_STORE_H_
