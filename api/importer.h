// Imports commands from JSON Lines files through the service, exactly as
// HTTP clients send them: each line is
//   {"method": "POST", "path": "/v1/programmes/ziri/companies", "body": {...}}
// and goes through the same routing, validation, deciders and appends.
// Every line carries the Idempotency-Key "import:<file name>:<line>", so
// importing a file again writes nothing twice.
#ifndef SYNERGY_API_IMPORTER_H_
#define SYNERGY_API_IMPORTER_H_

#include <cstddef>
#include <filesystem>
#include <functional>
#include <vector>

#include "domain/result.h"
#include "infra/checkpoint_store.h"
#include "infra/log_store.h"

namespace synergy::api {

struct ImportSummary {
  std::size_t commands = 0;  // lines sent
  std::size_t files = 0;
};

// `path`: a .jsonl file, or a folder whose .jsonl files are imported in name
// order. Stops at the first command the service refuses, naming its file,
// line and problem; what came before stays imported. `progress` (optional)
// is called with (lines done, lines in total) after each line. The events'
// actor is "import". With `checkpoints`, the read models' checkpoint is
// saved at the end, so the next start-up folds nothing.
Result<ImportSummary> Import(LogStore& store, const std::filesystem::path& path,
                             const std::function<void(std::size_t, std::size_t)>& progress = {},
                             CheckpointStore* checkpoints = nullptr);

}  // namespace synergy::api

#endif  // SYNERGY_API_IMPORTER_H_
