// synergyd: the Synergy Ledger service and its administration commands.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "api/checkpoints.h"
#include "api/importer.h"
#include "api/server.h"
#include "infra/hash_chain.h"
#include "infra/rocks_store.h"

#ifdef SYNERGY_JEMALLOC
// jemalloc's settings, read at its start (MALLOC_CONF still overrides them):
// transparent huge pages for its memory, and freed pages kept 30 s before
// they go back to the system. Loading a 150 MB checkpoint then takes a
// fraction of the time it takes with a page fault every 4 KiB
// (BENCHMARKS.md).
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "thp:always,metadata_thp:always,dirty_decay_ms:30000";
}
#endif

namespace {

using namespace synergy;

constexpr const char* kUsage =
    "usage: synergyd COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  serve         serve the HTTP API\n"
    "  token create  create an API token and print it\n"
    "  verify        walk the hash chain of the log\n"
    "  import        load commands (the demo data set) through the API's rules\n"
    "  rebuild       fold the whole log into fresh read models and checkpoint them\n"
    "  backup        a consistent copy of the database, online or offline\n"
    "  restore       a backup into a new data directory, its chain verified\n"
    "\n"
    "synergyd COMMAND --help shows a command's options.\n";

struct Command {
  const char* usage;
  std::vector<std::string> flags;     // options taking a value
  std::vector<std::string> repeated;  // of those, the ones that may repeat
  std::vector<std::string> switches = {};  // options taking none
};

// Parses "--name value" and "--name=value" options.
struct Options {
  std::map<std::string, std::vector<std::string>> values;
  std::string Get(const std::string& name, const std::string& fallback) const {
    auto it = values.find(name);
    return it == values.end() ? fallback : it->second.back();
  }
  bool Has(const std::string& name) const { return values.contains(name); }
};

int Usage(const Command& c, int status) {
  std::fprintf(status == 0 ? stdout : stderr, "%s", c.usage);
  return status;
}

std::optional<Options> Parse(const Command& c, int argc, char** argv, int first) {
  Options o;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      Usage(c, 0);
      std::exit(0);
    }
    if (!arg.starts_with("--")) {
      std::fprintf(stderr, "unexpected argument '%s'\n", arg.c_str());
      return std::nullopt;
    }
    std::string name = arg.substr(2), value;
    if (std::find(c.switches.begin(), c.switches.end(), name) != c.switches.end()) {
      o.values[name].push_back("1");
      continue;
    }
    if (std::size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      std::fprintf(stderr, "--%s needs a value\n", name.c_str());
      return std::nullopt;
    }
    if (std::find(c.flags.begin(), c.flags.end(), name) == c.flags.end()) {
      std::fprintf(stderr, "unknown option --%s\n", name.c_str());
      return std::nullopt;
    }
    if (o.Has(name) && std::find(c.repeated.begin(), c.repeated.end(), name) == c.repeated.end()) {
      std::fprintf(stderr, "--%s given twice\n", name.c_str());
      return std::nullopt;
    }
    o.values[name].push_back(value);
  }
  return o;
}

// `text` as an integer within [min, max], all of it ("80x", "99999" and ""
// are not).
std::optional<long long> Integer(std::string_view text, long long min, long long max) {
  long long n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < min || n > max) return std::nullopt;
  return n;
}

// The option `name`'s value (or `fallback`) as Integer() reads it; nullopt,
// with a line on stderr naming the option and the range, when it is not one.
std::optional<long long> IntegerOption(const Options& o, const std::string& name, const std::string& fallback,
                                       long long min, long long max) {
  const std::string text = o.Get(name, fallback);
  std::optional<long long> n = Integer(text, min, max);
  if (!n) {
    std::fprintf(stderr, "--%s must be an integer from %lld to %lld, not '%s'\n", name.c_str(), min, max,
                 text.c_str());
  }
  return n;
}

// Says what went wrong on stderr and gives the exit status.
int Failed(const Error& error, int status) {
  std::fprintf(stderr, "synergyd: %s\n", error.message.c_str());
  return status;
}

Result<RocksDatabase> OpenData(const std::string& dir, const RocksOptions& options = {}) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return OpenRocksDatabase(dir, SystemNow, options);
}

// The database that `dir` already holds: verify and rebuild would otherwise
// make an empty one at a mistyped path and report on that.
Result<RocksDatabase> OpenExisting(const std::string& dir) {
  if (!HoldsRocksDatabase(dir)) return MakeError(ErrorCode::kNotFound, "no database in " + dir);
  return OpenData(dir);
}

// The last position whose chain was verified and its hash, kept beside the
// checkpoints: start-up verifies only what was appended after it.
constexpr std::string_view kVerifiedChain = "verified_chain";

std::pair<std::uint64_t, Hash> LastVerified(CheckpointStore& store) {
  Result<std::optional<Checkpoint>> c = store.Get(kVerifiedChain);
  Hash hash{};
  if (!c.ok() || !*c || (*c)->state.size() != hash.size()) return {0, hash};
  std::memcpy(hash.data(), (*c)->state.data(), hash.size());
  return {(*c)->position, hash};
}

void RecordVerified(CheckpointStore& store, const LogHead& head) {
  std::string hash(reinterpret_cast<const char*>(head.hash.data()), head.hash.size());
  if (Status s = store.Put(kVerifiedChain, Checkpoint{head.position, 1, hash}); !s.ok()) {
    std::fprintf(stderr, "synergyd: cannot record the verified chain: %s\n", s.error().message.c_str());
  }
}

int Serve(int argc, char** argv) {
  Command c{"usage: synergyd serve [--data-dir DIR] [--port PORT] [--bind ADDR] [--threads N]\n"
            "                      [--reserve-mib MIB] [--allow-broken-chain]\n"
            "  --data-dir  the database directory (default ./var/data)\n"
            "  --port      the TCP port (default 8080; 0 picks a free one)\n"
            "  --bind      the address to listen on (default 127.0.0.1)\n"
            "  --threads   HTTP threads (default: one per core)\n"
            "  --reserve-mib  writes are refused (503) while the data directory's disk\n"
            "              has less free (default 64; 0: written until the disk is full)\n"
            "  --allow-broken-chain  serve even when the hash chain does not verify\n"
            "                        (/v1/audit/verify then reports where it breaks)\n"
            "Before serving, verifies the hash chain from the last verified position\n"
            "to the head and refuses to start on a broken one, naming the position.\n"
            "Prints 'listening on http://ADDR:PORT' once it accepts connections;\n"
            "commands get 503 until /readyz says the read models have caught up.\n"
            "SIGTERM or SIGINT stops it cleanly.\n",
            {"data-dir", "port", "bind", "threads", "reserve-mib"}, {}, {"allow-broken-chain"}};
  std::optional<Options> o = Parse(c, argc, argv, 2);
  if (!o) return Usage(c, 2);
  api::ServerOptions options;
  RocksOptions store_options;
  options.bind = o->Get("bind", "127.0.0.1");
  std::optional<long long> port = IntegerOption(*o, "port", "8080", 0, 65535);
  std::optional<long long> threads = IntegerOption(*o, "threads", "0", 0, 1024);
  std::optional<long long> reserve = IntegerOption(*o, "reserve-mib", "64", 0, 1ll << 40);
  if (!port || !threads || !reserve) return 2;
  options.port = static_cast<std::uint16_t>(*port);
  options.threads = static_cast<int>(*threads);
  store_options.free_space_reserve = static_cast<std::uint64_t>(*reserve) << 20;
  std::string dir = o->Get("data-dir", "./var/data");
  Result<RocksDatabase> db = OpenData(dir, store_options);
  if (!db.ok()) return Failed(db.error(), 1);
  {
    auto [after, hash] = LastVerified(*db->checkpoints);
    Result<VerifyReport> chain = VerifyChain(*db->log, after, hash);
    if (!chain.ok()) {
      std::fprintf(stderr, "synergyd: cannot verify the chain: %s\n", chain.error().message.c_str());
      return 1;
    }
    if (!chain->ok) {
      std::fprintf(stderr,
                   "synergyd: the hash chain is broken at position %llu (verified from %llu); "
                   "run synergyd verify, restore a backup, or serve with --allow-broken-chain\n",
                   static_cast<unsigned long long>(*chain->first_bad_position),
                   static_cast<unsigned long long>(after + 1));
      if (!o->Has("allow-broken-chain")) return 1;
    } else {
      RecordVerified(*db->checkpoints, chain->head);
    }
  }
  // One line a request: buffered, flushed every second and at once for
  // warnings (spdlog's default sink flushes stdout after every line, a
  // system call per request under one lock).
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(std::cout);
  auto logger = std::make_shared<spdlog::logger>("", sink);  // no name in the lines
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
  {
    api::Server server(options, [&](api::Service::Post post) {
      return std::make_unique<api::Service>(*db->log, *db->tokens, std::move(post), SystemNow,
                                            db->checkpoints.get());
    });
    server.service().SetBackup(db->backup);
    if (Status s = server.service().Start(); !s.ok()) return Failed(s.error(), 1);
    if (Status s = server.Listen(); !s.ok()) return Failed(s.error(), 1);
    std::printf("listening on http://%s:%u\n", options.bind.c_str(), server.port());
    std::fflush(stdout);
    spdlog::info("serving {} on {}:{}", dir, options.bind, server.port());
    server.RunUntilSignalled();
  }
  db->tokens.reset();
  db->checkpoints.reset();
  db->log.reset();  // completes queued appends, then closes
  spdlog::info("stopped");
  spdlog::shutdown();  // flushes
  return 0;
}

int TokenCreate(int argc, char** argv) {
  Command c{"usage: synergyd token create --name NAME --role ROLE [--programme PID]... "
            "[--data-dir DIR]\n"
            "  ROLE is admin, facilitator, manager or funder; each --programme adds one\n"
            "  programme to the token's scope (none: every programme).\n"
            "Prints the new token alone on stdout; only its SHA-256 is stored.\n"
            "Run it while no server holds the data directory.\n",
            {"data-dir", "name", "role", "programme"}, {"programme"}};
  std::optional<Options> o = Parse(c, argc, argv, 3);
  if (!o) return Usage(c, 2);
  if (!o->Has("name") || !o->Has("role")) {
    std::fprintf(stderr, "--name and --role are required\n");
    return Usage(c, 2);
  }
  TokenRecord record{o->Get("name", ""), o->Get("role", ""), {}};
  if (o->Has("programme")) record.programmes = o->values.at("programme");
  if (record.name.empty() || record.name.size() > 128) {
    std::fprintf(stderr, "--name must be 1 to 128 characters\n");
    return 2;
  }
  if (!IsRoleName(record.role)) {
    std::fprintf(stderr, "--role must be admin, facilitator, manager or funder\n");
    return 2;
  }
  for (const std::string& p : record.programmes) {
    if (!IsValidId(p)) {
      std::fprintf(stderr, "--programme '%s' is not a valid identifier\n", p.c_str());
      return 2;
    }
  }
  Result<RocksDatabase> db = OpenData(o->Get("data-dir", "./var/data"));
  if (!db.ok()) return Failed(db.error(), 1);
  std::string secret = NewTokenSecret();
  if (Status s = db->tokens->Create(Sha256(secret), record); !s.ok()) return Failed(s.error(), 1);
  std::printf("%s\n", secret.c_str());
  return 0;
}

int Verify(int argc, char** argv) {
  Command c{"usage: synergyd verify [--data-dir DIR]\n"
            "Recomputes the hash chain from position 1; exits 1 on a broken chain.\n"
            "A chain that verifies is recorded as verified up to its head, so that\n"
            "serve checks only what comes after.\n",
            {"data-dir"}, {}};
  std::optional<Options> o = Parse(c, argc, argv, 2);
  if (!o) return Usage(c, 2);
  Result<RocksDatabase> db = OpenExisting(o->Get("data-dir", "./var/data"));
  if (!db.ok()) return Failed(db.error(), 2);
  Result<VerifyReport> report = VerifyChain(*db->log);
  if (!report.ok()) return Failed(report.error(), 2);
  if (report->ok) {
    RecordVerified(*db->checkpoints, report->head);
    std::printf("ok: %llu events checked, head %llu %s\n",
                static_cast<unsigned long long>(report->checked),
                static_cast<unsigned long long>(report->head.position),
                ToHex(report->head.hash).c_str());
    return 0;
  }
  std::printf("BROKEN: first bad position %llu (%llu events checked before it; head %llu)\n",
              static_cast<unsigned long long>(*report->first_bad_position),
              static_cast<unsigned long long>(report->checked),
              static_cast<unsigned long long>(report->head.position));
  return 1;
}

// "\rlabel done/total" on a terminal, at most every 1 %; nothing otherwise.
class Progress {
 public:
  explicit Progress(std::string label) : label_(std::move(label)), tty_(::isatty(STDERR_FILENO) == 1) {}
  void operator()(std::size_t done, std::size_t total) {
    if (!tty_ || total == 0) return;
    std::size_t percent = done * 100 / total;
    if (percent == last_ && done != total) return;
    last_ = percent;
    std::fprintf(stderr, "\r%s %zu/%zu (%zu %%)%s", label_.c_str(), done, total, percent,
                 done == total ? "\n" : "");
  }

 private:
  std::string label_;
  bool tty_;
  std::size_t last_ = 101;
};

int Import(int argc, char** argv) {
  Command c{"usage: synergyd import [--data-dir DIR] PATH\n"
            "  PATH is a .jsonl file of commands, or a folder (data/demo) whose .jsonl files\n"
            "  are imported in name order. Each line is\n"
            "    {\"method\": \"POST\", \"path\": \"/v1/...\", \"body\": {...}}\n"
            "  and goes through the same validation and deciders as the HTTP API, as the\n"
            "  actor \"import\". Importing the same files again writes nothing new.\n"
            "Run it while no server holds the data directory.\n",
            {"data-dir"}, {}};
  if (argc < 3) return Usage(c, 2);
  std::string path = argv[argc - 1];
  if (path.starts_with("--")) return Usage(c, path == "--help" || path == "-h" ? 0 : 2);
  std::optional<Options> o = Parse(c, argc - 1, argv, 2);
  if (!o) return Usage(c, 2);
  Result<RocksDatabase> db = OpenData(o->Get("data-dir", "./var/data"));
  if (!db.ok()) return Failed(db.error(), 1);
  Progress progress("importing");
  Result<api::ImportSummary> summary =
      api::Import(*db->log, path, [&](std::size_t done, std::size_t total) { progress(done, total); },
                  db->checkpoints.get());
  if (!summary.ok()) {
    std::fprintf(stderr, "\nsynergyd import: %s\n", summary.error().message.c_str());
    return 1;
  }
  std::printf("imported %zu commands from %zu files; log head %llu\n", summary->commands,
              summary->files, static_cast<unsigned long long>(db->log->Head().position));
  return 0;
}

int Rebuild(int argc, char** argv) {
  Command c{"usage: synergyd rebuild [--data-dir DIR]\n"
            "Folds the whole log from position 1 into fresh read models (programmes,\n"
            "synergies, KPIs) and stores their checkpoint, replacing the old one.\n"
            "Run it while no server holds the data directory.\n",
            {"data-dir"}, {}};
  std::optional<Options> o = Parse(c, argc, argv, 2);
  if (!o) return Usage(c, 2);
  Result<RocksDatabase> db = OpenExisting(o->Get("data-dir", "./var/data"));
  if (!db.ok()) return Failed(db.error(), 1);
  const std::uint64_t head = db->log->Head().position;
  Progress progress("rebuilding");
  ReadModels models;
  const auto start = std::chrono::steady_clock::now();
  Status s = db->log->Replay(0, [&](const RecordedEvent& e) {
    models.Apply(e);
    if (e.position % 4096 == 0 || e.position == head) progress(e.position, head);
    return true;
  });
  if (!s.ok()) {
    std::fprintf(stderr, "\nsynergyd rebuild: %s\n", s.error().message.c_str());
    return 1;
  }
  const auto folded = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(folded - start).count();
  Checkpoint checkpoint = api::MakeCheckpoint(models);
  const std::size_t bytes = checkpoint.state.size();
  if (Status put = db->checkpoints->Put(api::kReadModelsCheckpoint, checkpoint); !put.ok()) {
    std::fprintf(stderr, "synergyd rebuild: %s\n", put.error().message.c_str());
    return 1;
  }
  const double saving =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - folded).count();
  std::printf("rebuilt %llu events in %.3f s (%.0f events/s); checkpoint at position %llu, "
              "%.1f MB, saved in %.3f s\n",
              static_cast<unsigned long long>(models.position()), seconds,
              seconds > 0 ? static_cast<double>(models.position()) / seconds : 0.0,
              static_cast<unsigned long long>(models.position()),
              static_cast<double>(bytes) / 1e6, saving);
  return 0;
}

int Backup(int argc, char** argv) {
  Command c{"usage: synergyd backup --to DEST [--data-dir DIR] [--server HOST:PORT]\n"
            "                       [--token-file FILE]\n"
            "Writes a consistent copy of the database (a RocksDB checkpoint) into DEST,\n"
            "which must not exist. When a server holds DIR, asks it instead\n"
            "(POST /v1/admin/backup on --server, default 127.0.0.1:8080, with the admin\n"
            "token in --token-file, default var/admin.token); DEST must then be an\n"
            "absolute path the server can write.\n",
            {"data-dir", "to", "server", "token-file"}, {}};
  std::optional<Options> o = Parse(c, argc, argv, 2);
  if (!o) return Usage(c, 2);
  if (!o->Has("to")) return Usage(c, 2);
  const std::string dest = std::filesystem::absolute(o->Get("to", "")).lexically_normal().string();
  std::error_code ec;
  if (std::filesystem::exists(dest, ec)) {
    std::fprintf(stderr, "synergyd backup: %s exists\n", dest.c_str());
    return 1;
  }
  const std::string dir = o->Get("data-dir", "./var/data");
  if (!HoldsRocksDatabase(dir)) {
    std::fprintf(stderr, "synergyd backup: no database in %s\n", dir.c_str());
    return 1;
  }
  Result<RocksDatabase> db = OpenRocksDatabase(dir);
  if (db.ok()) {
    if (Status s = db->backup(dest); !s.ok()) {
      std::fprintf(stderr, "synergyd backup: %s\n", s.error().message.c_str());
      return 1;
    }
    std::printf("backed up %s (head %llu) to %s\n", dir.c_str(),
                static_cast<unsigned long long>(db->log->Head().position), dest.c_str());
    return 0;
  }
  // A running server holds the database's lock: ask it.
  std::string server = o->Get("server", "127.0.0.1:8080");
  std::size_t colon = server.rfind(':');
  std::ifstream token_file(o->Get("token-file", "var/admin.token"));
  std::string token;
  std::getline(token_file, token);
  if (colon == std::string::npos || token.empty()) {
    std::fprintf(stderr, "synergyd backup: %s\n(and no server address or admin token to ask a server)\n",
                 db.error().message.c_str());
    return 1;
  }
  std::optional<long long> port = Integer(std::string_view(server).substr(colon + 1), 1, 65535);
  if (!port) {
    std::fprintf(stderr, "--server must be HOST:PORT, PORT from 1 to 65535, not '%s'\n", server.c_str());
    return 2;
  }
  Result<api::ClientReply> reply =
      api::HttpCall(server.substr(0, colon), static_cast<std::uint16_t>(*port), "POST",
                    "/v1/admin/backup", token, nlohmann::json{{"to", dest}}.dump());
  if (!reply.ok()) {
    std::fprintf(stderr, "synergyd backup: %s\n", reply.error().message.c_str());
    return 1;
  }
  if (reply->status != 201) {
    std::fprintf(stderr, "synergyd backup: the server answered %d %s\n", reply->status,
                 reply->body.c_str());
    return 1;
  }
  std::printf("backed up through %s to %s: %s\n", server.c_str(), dest.c_str(), reply->body.c_str());
  return 0;
}

int Restore(int argc, char** argv) {
  Command c{"usage: synergyd restore --from BACKUP [--data-dir DIR]\n"
            "Copies a backup into DIR (default ./var/data), which must not exist, then\n"
            "walks its hash chain; exits 1 (and removes DIR) when it does not verify.\n",
            {"from", "data-dir"}, {}};
  std::optional<Options> o = Parse(c, argc, argv, 2);
  if (!o) return Usage(c, 2);
  if (!o->Has("from")) return Usage(c, 2);
  const std::string from = o->Get("from", "");
  const std::string dir = o->Get("data-dir", "./var/data");
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    std::fprintf(stderr, "synergyd restore: %s exists; restore into a new directory\n", dir.c_str());
    return 1;
  }
  if (!std::filesystem::is_directory(from, ec)) {
    std::fprintf(stderr, "synergyd restore: no backup in %s\n", from.c_str());
    return 1;
  }
  std::filesystem::create_directories(std::filesystem::absolute(dir).parent_path(), ec);
  std::filesystem::copy(from, dir, std::filesystem::copy_options::recursive, ec);
  if (ec) {
    std::fprintf(stderr, "synergyd restore: copy: %s\n", ec.message().c_str());
    return 1;
  }
  Result<VerifyReport> report = MakeError(ErrorCode::kUnavailable, "not verified");
  {
    Result<RocksDatabase> db = OpenRocksDatabase(dir);
    if (!db.ok()) {
      std::fprintf(stderr, "synergyd restore: %s\n", db.error().message.c_str());
      std::filesystem::remove_all(dir, ec);
      return 1;
    }
    report = VerifyChain(*db->log);
    if (!report.ok()) std::fprintf(stderr, "synergyd restore: %s\n", report.error().message.c_str());
    if (report.ok() && report->ok) RecordVerified(*db->checkpoints, report->head);
  }
  if (!report.ok() || !report->ok) {
    std::fprintf(stderr, "synergyd restore: the restored chain does not verify%s; %s removed\n",
                 report.ok() ? (" (first bad position " + std::to_string(*report->first_bad_position) + ")").c_str()
                             : "",
                 dir.c_str());
    std::filesystem::remove_all(dir, ec);
    return 1;
  }
  std::printf("restored %s into %s: %llu events, chain ok, head %s\n", from.c_str(), dir.c_str(),
              static_cast<unsigned long long>(report->checked), ToHex(report->head.hash).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fprintf(argc < 2 ? stderr : stdout, "%s", kUsage);
    return argc < 2 ? 2 : 0;
  }
  std::string command = argv[1];
  if (command == "serve") return Serve(argc, argv);
  if (command == "verify") return Verify(argc, argv);
  if (command == "import") return Import(argc, argv);
  if (command == "rebuild") return Rebuild(argc, argv);
  if (command == "backup") return Backup(argc, argv);
  if (command == "restore") return Restore(argc, argv);
  if (command == "token" && argc >= 3 && std::strcmp(argv[2], "create") == 0) {
    return TokenCreate(argc, argv);
  }
  std::fprintf(stderr, "unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}
