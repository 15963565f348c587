#include "infra/rocks_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/checkpoint.h>
#include <sys/statvfs.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <cstring>
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

std::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }
rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }

constexpr std::string_view kHeadKey = "head";
constexpr std::size_t kHashSize = std::tuple_size_v<Hash>;

// The open database, shared by the log and the tokens; closed with the last.
class Database {
 public:
  Database(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles)
      : db_(db), handles_(std::move(handles)) {}
  ~Database() {
    for (rocksdb::ColumnFamilyHandle* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
    delete db_;
  }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  rocksdb::DB* db() const { return db_; }
  rocksdb::ColumnFamilyHandle* Family(std::string_view name) const {
    for (std::size_t i = 0; i < kColumnFamilies.size(); ++i) {
      if (kColumnFamilies[i] == name) return handles_[i + 1];  // [0] is "default"
    }
    return nullptr;
  }

 private:
  rocksdb::DB* db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

class RocksBackend final : public LogBackend {
 public:
  RocksBackend(std::shared_ptr<Database> database, std::string dir, std::uint64_t reserve)
      : database_(std::move(database)), db_(database_->db()), dir_(std::move(dir)),
        reserve_(reserve) {
    sync_.sync = true;
  }

  Status Write(const CommitBatch& batch) override {
    if (write_failed_.load()) {
      return MakeError(ErrorCode::kUnavailable,
                       "an earlier write failed; the store must be reopened");
    }
    // Refused before RocksDB is asked, so the handle stays writable: a full
    // disk is met here rather than as a failed write-ahead-log write.
    struct statvfs fs {};
    if (reserve_ > 0 && ::statvfs(dir_.c_str(), &fs) == 0 &&
        static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize < reserve_) {
      return MakeError(ErrorCode::kUnavailable,
                       "the disk is nearly full: " +
                           std::to_string(static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize >> 20) +
                           " MiB free, " + std::to_string(reserve_ >> 20) + " MiB kept in reserve");
    }
    rocksdb::WriteBatch wb;
    std::string value;
    for (const CommittedEvent& e : batch.events) {
      value.assign(reinterpret_cast<const char*>(e.stored.hash.data()), kHashSize);
      value.append(e.stored.bytes);
      std::string position_key = PositionKey(e.stored.position);
      wb.Put(Family(kEventsFamily), position_key, value);
      wb.Put(Family(kStreamsFamily), StreamKey(e.stream, e.version), position_key);
    }
    for (const auto& [stream, version] : batch.stream_heads) {
      std::string v;
      PutBigEndian(v, version);
      wb.Put(Family(kHeadsFamily), stream, v);
    }
    for (const auto& [key, record] : batch.idempotency) {
      wb.Put(Family(kIdempotencyFamily), key, EncodeIdempotency(record));
    }
    std::string head;
    PutBigEndian(head, kStoreFormatVersion, 4);
    PutBigEndian(head, batch.head.position);
    head.append(reinterpret_cast<const char*>(batch.head.hash.data()), kHashSize);
    wb.Put(Family(kMetaFamily), ToSlice(kHeadKey), head);

    rocksdb::Status s = db_->Write(sync_, &wb);
    if (!s.ok()) {
      write_failed_.store(true);
      return Unavailable("write", s);
    }
    return OkStatus();
  }

  Result<LogHead> ReadHead() override {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Family(kMetaFamily), ToSlice(kHeadKey), &value);
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
    std::vector<std::pair<std::string, std::uint64_t>> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Family(kHeadsFamily)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.emplace_back(it->key().ToString(), GetBigEndian(View(it->value())));
    }
    if (!it->status().ok()) return Unavailable("read stream heads", it->status());
    return out;
  }

  Status Scan(std::uint64_t after_position, std::size_t limit,
              const ScanVisitor& visit) override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Family(kEventsFamily)));
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
    std::vector<std::uint64_t> out;
    std::string prefix(stream);
    prefix.push_back('\0');
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Family(kStreamsFamily)));
    for (it->Seek(StreamKey(stream, from_version)); it->Valid(); it->Next()) {
      std::string_view key = View(it->key());
      if (key.size() != prefix.size() + 8 || key.substr(0, prefix.size()) != prefix) break;
      out.push_back(GetBigEndian(View(it->value())));
    }
    if (!it->status().ok()) return Unavailable("read stream", it->status());
    return out;
  }

  Result<StoredEvent> ReadAt(std::uint64_t position) override {
    std::string key = PositionKey(position);
    rocksdb::PinnableSlice value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Family(kEventsFamily), key, &value);
    if (s.IsNotFound()) {
      return MakeError(ErrorCode::kNotFound, "no event at position " + std::to_string(position));
    }
    if (!s.ok()) return Unavailable("read event", s);
    return ToStored(key, View(value));
  }

  Result<std::optional<IdempotencyRecord>> FindIdempotency(std::string_view key) override {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Family(kIdempotencyFamily), ToSlice(key), &value);
    if (s.IsNotFound()) return std::optional<IdempotencyRecord>{};
    if (!s.ok()) return Unavailable("read idempotency record", s);
    Result<IdempotencyRecord> record = DecodeIdempotency(value);
    if (!record.ok()) return record.error();
    return std::optional<IdempotencyRecord>{std::move(*record)};
  }

 private:
  rocksdb::ColumnFamilyHandle* Family(std::string_view name) const {
    return database_->Family(name);
  }

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
  rocksdb::DB* db_;
  rocksdb::WriteOptions sync_;
  std::atomic<bool> write_failed_{false};
  const std::string dir_;
  const std::uint64_t reserve_;
};

// Tokens family: "h" + hash -> record, "n" + name -> hash.
class RocksTokenStore final : public TokenStore {
 public:
  explicit RocksTokenStore(std::shared_ptr<Database> database)
      : database_(std::move(database)) {}

  Status Create(const Hash& secret_hash, const TokenRecord& record) override {
    std::lock_guard lock(mu_);  // the name check and the write as one step
    rocksdb::ColumnFamilyHandle* family = database_->Family(kTokensFamily);
    std::string hash(reinterpret_cast<const char*>(secret_hash.data()), kHashSize);
    std::string existing;
    rocksdb::Status s = database_->db()->Get(rocksdb::ReadOptions(), family, "n" + record.name, &existing);
    if (s.ok()) {
      return MakeError(ErrorCode::kDuplicate, "a token named '" + record.name + "' exists", "name");
    }
    if (!s.IsNotFound()) return Unavailable("read tokens", s);
    rocksdb::WriteBatch wb;
    wb.Put(family, "h" + hash, Encode(record));
    wb.Put(family, "n" + record.name, hash);
    rocksdb::WriteOptions sync;
    sync.sync = true;
    s = database_->db()->Write(sync, &wb);
    if (!s.ok()) return Unavailable("write token", s);
    return OkStatus();
  }

  Result<std::vector<std::pair<Hash, TokenRecord>>> List() override {
    std::vector<std::pair<Hash, TokenRecord>> out;
    std::unique_ptr<rocksdb::Iterator> it(
        database_->db()->NewIterator(rocksdb::ReadOptions(), database_->Family(kTokensFamily)));
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
    std::string value;
    value.reserve(12 + checkpoint.state.size());
    PutBigEndian(value, checkpoint.position);
    PutBigEndian(value, checkpoint.format, 4);
    value += checkpoint.state;
    // A checkpoint is large (about 150 bytes an event) and replaceable:
    // written without the write-ahead log and flushed to its own table at
    // once, so opening the database never replays it from the log, and a
    // failed checkpoint never touches the log the events go through.
    rocksdb::WriteOptions no_wal;
    no_wal.disableWAL = true;
    rocksdb::ColumnFamilyHandle* family = database_->Family(kCheckpointsFamily);
    rocksdb::Status s = database_->db()->Put(no_wal, family,
                                             rocksdb::Slice(name.data(), name.size()), value);
    if (s.ok()) s = database_->db()->Flush(rocksdb::FlushOptions(), family);
    if (!s.ok()) return Unavailable("write checkpoint", s);
    return OkStatus();
  }

  Result<std::optional<Checkpoint>> Get(std::string_view name) override {
    std::string value;
    rocksdb::Status s = database_->db()->Get(rocksdb::ReadOptions(),
                                             database_->Family(kCheckpointsFamily),
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
    families.emplace_back(std::string(name), rocksdb::ColumnFamilyOptions());
  }
  return families;
}

std::string PositionKey(std::uint64_t position) {
  std::string key;
  PutBigEndian(key, position);
  return key;
}

namespace {

Result<std::shared_ptr<Database>> OpenDatabase(const std::string& dir, rocksdb::Env* env) {
  rocksdb::Options options;
  if (env) options.env = env;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.IncreaseParallelism(2);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, ColumnFamilyDescriptors(), &handles, &raw);
  if (!s.ok()) return Unavailable("open " + dir, s);
  return std::make_shared<Database>(raw, std::move(handles));
}

}  // namespace

Result<std::unique_ptr<LogBackend>> OpenRocksBackend(const std::string& dir,
                                                     const RocksOptions& options) {
  Result<std::shared_ptr<Database>> database = OpenDatabase(dir, options.env);
  if (!database.ok()) return database.error();
  std::unique_ptr<LogBackend> backend =
      std::make_unique<RocksBackend>(std::move(*database), dir, options.free_space_reserve);
  // A newer format is refused before anything else reads the data.
  if (Result<LogHead> head = backend->ReadHead(); !head.ok()) return head.error();
  return backend;
}

Result<std::unique_ptr<LogStore>> OpenRocksStore(const std::string& dir, Clock clock) {
  Result<std::unique_ptr<LogBackend>> backend = OpenRocksBackend(dir);
  if (!backend.ok()) return backend.error();
  return LogStore::Open(std::move(*backend), std::move(clock));
}

Result<RocksDatabase> OpenRocksDatabase(const std::string& dir, Clock clock,
                                        const RocksOptions& options) {
  Result<std::shared_ptr<Database>> database = OpenDatabase(dir, options.env);
  if (!database.ok()) return database.error();
  std::unique_ptr<LogBackend> backend =
      std::make_unique<RocksBackend>(*database, dir, options.free_space_reserve);
  if (Result<LogHead> head = backend->ReadHead(); !head.ok()) return head.error();
  Result<std::unique_ptr<LogStore>> log = LogStore::Open(std::move(backend), std::move(clock));
  if (!log.ok()) return log.error();
  std::shared_ptr<Database> shared = *database;
  auto backup = [shared](const std::string& dest) -> Status {
    rocksdb::Checkpoint* raw = nullptr;
    rocksdb::Status s = rocksdb::Checkpoint::Create(shared->db(), &raw);
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
