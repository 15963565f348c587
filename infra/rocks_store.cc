#include "infra/rocks_store.h"

#include <rocksdb/db.h>
#include <rocksdb/file_system.h>
#include <rocksdb/env.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/utilities/checkpoint.h>
#include <sys/statvfs.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <vector>

#include "infra/big_endian.h"
#include "infra/codec.h"

namespace synergy {

namespace {

Error Unavailable(std::string_view what, const rocksdb::Status& s) {
  return MakeError(ErrorCode::kUnavailable, std::string(what) + ": " + s.ToString());
}

std::string StreamKey(std::string_view stream, std::uint64_t version) {
  std::string key(stream);
  key.push_back('\0');
  PutBigEndian(key, version);
  return key;
}

// A stream index key's stream part, NUL included: a stream's versions come
// in order, so each stream's next key goes right after its last one.
class StreamPrefix : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "synergy.StreamPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const auto* nul = static_cast<const char*>(std::memchr(key.data(), '\0', key.size()));
    return rocksdb::Slice(key.data(), static_cast<std::size_t>(nul - key.data()) + 1);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return std::memchr(key.data(), '\0', key.size()) != nullptr;
  }
};

std::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }
rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }

constexpr std::string_view kHeadKey = "head";
constexpr std::size_t kHashSize = std::tuple_size_v<Hash>;

// The database, shared by the log, the tokens and the checkpoints; closed
// with the last of them. Every write goes through Write(): the first failed
// write marks the handle failed, and no write reaches RocksDB through it
// again (Debian's RocksDB 7.8.3 asserts on a synced write after a failed
// one). Reopen() closes it and opens it anew once the disk takes writes.
class Database {
 public:
  static Result<std::shared_ptr<Database>> Open(std::string dir, const RocksOptions& options) {
    std::shared_ptr<Database> d(new Database(std::move(dir), options));
    rocksdb::Status s = d->OpenLocked();
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      // RocksDB's LOCK file is held: say so in the operator's words.
      return Unavailable("open " + d->dir_ + ": the database is in use (by a running synergyd?)", s);
    }
    if (!s.ok()) return Unavailable("open " + d->dir_, s);
    return d;
  }
  ~Database() { CloseLocked(); }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Holds the database open (a reopen waits for it to be released). When
  // !ok() the database is closed: a reopen failed.
  class Use {
   public:
    explicit Use(Database& d) : lock_(d.mu_), d_(d) {}
    bool ok() const { return d_.db_ != nullptr; }
    Error Closed() const {
      return MakeError(ErrorCode::kUnavailable,
                       "the store is closed after a failed write; it is reopened at the next write");
    }
    rocksdb::DB* db() const { return d_.db_; }
    rocksdb::ColumnFamilyHandle* Family(std::string_view name) const {
      for (std::size_t i = 0; i < kColumnFamilies.size(); ++i) {
        if (kColumnFamilies[i] == name) return d_.handles_[i + 1];  // [0] is "default"
      }
      return nullptr;
    }

   private:
    std::shared_lock<std::shared_mutex> lock_;
    Database& d_;
  };

  // Writes the batch `build` fills (then flushes the family `flush`, when
  // given), unless the handle has seen a failed write or the disk is within
  // the free-space reserve.
  using BatchBuilder = std::function<void(const Use&, rocksdb::WriteBatch&)>;
  Status Write(const rocksdb::WriteOptions& options, const BatchBuilder& build,
               std::string_view flush = {}) {
    Use use(*this);
    if (!use.ok()) return use.Closed();
    if (failed_.load()) {
      return MakeError(ErrorCode::kUnavailable,
                       "an earlier write failed; the store is reopened at the next write");
    }
    if (Status room = CheckReserve(); !room.ok()) return room;
    rocksdb::WriteBatch batch;
    build(use, batch);
    rocksdb::Status s = use.db()->Write(options, &batch);
    if (s.ok() && !flush.empty()) s = use.db()->Flush(rocksdb::FlushOptions(), use.Family(flush));
    if (!s.ok()) {
      failed_.store(true);
      return MakeError(ErrorCode::kUnavailable,
                       "the write failed (" + s.ToString() +
                           "); whether it reached the disk is known once the store is reopened, "
                           "so retry with the same Idempotency-Key");
    }
    return OkStatus();
  }

  bool failed() const { return failed_.load(); }

  // After a failed write: checks that the disk takes a synced write and a
  // rename again (a probe file beside the database; while it fails, the old
  // handle stays open for reads), then closes the database and opens it
  // anew. At most one attempt per reopen_interval. OK at once when no write
  // failed (another user of the database reopened it already).
  Status Reopen() {
    std::lock_guard attempt(reopen_mu_);
    if (!failed_.load()) return OkStatus();
    auto now = std::chrono::steady_clock::now();
    if (last_attempt_ && now - *last_attempt_ < options_.reopen_interval) {
      return MakeError(ErrorCode::kUnavailable,
                       "an earlier write failed; the store is being reopened");
    }
    last_attempt_ = now;
    // Probed while readers still use the old handle.
    if (rocksdb::IOStatus probe = Probe(); !probe.ok()) {
      return Unavailable("the disk still refuses writes", probe);
    }
    std::unique_lock lock(mu_);
    CloseLocked();
    if (rocksdb::Status s = OpenLocked(); !s.ok()) return Unavailable("reopen " + dir_, s);
    failed_.store(false);
    last_attempt_.reset();
    return OkStatus();
  }

 private:
  Database(std::string dir, const RocksOptions& options) : dir_(std::move(dir)), options_(options) {}

  // RocksDB resumes by itself after some errors (a full disk once space
  // returns, retryable I/O errors): a resume syncs the write-ahead log that
  // failed, which Debian's 7.8.3 turns into an abort. Only Reopen() recovers.
  class NoAutomaticRecovery final : public rocksdb::EventListener {
   public:
    void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status bg_error,
                              bool* auto_recovery) override {
      bg_error.PermitUncheckedError();
      *auto_recovery = false;
    }
  };

  // RocksDB's diagnostics, warnings and worse, go to stderr instead of a
  // LOG file in the data directory: on a full disk that file is appended to
  // again after a failed append, and Debian's 7.8.3 aborts on it (a flush
  // logging its progress did, in scripts/disk-full-test.sh).
  class StderrLogger final : public rocksdb::Logger {
   public:
    StderrLogger() : Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
    using rocksdb::Logger::Logv;
    void Logv(const char* format, va_list ap) override {
      char line[1024];
      std::vsnprintf(line, sizeof line, format, ap);
      std::fprintf(stderr, "rocksdb: %s\n", line);
    }
  };

  rocksdb::Status OpenLocked() {
    rocksdb::Options options;
    if (options_.env) options.env = options_.env;
    options.info_log = std::make_shared<StderrLogger>();
    options.listeners.push_back(std::make_shared<NoAutomaticRecovery>());
    options.max_bgerror_resume_count = 0;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    options.IncreaseParallelism(2);
    return rocksdb::DB::Open(options, dir_, ColumnFamilyDescriptors(), &handles_, &db_);
  }

  void CloseLocked() {
    if (!db_) return;
    for (rocksdb::ColumnFamilyHandle* h : handles_) db_->DestroyColumnFamilyHandle(h);
    handles_.clear();
    db_->Close();
    delete db_;
    db_ = nullptr;
  }

  // Refused before RocksDB is asked, so the handle stays writable: a full
  // disk is met here rather than as a failed write-ahead-log write.
  Status CheckReserve() const {
    struct statvfs fs {};
    if (options_.free_space_reserve == 0 || ::statvfs(dir_.c_str(), &fs) != 0) return OkStatus();
    std::uint64_t free = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
    if (free >= options_.free_space_reserve) return OkStatus();
    return MakeError(ErrorCode::kUnavailable,
                     "the disk is nearly full: " + std::to_string(free >> 20) + " MiB free, " +
                         std::to_string(options_.free_space_reserve >> 20) +
                         " MiB kept in reserve");
  }

  // Writes, syncs, renames and removes a small file through the database's
  // file system.
  rocksdb::IOStatus Probe() const {
    std::shared_ptr<rocksdb::FileSystem> fs =
        options_.env ? options_.env->GetFileSystem() : rocksdb::FileSystem::Default();
    const std::string temp = dir_ + "/REOPEN_PROBE.tmp", probe = dir_ + "/REOPEN_PROBE";
    rocksdb::IOOptions io;
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus s = fs->NewWritableFile(temp, rocksdb::FileOptions(), &file, nullptr);
    if (s.ok()) s = file->Append(std::string(4096, '\0'), io, nullptr);
    if (s.ok()) s = file->Sync(io, nullptr);
    if (file) {
      rocksdb::IOStatus closed = file->Close(io, nullptr);
      if (s.ok()) s = closed;
    }
    if (s.ok()) s = fs->RenameFile(temp, probe, io, nullptr);
    fs->DeleteFile(s.ok() ? probe : temp, io, nullptr).PermitUncheckedError();
    return s;
  }

  const std::string dir_;
  const RocksOptions options_;
  std::shared_mutex mu_;  // shared by every use, unique to reopen
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::atomic<bool> failed_{false};  // set under a shared mu_, cleared under reopen_mu_ and mu_
  std::mutex reopen_mu_;             // one reopen at a time
  std::optional<std::chrono::steady_clock::time_point> last_attempt_;  // guarded by reopen_mu_
};

class RocksBackend final : public LogBackend {
 public:
  explicit RocksBackend(std::shared_ptr<Database> database) : database_(std::move(database)) {
    sync_.sync = true;
  }

  Status Write(const CommitBatch& batch) override {
    return database_->Write(sync_, [&batch](const Database::Use& use, rocksdb::WriteBatch& wb) {
      std::string value;
      for (const CommittedEvent& e : batch.events) {
        value.assign(reinterpret_cast<const char*>(e.stored.hash.data()), kHashSize);
        value.append(e.stored.bytes);
        std::string position_key = PositionKey(e.stored.position);
        wb.Put(use.Family(kEventsFamily), position_key, value);
        wb.Put(use.Family(kStreamsFamily), StreamKey(e.stream, e.version), position_key);
      }
      for (const auto& [stream, version] : batch.stream_heads) {
        std::string v;
        PutBigEndian(v, version);
        wb.Put(use.Family(kHeadsFamily), stream, v);
      }
      for (const auto& [key, record] : batch.idempotency) {
        wb.Put(use.Family(kIdempotencyFamily), key, EncodeIdempotency(record));
      }
      std::string head;
      PutBigEndian(head, kStoreFormatVersion, 4);
      PutBigEndian(head, batch.head.position);
      head.append(reinterpret_cast<const char*>(batch.head.hash.data()), kHashSize);
      wb.Put(use.Family(kMetaFamily), ToSlice(kHeadKey), head);
    });
  }

  Status Recover() override { return database_->Reopen(); }

  Result<LogHead> ReadHead() override {
    Database::Use use(*database_);
    if (!use.ok()) return use.Closed();
    std::string value;
    rocksdb::Status s = use.db()->Get(rocksdb::ReadOptions(), use.Family(kMetaFamily), ToSlice(kHeadKey), &value);
    if (s.IsNotFound()) return LogHead{};
    if (!s.ok()) return Unavailable("read head", s);
    if (value.size() != 4 + 8 + kHashSize) {
      return MakeError(ErrorCode::kUnavailable, "the stored log head is damaged");
    }
    std::uint64_t format = GetBigEndian(std::string_view(value).substr(0, 4));
    if (format > kStoreFormatVersion) {
      return MakeError(ErrorCode::kUnavailable,
                       "the data was written by a newer store format (" +
                           std::to_string(format) + ")");
    }
    LogHead head;
    head.position = GetBigEndian(std::string_view(value).substr(4, 8));
    std::memcpy(head.hash.data(), value.data() + 12, kHashSize);
    return head;
  }

  Result<std::vector<std::pair<std::string, std::uint64_t>>> ReadStreamHeads() override {
    Database::Use use(*database_);
    if (!use.ok()) return use.Closed();
    std::vector<std::pair<std::string, std::uint64_t>> out;
    std::unique_ptr<rocksdb::Iterator> it(use.db()->NewIterator(rocksdb::ReadOptions(), use.Family(kHeadsFamily)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.emplace_back(it->key().ToString(), GetBigEndian(View(it->value())));
    }
    if (!it->status().ok()) return Unavailable("read stream heads", it->status());
    return out;
  }

  // A long scan (a rebuild, a chain walk, a tail fold) reads the table
  // files ahead in large chunks and leaves the block cache to the reads that
  // come back: one pread per 2 MiB instead of per block, and the cache is
  // not flushed by blocks read once. A replay of 1 M events went from about
  // 0.95 s to 0.70 s with both (BENCHMARKS.md). A short scan (a page of the
  // events feed) keeps the defaults.
  static rocksdb::ReadOptions ScanOptions(std::size_t limit) {
    constexpr std::size_t kLongScan = 4096;  // events
    rocksdb::ReadOptions options;
    if (limit >= kLongScan) {
      options.readahead_size = 2 << 20;
      options.fill_cache = false;
    }
    return options;
  }

  Status Scan(std::uint64_t after_position, std::size_t limit,
              const ScanVisitor& visit) override {
    Database::Use use(*database_);
    if (!use.ok()) return use.Closed();
    std::unique_ptr<rocksdb::Iterator> it(
        use.db()->NewIterator(ScanOptions(limit), use.Family(kEventsFamily)));
    Hash hash;
    for (it->Seek(PositionKey(after_position + 1)); it->Valid() && limit > 0; it->Next(), --limit) {
      std::string_view key = View(it->key()), value = View(it->value());
      if (key.size() != 8 || value.size() < kHashSize) {
        return MakeError(ErrorCode::kUnavailable, "a stored event is damaged");
      }
      std::memcpy(hash.data(), value.data(), kHashSize);
      if (!visit(GetBigEndian(key), value.substr(kHashSize), hash)) break;
    }
    if (!it->status().ok()) return Unavailable("read log", it->status());
    return OkStatus();
  }

  Result<std::vector<std::uint64_t>> StreamPositions(std::string_view stream,
                                                     std::uint64_t from_version) override {
    Database::Use use(*database_);
    if (!use.ok()) return use.Closed();
    std::vector<std::uint64_t> out;
    std::string prefix(stream);
    prefix.push_back('\0');
    std::unique_ptr<rocksdb::Iterator> it(use.db()->NewIterator(rocksdb::ReadOptions(), use.Family(kStreamsFamily)));
    for (it->Seek(StreamKey(stream, from_version)); it->Valid(); it->Next()) {
      std::string_view key = View(it->key());
      if (key.size() != prefix.size() + 8 || key.substr(0, prefix.size()) != prefix) break;
      out.push_back(GetBigEndian(View(it->value())));
    }
    if (!it->status().ok()) return Unavailable("read stream", it->status());
    return out;
  }

  Result<StoredEvent> ReadAt(std::uint64_t position) override {
    Database::Use use(*database_);
    if (!use.ok()) return use.Closed();
    std::string key = PositionKey(position);
    rocksdb::PinnableSlice value;
    rocksdb::Status s = use.db()->Get(rocksdb::ReadOptions(), use.Family(kEventsFamily), key, &value);
    if (s.IsNotFound()) {
      return MakeError(ErrorCode::kNotFound, "no event at position " + std::to_string(position));
    }
    if (!s.ok()) return Unavailable("read event", s);
    return ToStored(key, View(value));
  }

  Result<std::optional<IdempotencyRecord>> FindIdempotency(std::string_view key) override {
    Database::Use use(*database_);
    if (!use.ok()) return use.Closed();
    std::string value;
    rocksdb::Status s = use.db()->Get(rocksdb::ReadOptions(), use.Family(kIdempotencyFamily), ToSlice(key), &value);
    if (s.IsNotFound()) return std::optional<IdempotencyRecord>{};
    if (!s.ok()) return Unavailable("read idempotency record", s);
    Result<IdempotencyRecord> record = DecodeIdempotency(value);
    if (!record.ok()) return record.error();
    return std::optional<IdempotencyRecord>{std::move(*record)};
  }

 private:
  static Result<StoredEvent> ToStored(std::string_view key, std::string_view value) {
    if (key.size() != 8 || value.size() < kHashSize) {
      return MakeError(ErrorCode::kUnavailable, "a stored event is damaged");
    }
    StoredEvent e;
    e.position = GetBigEndian(key);
    std::memcpy(e.hash.data(), value.data(), kHashSize);
    e.bytes.assign(value.substr(kHashSize));
    return e;
  }

  std::shared_ptr<Database> database_;
  rocksdb::WriteOptions sync_;
};

// Tokens family: "h" + hash -> record, "n" + name -> hash.
class RocksTokenStore final : public TokenStore {
 public:
  explicit RocksTokenStore(std::shared_ptr<Database> database)
      : database_(std::move(database)) {}

  Status Create(const Hash& secret_hash, const TokenRecord& record) override {
    std::lock_guard lock(mu_);  // the name check and the write as one step
    // A token is rare and precious: it takes the reopen itself rather than
    // wait for the log's next write.
    if (database_->failed()) {
      if (Status reopened = database_->Reopen(); !reopened.ok()) return reopened;
    }
    {
      Database::Use use(*database_);
      if (!use.ok()) return use.Closed();
      std::string existing;
      rocksdb::Status s = use.db()->Get(rocksdb::ReadOptions(), use.Family(kTokensFamily),
                                        "n" + record.name, &existing);
      if (s.ok()) {
        return MakeError(ErrorCode::kDuplicate, "a token named '" + record.name + "' exists", "name");
      }
      if (!s.IsNotFound()) return Unavailable("read tokens", s);
    }
    rocksdb::WriteOptions sync;
    sync.sync = true;
    return database_->Write(sync, [&](const Database::Use& use, rocksdb::WriteBatch& wb) {
      std::string hash(reinterpret_cast<const char*>(secret_hash.data()), kHashSize);
      wb.Put(use.Family(kTokensFamily), "h" + hash, Encode(record));
      wb.Put(use.Family(kTokensFamily), "n" + record.name, hash);
    });
  }

  Result<std::vector<std::pair<Hash, TokenRecord>>> List() override {
    Database::Use use(*database_);
    if (!use.ok()) return use.Closed();
    std::vector<std::pair<Hash, TokenRecord>> out;
    std::unique_ptr<rocksdb::Iterator> it(
        use.db()->NewIterator(rocksdb::ReadOptions(), use.Family(kTokensFamily)));
    for (it->Seek("h"); it->Valid() && it->key().starts_with("h"); it->Next()) {
      std::string_view key = View(it->key());
      std::optional<TokenRecord> record = Decode(View(it->value()));
      if (key.size() != 1 + kHashSize || !record) {
        return MakeError(ErrorCode::kUnavailable, "a stored token is damaged");
      }
      Hash hash;
      std::memcpy(hash.data(), key.data() + 1, kHashSize);
      out.emplace_back(hash, std::move(*record));
    }
    if (!it->status().ok()) return Unavailable("read tokens", it->status());
    return out;
  }

 private:
  // Fields separated by 0x00: name, role, then each programme.
  static std::string Encode(const TokenRecord& r) {
    std::string out = r.name + '\0' + r.role;
    for (const std::string& p : r.programmes) out += '\0' + p;
    return out;
  }
  static std::optional<TokenRecord> Decode(std::string_view bytes) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (;;) {
      std::size_t end = bytes.find('\0', start);
      fields.emplace_back(bytes.substr(start, end == std::string_view::npos ? end : end - start));
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
    if (fields.size() < 2) return std::nullopt;
    return TokenRecord{fields[0], fields[1], {fields.begin() + 2, fields.end()}};
  }

  std::shared_ptr<Database> database_;
  std::mutex mu_;
};

// Value: position (8 bytes big-endian), format (4), then the state.
class RocksCheckpointStore final : public CheckpointStore {
 public:
  explicit RocksCheckpointStore(std::shared_ptr<Database> database)
      : database_(std::move(database)) {}

  Status Put(std::string_view name, const Checkpoint& checkpoint) override {
    std::string header;
    PutBigEndian(header, checkpoint.position);
    PutBigEndian(header, checkpoint.format, 4);
    // A checkpoint is large (about 150 bytes an event) and replaceable:
    // written without the write-ahead log and flushed to its own table at
    // once, so opening the database never replays it from the log, and a
    // failed checkpoint never touches the log the events go through.
    rocksdb::WriteOptions no_wal;
    no_wal.disableWAL = true;
    Status written = database_->Write(
        no_wal,
        [&](const Database::Use& use, rocksdb::WriteBatch& wb) {
          // In parts: the state (150 MB at a million events) is not copied
          // once more just to put the header in front of it.
          const rocksdb::Slice key(name.data(), name.size());
          const rocksdb::Slice value[] = {header, checkpoint.state};
          wb.Put(use.Family(kCheckpointsFamily), rocksdb::SliceParts(&key, 1),
                 rocksdb::SliceParts(value, 2));
        },
        kCheckpointsFamily);
    if (!written.ok()) return written;
    // The replaced checkpoint's blob file is deleted once no table refers to
    // it: compacting the family's few small tables drops that reference now
    // rather than after several more checkpoints (150 MB each).
    Database::Use use(*database_);
    if (use.ok()) {
      rocksdb::CompactRangeOptions compact;
      use.db()->CompactRange(compact, use.Family(kCheckpointsFamily), nullptr, nullptr)
          .PermitUncheckedError();  // only space is at stake
    }
    return OkStatus();
  }

  Result<std::optional<Checkpoint>> Get(std::string_view name) override {
    Database::Use use(*database_);
    if (!use.ok()) return use.Closed();
    std::string value;
    rocksdb::Status s = use.db()->Get(rocksdb::ReadOptions(), use.Family(kCheckpointsFamily),
                                      rocksdb::Slice(name.data(), name.size()), &value);
    if (s.IsNotFound() || (s.ok() && value.size() < 12)) return std::optional<Checkpoint>();
    if (!s.ok()) return Unavailable("read checkpoint", s);
    Checkpoint c;
    c.position = GetBigEndian(std::string_view(value).substr(0, 8));
    c.format = static_cast<std::uint32_t>(GetBigEndian(std::string_view(value).substr(8, 4)));
    value.erase(0, 12);
    c.state = std::move(value);
    return std::optional<Checkpoint>(std::move(c));
  }

 private:
  std::shared_ptr<Database> database_;
};

}  // namespace

std::vector<rocksdb::ColumnFamilyDescriptor> ColumnFamilyDescriptors() {
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  families.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (std::string_view name : kColumnFamilies) {
    rocksdb::ColumnFamilyOptions options;
    // Where the next key most likely goes in the memtable, kept per prefix:
    // the single writer's inserts then skip the skip list's search from the
    // top (a third of the writer's time went to it under write load).
    // Positions only grow (one hint for all); a stream's versions grow (a
    // hint per stream). Not for heads and the log head: a key written again
    // carries a higher sequence number, which sorts before its last entry,
    // never at the hint (just after it), so a hint per key only cost a
    // lookup in a map of every stream.
    if (name == kEventsFamily) {
      options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewCappedPrefixTransform(0));
    } else if (name == kStreamsFamily) {
      options.memtable_insert_with_hint_prefix_extractor = std::make_shared<StreamPrefix>();
    }
    if (name == kCheckpointsFamily) {
      // A checkpoint is one value of ~150 bytes an event (150 MB at a
      // million): kept in a blob file of its own, written and read in one
      // sequential pass, instead of as a giant block of a table file.
      options.enable_blob_files = true;
      options.min_blob_size = 4096;
      options.blob_compression_type = rocksdb::kNoCompression;
    }
    families.emplace_back(std::string(name), options);
  }
  return families;
}

std::string PositionKey(std::uint64_t position) {
  std::string key;
  PutBigEndian(key, position);
  return key;
}

Result<std::unique_ptr<LogBackend>> OpenRocksBackend(const std::string& dir,
                                                     const RocksOptions& options) {
  Result<std::shared_ptr<Database>> database = Database::Open(dir, options);
  if (!database.ok()) return database.error();
  std::unique_ptr<LogBackend> backend = std::make_unique<RocksBackend>(std::move(*database));
  // A newer format is refused before anything else reads the data.
  if (Result<LogHead> head = backend->ReadHead(); !head.ok()) return head.error();
  return backend;
}

Result<std::unique_ptr<LogStore>> OpenRocksStore(const std::string& dir, Clock clock) {
  Result<std::unique_ptr<LogBackend>> backend = OpenRocksBackend(dir);
  if (!backend.ok()) return backend.error();
  return LogStore::Open(std::move(*backend), std::move(clock));
}

bool HoldsRocksDatabase(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", ec);
}

Result<RocksDatabase> OpenRocksDatabase(const std::string& dir, Clock clock,
                                        const RocksOptions& options) {
  Result<std::shared_ptr<Database>> database = Database::Open(dir, options);
  if (!database.ok()) return database.error();
  std::shared_ptr<Database> shared = *database;
  std::unique_ptr<LogBackend> backend = std::make_unique<RocksBackend>(shared);
  if (Result<LogHead> head = backend->ReadHead(); !head.ok()) return head.error();
  Result<std::unique_ptr<LogStore>> log = LogStore::Open(std::move(backend), std::move(clock));
  if (!log.ok()) return log.error();
  auto backup = [shared](const std::string& dest) -> Status {
    Database::Use use(*shared);
    if (!use.ok()) return use.Closed();
    rocksdb::Checkpoint* raw = nullptr;
    rocksdb::Status s = rocksdb::Checkpoint::Create(use.db(), &raw);
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    // log_size_for_flush 0: memtables are flushed first, so the copy holds
    // every acknowledged batch in table files, hard-linked where it can.
    if (s.ok()) s = checkpoint->CreateCheckpoint(dest, 0);
    if (!s.ok()) return Unavailable("back up to " + dest, s);
    return OkStatus();
  };
  return RocksDatabase{std::move(*log), std::make_unique<RocksTokenStore>(shared),
                       std::make_unique<RocksCheckpointStore>(shared), std::move(backup)};
}

}  // namespace synergy
