// The event store on RocksDB, laid out in column families:
//   events       position (8 bytes, big-endian) -> hash (32 bytes) + record
//   streams      stream id, 0x00, version (big-endian) -> position
//   heads        stream id -> current version
//   idempotency  key -> request digest and outcome
//   meta         "head" -> store format, head position, head hash
//   checkpoints, tokens: kept for the projections and the API.
// One group commit is one WriteBatch written with sync = true.
#ifndef SYNERGY_INFRA_ROCKS_STORE_H_
#define SYNERGY_INFRA_ROCKS_STORE_H_

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "infra/checkpoint_store.h"
#include "infra/log_backend.h"
#include "infra/log_store.h"
#include "infra/token_store.h"

namespace rocksdb {
struct ColumnFamilyDescriptor;
class Env;
}

namespace synergy {

inline constexpr std::uint32_t kStoreFormatVersion = 1;

inline constexpr std::string_view kEventsFamily = "events";
inline constexpr std::string_view kStreamsFamily = "streams";
inline constexpr std::string_view kHeadsFamily = "heads";
inline constexpr std::string_view kIdempotencyFamily = "idempotency";
inline constexpr std::string_view kMetaFamily = "meta";
inline constexpr std::string_view kCheckpointsFamily = "checkpoints";
inline constexpr std::string_view kTokensFamily = "tokens";
inline constexpr std::array<std::string_view, 7> kColumnFamilies = {
    kEventsFamily, kStreamsFamily, kHeadsFamily, kIdempotencyFamily,
    kMetaFamily, kCheckpointsFamily, kTokensFamily};

// "default" then kColumnFamilies, with the options the store opens them
// with: for tools that open the database with RocksDB alone (include
// <rocksdb/db.h> to use it).
std::vector<rocksdb::ColumnFamilyDescriptor> ColumnFamilyDescriptors();

// The key of the event at `position` in the events family.
std::string PositionKey(std::uint64_t position);

// Opens (creating if missing) the database in `dir`. Fails with kUnavailable
// when RocksDB cannot open it (another process holds it, I/O error) or when
// it was written by a newer store format. After a failed write no write
// goes through the same RocksDB handle again (the log, the tokens and the
// checkpoints share it): writes are refused until the log's next write (or
// a token's) reopens the database, once a probe file beside it can be
// written, synced and renamed.
struct RocksOptions {
  // Replaces RocksDB's default environment when set: the tests' fault
  // injection goes through it.
  rocksdb::Env* env = nullptr;
  // Writes are refused (kUnavailable, the handle kept writable) while the
  // data directory's file system has less than this free: RocksDB then
  // still has room to flush and compact, and a full disk is not met as a
  // failed write. 0 turns the check off.
  std::uint64_t free_space_reserve = 64ull << 20;
  // The least time between two attempts to reopen after a failed write.
  std::chrono::milliseconds reopen_interval{1000};
};

Result<std::unique_ptr<LogBackend>> OpenRocksBackend(const std::string& dir,
                                                     const RocksOptions& options = {});

Result<std::unique_ptr<LogStore>> OpenRocksStore(const std::string& dir,
                                                 Clock clock = SystemNow);

// The log, the tokens and the checkpoints of one database; any may outlive
// the others.
struct RocksDatabase {
  std::unique_ptr<LogStore> log;
  std::unique_ptr<TokenStore> tokens;
  std::unique_ptr<CheckpointStore> checkpoints;
  // Writes a consistent, openable copy of the whole database (every column
  // family as of one instant) into `dest`, which must not exist; safe while
  // appends go on.
  std::function<Status(const std::string& dest)> backup;
};
Result<RocksDatabase> OpenRocksDatabase(const std::string& dir, Clock clock = SystemNow,
                                        const RocksOptions& options = {});

// Whether `dir` holds a database already (RocksDB's CURRENT file is there).
// Opening makes one where there is none; a command that only reads or redoes
// what a database holds asks this first.
bool HoldsRocksDatabase(const std::string& dir);

}  // namespace synergy

#endif  // SYNERGY_INFRA_ROCKS_STORE_H_
