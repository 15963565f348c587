#include "api/service.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>

#include "api/checkpoints.h"
#include "api/json_input.h"
#include "api/kpi_reply.h"
#include "api/openapi.h"
#include "api/render.h"
#include "infra/codec.h"
#include "infra/hash_chain.h"
#include "infra/thread_name.h"

namespace synergy::api {

using nlohmann::json;

namespace {

// ---- Small helpers ----------------------------------------------------------

Error Err(ErrorCode code, std::string message, std::string field = {}) {
  return MakeError(code, std::move(message), std::move(field));
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Decimal digits, nothing else; a number past 2^64 - 1 is read as 2^64 - 1
// (it is still an integer >= 0: a limit above the cap is lowered to the
// cap, an If-Match that far ahead is merely not the stream's version).
std::optional<std::uint64_t> ParseUnsigned(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range) {
    v = UINT64_MAX;  // `end` is still past the digits
  } else if (ec != std::errc()) {
    return std::nullopt;
  }
  if (end != text.data() + text.size()) return std::nullopt;
  return v;
}

// Optional white space (RFC 9110 5.6.3) off both ends.
std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The text of `list` up to the first `separator` (all of it when there is
// none); `list` keeps what follows the separator.
std::string_view PopItem(std::string_view& list, char separator) {
  std::size_t at = list.find(separator);
  std::string_view item = list.substr(0, at);
  list = at == std::string_view::npos ? std::string_view() : list.substr(at + 1);
  return item;
}

// A weight (RFC 9110 12.4.2): "0" to "1" with up to three decimals.
std::optional<int> ParseQuality(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
  int thousandths = (text[0] - '0') * 1000;
  if (text.size() > 1) {
    if (text[1] != '.' || text.size() > 5) return std::nullopt;
    int scale = 100;
    for (char c : text.substr(2)) {
      if (c < '0' || c > '9') return std::nullopt;
      thousandths += (c - '0') * scale;
      scale /= 10;
    }
  }
  if (thousandths > 1000) return std::nullopt;
  return thousandths;
}

// How closely a media range (lower case) names `type`/`subtype`: 3 itself,
// 2 `type/*`, 1 `*/*`, 0 not at all.
int Specificity(std::string_view range, std::string_view type, std::string_view subtype) {
  if (range == "*/*") return 1;
  if (PopItem(range, '/') != type) return 0;
  return range == "*" ? 2 : range == subtype ? 3 : 0;
}

// Whether an Accept header asks for CSV rather than JSON (RFC 9110 12.5.1).
// Each type takes the weight of the most specific range that covers it
// (none: not acceptable); CSV wins on a higher weight, or on an equal one
// when the header names `text/csv` itself. Ranges with a broken weight are
// skipped.
bool PrefersCsv(std::string_view accept) {
  struct Rating {
    int specificity = 0;
    int weight = 0;  // thousandths
  };
  Rating csv, json;
  while (!accept.empty()) {
    std::string_view element = PopItem(accept, ',');  // range;param;...
    const std::string range = LowerAscii(TrimSpaces(PopItem(element, ';')));
    std::optional<int> weight = 1000;
    while (!element.empty()) {
      std::string_view param = TrimSpaces(PopItem(element, ';'));
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        weight = ParseQuality(param.substr(2));
      }
    }
    if (!weight) continue;
    auto rate = [&weight](Rating& r, int specificity) {
      if (specificity > r.specificity) r = {specificity, *weight};
    };
    rate(csv, Specificity(range, "text", "csv"));
    rate(json, Specificity(range, "application", "json"));
  }
  if (csv.weight == 0) return false;
  return csv.weight > json.weight || (csv.weight == json.weight && csv.specificity == 3);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes a query component ('+' is a space); nullopt when broken.
std::optional<std::string> Unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing past U+10FFFF).
bool IsUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n;
    char32_t c;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xE0) == 0xC0) {
      n = 1, c = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      n = 2, c = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      n = 3, c = b & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cont = static_cast<unsigned char>(s[i + k]);
      if ((cont & 0xC0) != 0x80) return false;
      c = (c << 6) | (cont & 0x3F);
    }
    static constexpr char32_t kLeast[] = {0, 0x80, 0x800, 0x10000};
    if (c < kLeast[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

struct Query {
  std::vector<std::pair<std::string, std::string>> params;
  // Values of `name`, in order.
  std::vector<std::string> All(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : params) {
      if (k == name) out.push_back(v);
    }
    return out;
  }
  std::optional<std::string> One(std::string_view name) const {
    for (const auto& [k, v] : params) {
      if (k == name) return v;
    }
    return std::nullopt;
  }
};

// The parameters of a query string, percent-decoded. Fails (400
// `validation`, naming the parameter) on a name not in `allowed`, a name
// given twice that is not in `repeatable` (a client that sends
// `after=1&after=2` is told, not answered for one of them), broken
// percent-encoding, or a value that is not UTF-8 once decoded.
Result<Query> ParseQuery(std::string_view text, std::initializer_list<std::string_view> allowed,
                         std::initializer_list<std::string_view> repeatable = {}) {
  Query q;
  while (!text.empty()) {
    std::string_view part = PopItem(text, '&');
    if (part.empty()) continue;
    std::size_t eq = part.find('=');
    std::optional<std::string> key = Unescape(part.substr(0, eq));
    std::optional<std::string> value =
        Unescape(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    if (!key) return Err(ErrorCode::kValidation, "broken percent-encoding in the query");
    if (!value) return Err(ErrorCode::kValidation, "broken percent-encoding", *key);
    if (std::find(allowed.begin(), allowed.end(), *key) == allowed.end()) {
      return Err(ErrorCode::kValidation, "unknown query parameter", *key);
    }
    if (!IsUtf8(*value)) return Err(ErrorCode::kValidation, "must be UTF-8 once decoded", *key);
    if (q.One(*key) && std::find(repeatable.begin(), repeatable.end(), *key) == repeatable.end()) {
      return Err(ErrorCode::kValidation, "given more than once", *key);
    }
    q.params.emplace_back(std::move(*key), std::move(*value));
  }
  return q;
}

// A query parameter or header value that is invalid: 400 `validation`.
Error BadParameter(std::string field, std::string message) {
  return Err(ErrorCode::kValidation, std::move(message), std::move(field));
}

HttpResponse BadRequest(const Error& e) { return Problem(e, 400); }

// The query's `as_of`, when given. An offset's '+' written unescaped
// (`as_of=2026-11-28T10:00:00+01:00`, as a shell or a browser sends it)
// reaches here as the space query decoding makes of it; no timestamp holds a
// space there, so it is read as the '+' it was.
Result<std::optional<Timestamp>> AsOfParameter(const Query& q) {
  std::optional<std::string> v = q.One("as_of");
  if (!v) return std::optional<Timestamp>();
  if (v->size() > 6 && (*v)[v->size() - 6] == ' ') (*v)[v->size() - 6] = '+';
  std::optional<Timestamp> t = Timestamp::Parse(*v);
  if (!t) return BadParameter("as_of", "must be an RFC 3339 timestamp or a date");
  return t;
}

HttpResponse WithETag(HttpResponse r, const std::string& etag) {
  r.Set("ETag", etag);
  return r;
}

// 304 when If-None-Match names the current ETag (or is "*").
std::optional<HttpResponse> NotModified(const HttpRequest& request, const std::string& etag) {
  std::optional<std::string_view> header = request.Header("if-none-match");
  if (!header) return std::nullopt;
  std::string_view list = *header;
  while (!list.empty()) {
    std::string_view tag = TrimSpaces(PopItem(list, ','));
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag || tag == "*") {
      HttpResponse r;
      r.status = 304;
      r.Set("ETag", etag);
      return r;
    }
  }
  return std::nullopt;
}

// Content-Type is application/json, parameters (charset) aside.
bool HasJsonBody(const HttpRequest& request) {
  std::optional<std::string_view> content_type = request.Header("content-type");
  if (!content_type) return false;
  std::string_view media = *content_type;
  return LowerAscii(TrimSpaces(PopItem(media, ';'))) == "application/json";
}

std::string Quoted(std::uint64_t v) { return "\"" + std::to_string(v) + "\""; }

std::string NewId(std::string_view prefix) { return std::string(prefix) + RandomHex(16); }

Date Today(const Clock& clock) { return clock().UtcDate(); }

}  // namespace

bool Caller::Sees(std::string_view programme) const {
  if (role == Role::kAdmin || programmes.empty()) return true;
  return std::find(programmes.begin(), programmes.end(), programme) != programmes.end();
}

// ---- Routing ----------------------------------------------------------------

enum class Endpoint {
  kHealthz, kReadyz, kMetrics, kOpenApi,
  kProgrammes, kProgramme, kCompanies, kWithdrawal, kDiagnostics, kProgrammeSynergies,
  kSynergies, kSynergy, kHistory, kStudy, kOperation, kMeasurements, kCorrection, kAbandonment,
  kEvents, kVerify, kTokens, kKpis, kBackup,
};

struct Service::Route {
  Endpoint endpoint;
  std::string_view label;        // "/v1/synergies/{sid}", static
  std::vector<std::string> ids;  // path ids in order
  std::string_view allow;        // the methods the path accepts
  bool method_ok;
  std::string_view query;
};

namespace {

struct RouteSpec {
  Endpoint endpoint;
  std::string_view pattern;  // "{}" marks an id segment
  std::string_view method;
  std::string_view label;
};

constexpr RouteSpec kRoutes[] = {
    {Endpoint::kHealthz, "/healthz", "GET", "/healthz"},
    {Endpoint::kReadyz, "/readyz", "GET", "/readyz"},
    {Endpoint::kMetrics, "/metrics", "GET", "/metrics"},
    {Endpoint::kOpenApi, "/v1/openapi.json", "GET", "/v1/openapi.json"},
    {Endpoint::kProgrammes, "/v1/programmes", "GET", "/v1/programmes"},
    {Endpoint::kProgrammes, "/v1/programmes", "POST", "/v1/programmes"},
    {Endpoint::kProgramme, "/v1/programmes/{}", "GET", "/v1/programmes/{pid}"},
    {Endpoint::kCompanies, "/v1/programmes/{}/companies", "POST", "/v1/programmes/{pid}/companies"},
    {Endpoint::kWithdrawal, "/v1/programmes/{}/companies/{}/withdrawal", "POST",
     "/v1/programmes/{pid}/companies/{cid}/withdrawal"},
    {Endpoint::kDiagnostics, "/v1/programmes/{}/diagnostics", "POST",
     "/v1/programmes/{pid}/diagnostics"},
    {Endpoint::kProgrammeSynergies, "/v1/programmes/{}/synergies", "POST",
     "/v1/programmes/{pid}/synergies"},
    {Endpoint::kSynergies, "/v1/synergies", "GET", "/v1/synergies"},
    {Endpoint::kSynergy, "/v1/synergies/{}", "GET", "/v1/synergies/{sid}"},
    {Endpoint::kHistory, "/v1/synergies/{}/history", "GET", "/v1/synergies/{sid}/history"},
    {Endpoint::kStudy, "/v1/synergies/{}/study", "POST", "/v1/synergies/{sid}/study"},
    {Endpoint::kOperation, "/v1/synergies/{}/operation", "POST", "/v1/synergies/{sid}/operation"},
    {Endpoint::kMeasurements, "/v1/synergies/{}/measurements", "POST",
     "/v1/synergies/{sid}/measurements"},
    {Endpoint::kCorrection, "/v1/synergies/{}/measurements/{}/correction", "POST",
     "/v1/synergies/{sid}/measurements/{mid}/correction"},
    {Endpoint::kAbandonment, "/v1/synergies/{}/abandonment", "POST",
     "/v1/synergies/{sid}/abandonment"},
    {Endpoint::kEvents, "/v1/events", "GET", "/v1/events"},
    {Endpoint::kVerify, "/v1/audit/verify", "GET", "/v1/audit/verify"},
    {Endpoint::kTokens, "/v1/tokens", "POST", "/v1/tokens"},
    {Endpoint::kKpis, "/v1/kpis", "GET", "/v1/kpis"},
    {Endpoint::kBackup, "/v1/admin/backup", "POST", "/v1/admin/backup"},
};

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') path.remove_prefix(1);
    std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
    if (path == "/") out.emplace_back();  // a trailing slash is part of the path
    if (path == "/") break;
  }
  return out;
}

// Whether the segments of a path match those of a pattern ("{}" marks an id
// segment, which must be a valid identifier).
bool Match(const std::vector<std::string_view>& pattern, const std::vector<std::string_view>& path) {
  if (pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == "{}" ? !IsValidId(path[i]) : pattern[i] != path[i]) return false;
  }
  return true;
}

std::optional<Service::Route> FindRoute(std::string_view method, std::string_view target) {
  // The patterns' segments, split once.
  static const std::vector<std::vector<std::string_view>> kPatterns = [] {
    std::vector<std::vector<std::string_view>> out;
    for (const RouteSpec& spec : kRoutes) out.push_back(Segments(spec.pattern));
    return out;
  }();
  std::size_t q = target.find('?');
  const std::vector<std::string_view> path = Segments(target.substr(0, q));
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  std::optional<Service::Route> found;
  bool get = false, post = false;  // the methods the path accepts
  for (std::size_t r = 0; r < std::size(kRoutes); ++r) {
    const RouteSpec& spec = kRoutes[r];
    if (!Match(kPatterns[r], path)) continue;
    (spec.method == "GET" ? get : post) = true;
    // HEAD is answered as GET, the server sending the header alone.
    const bool same = spec.method == method || (spec.method == "GET" && method == "HEAD");
    if (!found || same) {
      std::vector<std::string> ids;
      for (std::size_t i = 0; i < path.size(); ++i) {
        if (kPatterns[r][i] == "{}") ids.emplace_back(path[i]);
      }
      found = Service::Route{spec.endpoint, spec.label, std::move(ids), {}, same, query};
    }
  }
  if (!found) return std::nullopt;
  found->allow = get && post ? "GET, HEAD, POST" : get ? "GET, HEAD" : "POST";
  return found;
}

bool IsPublic(Endpoint e) {
  return e == Endpoint::kHealthz || e == Endpoint::kReadyz || e == Endpoint::kMetrics ||
         e == Endpoint::kOpenApi;
}

}  // namespace

std::string Service::RouteOf(std::string_view method, std::string_view target) {
  std::optional<Route> route = FindRoute(method, target);
  return std::string(route ? route->label : "unmatched");
}

// ---- Life cycle -------------------------------------------------------------

struct Service::FeedQuery {
  Caller caller;
  std::uint64_t after = 0;
  std::size_t limit = 100;
  std::optional<std::string> programme;
};

struct Service::Waiter {
  FeedQuery query;
  std::chrono::steady_clock::time_point deadline;
  Reply reply;
};

Service::Service(LogStore& store, TokenStore& tokens, Post post, Clock clock,
                 CheckpointStore* checkpoints)
    : store_(store),
      tokens_(tokens),
      post_(std::move(post)),
      clock_(std::move(clock)),
      checkpoints_(checkpoints) {}

Service::~Service() {
  if (catch_up_.joinable()) catch_up_.join();
  {
    std::lock_guard lock(checkpoint_mu_);
    checkpoint_stop_ = true;
  }
  checkpoint_cv_.notify_all();
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
  store_.SetCommitObserver(nullptr);
  {
    std::unique_lock lock(in_flight_mu_);
    in_flight_cv_.wait(lock, [this] { return in_flight_ == 0; });
  }
  if (ready_) SaveCheckpointNow();
  StopWaiting();
  if (feed_thread_.joinable()) feed_thread_.join();
}

void Service::StopWaiting() {
  {
    std::lock_guard lock(waiters_mu_);
    stopping_ = true;
  }
  waiters_cv_.notify_all();
}

Status Service::Start() {
  Result<std::vector<std::pair<Hash, TokenRecord>>> tokens = tokens_.List();
  if (!tokens.ok()) return tokens.error();
  {
    std::unique_lock lock(tokens_mu_);
    for (auto& [hash, record] : *tokens) tokens_by_hash_[ToHex(hash)] = std::move(record);
  }
  store_.SetCommitObserver([this](const std::vector<RecordedEvent>& events) { Observe(events); });
  feed_thread_ = NamedThread("feed-waiters", [this] { RunWaiters(); });
  catch_up_ = NamedThread("catch-up", [this] { CatchUp(); });
  if (checkpoints_) checkpoint_thread_ = NamedThread("checkpoints", [this] { RunCheckpoints(); });
  return OkStatus();
}

void Service::CatchUp() {
  std::uint64_t from = 0;
  if (checkpoints_) {
    std::string why;
    std::unique_lock lock(models_mu_);
    if (Status s = LoadCheckpoint(models_, *checkpoints_, store_.Head().position, &why); !s.ok()) {
      std::fprintf(stderr, "cannot read the checkpoint: %s\n", s.error().message.c_str());
    } else if (!why.empty()) {
      std::fprintf(stderr, "folding the whole log: %s\n", why.c_str());
    }
    from = models_.position();
  }
  {
    std::lock_guard lock(checkpoint_mu_);
    checkpointed_ = from;
  }
  // Apply ignores what a checkpoint or the commit observer already folded.
  Status s = store_.Replay(from, [this](const RecordedEvent& e) {
    std::unique_lock lock(models_mu_);
    models_.Apply(e);
    return true;
  });
  if (!s.ok()) {
    std::fprintf(stderr, "cannot fold the log: %s\n", s.error().message.c_str());
    return;  // stays not ready: /readyz says so
  }
  std::lock_guard lock(ready_mu_);
  ready_ = true;
  ready_cv_.notify_all();
}

void Service::RunCheckpoints() {
  std::unique_lock lock(checkpoint_mu_);
  std::uint64_t seen = 0;  // the position at the previous look
  while (!checkpoint_stop_) {
    checkpoint_cv_.wait_for(lock, std::chrono::seconds(5), [this] { return checkpoint_stop_; });
    if (checkpoint_stop_ || !ready_) continue;
    std::uint64_t folded;
    {
      std::shared_lock models_lock(models_mu_);
      folded = models_.position();
    }
    // Saving holds the read models' lock while it serializes them, and the
    // writer waits for that lock: wait for a quiet moment (nothing appended
    // for one look) unless the tail has grown ten times the interval.
    const bool quiet = folded == seen;
    seen = folded;
    if (folded < checkpointed_ + kCheckpointEvery) continue;
    if (!quiet && folded < checkpointed_ + 10 * kCheckpointEvery) continue;
    lock.unlock();
    SaveCheckpointNow();
    lock.lock();
  }
}

void Service::SaveCheckpointNow() {
  if (!checkpoints_) return;
  std::uint64_t last;
  {
    std::lock_guard lock(checkpoint_mu_);
    last = checkpointed_;
  }
  Checkpoint checkpoint;
  const auto start = std::chrono::steady_clock::now();
  {
    std::shared_lock lock(models_mu_);
    if (models_.position() == last) return;  // nothing new since the last one
    checkpoint = MakeCheckpoint(models_);
  }
  const std::uint64_t position = checkpoint.position;
  if (Status s = StoreCheckpoint(*checkpoints_, checkpoint, std::chrono::steady_clock::now() - start);
      !s.ok()) {
    std::fprintf(stderr, "cannot save the checkpoint: %s\n", s.error().message.c_str());
    return;
  }
  std::lock_guard lock(checkpoint_mu_);
  checkpointed_ = position;
}

void Service::WaitUntilReady() {
  std::unique_lock lock(ready_mu_);
  ready_cv_.wait(lock, [this] { return ready_.load(); });
}

void Service::Observe(const std::vector<RecordedEvent>& events) {
  {
    std::unique_lock lock(models_mu_);
    for (const RecordedEvent& e : events) models_.Apply(e);
  }
  {
    std::lock_guard lock(waiters_mu_);
    if (!events.empty()) woken_position_ = events.back().position;
  }
  waiters_cv_.notify_all();
}

// ---- Entry point ------------------------------------------------------------

std::optional<Caller> Service::Authenticate(const HttpRequest& request) const {
  std::optional<std::string_view> header = request.Header("authorization");
  if (!header || header->size() < 7 || LowerAscii(header->substr(0, 7)) != "bearer ") {
    return std::nullopt;
  }
  std::string_view secret = header->substr(7);
  while (!secret.empty() && secret.front() == ' ') secret.remove_prefix(1);
  if (secret.empty()) return std::nullopt;
  std::string hash = ToHex(Sha256(secret));
  std::shared_lock lock(tokens_mu_);
  auto it = tokens_by_hash_.find(hash);
  if (it == tokens_by_hash_.end()) return std::nullopt;
  std::optional<Role> role = ParseEnum<Role>(it->second.role);
  if (!role) return std::nullopt;
  return Caller{it->second.name, *role, it->second.programmes};
}

void Service::Handle(HttpRequest request, Reply reply, bool body_too_large) {
  std::optional<Route> route = FindRoute(request.method, request.target);
  std::string_view label = route ? route->label : "unmatched";  // static: kept by metrics_
  std::optional<Caller> caller;
  if (!route || !IsPublic(route->endpoint)) caller = Authenticate(request);
  auto count = [this, label, actor = caller ? caller->name : std::string()](HttpResponse r) {
    metrics_.CountRequest(label, r.status);
    r.actor = actor;
    return r;
  };
  // A response made later is counted when made, where it is made. Called
  // once: `count` moves on with a maker.
  Reply counted = [count = std::move(count), reply = std::move(reply)](Answer answer) mutable {
    if (HttpResponse* response = std::get_if<HttpResponse>(&answer)) {
      return reply(count(std::move(*response)));
    }
    reply.Later([count = std::move(count), make = std::get<ResponseMaker>(std::move(answer))] {
      return count(make());
    });
  };

  if (!route || !IsPublic(route->endpoint)) {
    if (!caller) {
      HttpResponse r = Problem(Err(ErrorCode::kUnauthorized,
                                   "an Authorization: Bearer <token> header with a known token "
                                   "is required"));
      r.Set("WWW-Authenticate", "Bearer");
      return counted(std::move(r));
    }
  }
  if (!route) return counted(Problem(Err(ErrorCode::kNotFound, "no such path")));
  if (!route->method_ok) {
    HttpResponse r = Problem(Err(ErrorCode::kMethodNotAllowed,
                                 request.method + " is not allowed on this path"));
    r.Set("Allow", std::string(route->allow));
    return counted(std::move(r));
  }
  if (body_too_large) {
    return counted(Problem(Err(ErrorCode::kPayloadTooLarge, "the body is larger than 1 MiB")));
  }
  if (!IsPublic(route->endpoint) && !ready_) {
    return counted(Problem(Err(ErrorCode::kUnavailable,
                               "the read models are catching up with the log")));
  }
  Dispatch(*route, request, caller ? &*caller : nullptr, std::move(counted));
}

void Service::Dispatch(const Route& route, HttpRequest& request, const Caller* caller,
                       Reply reply) {
  switch (route.endpoint) {
    case Endpoint::kHealthz:
      return reply(JsonResponse(200, {{"status", "ok"}}));
    case Endpoint::kReadyz:
      return reply(ready_ ? JsonResponse(200, {{"status", "ready"}})
                          : Problem(Err(ErrorCode::kUnavailable, "catching up with the log")));
    case Endpoint::kMetrics: {
      std::uint64_t head = store_.Head().position, folded;
      {
        std::shared_lock lock(models_mu_);
        folded = models_.position();
      }
      HttpResponse r;
      r.Set("Content-Type", "text/plain; version=0.0.4");
      r.body = metrics_.Render(head, head - std::min(head, folded));
      return reply(std::move(r));
    }
    case Endpoint::kOpenApi:
      return reply(JsonResponse(200, OpenApiDocument()));
    case Endpoint::kEvents:
      return Feed(request, *caller, std::move(reply));
    case Endpoint::kTokens:
      return reply(TokenCreate(request, *caller));
    case Endpoint::kKpis:
      return reply(Kpis(route, request, *caller));
    case Endpoint::kSynergies:
    case Endpoint::kBackup:
    case Endpoint::kVerify: {
      // Long: off the HTTP threads (a list of every synergy of 100,000
      // took a second, in which the first HTTP thread accepted no
      // connection). The route is found again there, as its query views
      // the request's target, which moves.
      SerialWorker& worker = route.endpoint == Endpoint::kSynergies ? lists_ : slow_;
      return worker.Run([this, request = std::move(request), caller = *caller,
                         reply = std::move(reply)] {
        std::optional<Route> found = FindRoute(request.method, request.target);
        reply(found->endpoint == Endpoint::kBackup ? BackupNow(request, caller)
                                                   : Read(*found, request, caller));
      });
    }
    default:
      break;
  }
  if (request.method == "POST") return Command(route, request, *caller, std::move(reply));
  reply(Read(route, request, *caller));
}

// ---- Commands -----------------------------------------------------------------

struct Service::Decided {
  std::vector<Event> events;
  std::uint64_t version = 0;  // the stream's version they were decided against
  std::string id;             // what the command created or changed
  std::optional<Stage> stage; // for synergy commands
};

struct Service::Plan {
  Caller caller;
  std::string stream;
  int status = 200;  // 201 when the command creates
  std::optional<std::uint64_t> if_match;
  std::optional<std::string> idempotency_key;  // already scoped to the caller
  std::string digest;
  // Maps the body and decides against the read models; checks If-Match
  // first so that 412 wins over invalid values.
  std::function<Result<Decided>(const ReadModels&, std::optional<std::uint64_t>)> decide;
  std::chrono::steady_clock::time_point started;
};

namespace {

Status CheckIfMatch(std::uint64_t version, std::optional<std::uint64_t> if_match) {
  if (if_match && *if_match != version) {
    return Err(ErrorCode::kVersionConflict,
               "the stream is at version " + std::to_string(version) + ", not " +
                   std::to_string(*if_match),
               "If-Match");
  }
  return OkStatus();
}

// What a successful command answers, kept whole in its idempotency record:
// "status\nid\nstream\nstage".
std::string ReplyBlob(int status, const std::string& id, const std::string& stream,
                      std::optional<Stage> stage) {
  return std::to_string(status) + "\n" + id + "\n" + stream + "\n" +
         (stage ? std::string(ToString(*stage)) : std::string());
}

HttpResponse CommandResponse(const AppendOutcome& outcome) {
  // The blob ReplyBlob made: status, id, stream, then the stage or nothing.
  std::string_view parts[4];
  std::string_view blob = outcome.reply;
  for (int i = 0; i < 3; ++i) {
    std::size_t nl = blob.find('\n');
    parts[i] = blob.substr(0, nl);
    blob = nl == std::string_view::npos ? std::string_view() : blob.substr(nl + 1);
  }
  parts[3] = blob;
  // Written by hand (a JSON document built and dumped was 6 % of a
  // command's instructions), keys in the order the document wrote them.
  std::string body = "{\"id\":";
  AppendJsonString(body, parts[1]);
  body += ",\"position\":" + std::to_string(outcome.last_position);
  if (!parts[3].empty()) {
    body += ",\"stage\":";
    AppendJsonString(body, parts[3]);
  }
  body += ",\"stream\":";
  AppendJsonString(body, parts[2]);
  body += ",\"version\":" + std::to_string(outcome.version) + "}";
  HttpResponse r =
      JsonResponse(ParseUnsigned(parts[0]).value_or(200) == 201 ? 201 : 200, std::move(body));
  r.Set("ETag", Quoted(outcome.version));
  return r;
}

Result<Service::Decided> Finish(const Result<std::vector<Event>>& events, std::uint64_t version,
                       std::string id, std::optional<Stage> stage) {
  if (!events.ok()) return events.error();
  return Service::Decided{*events, version, std::move(id), stage};
}

// The stage the synergy reaches with `events`, as EvolveInPlace sets it,
// without copying the state (and its measurements) to evolve it.
std::optional<Stage> StageAfter(const SynergyState& state, const std::vector<Event>& events) {
  Stage stage = state.stage;
  for (const Event& e : events) stage = StageSetBy(e).value_or(stage);
  return stage;
}

}  // namespace

void Service::Command(const Route& route, HttpRequest& request, const Caller& caller,
                      Reply reply) {
  // 415, then 400 for the body, the query and the headers.
  if (!HasJsonBody(request)) {
    return reply(Problem(Err(ErrorCode::kUnsupportedMediaType,
                             "commands take Content-Type: application/json")));
  }
  Result<json> body = ParseBody(request.body);
  if (!body.ok()) return reply(Problem(body.error()));
  if (Result<Query> q = ParseQuery(route.query, {}); !q.ok()) return reply(BadRequest(q.error()));

  auto plan = std::make_shared<Plan>();
  plan->caller = caller;
  plan->started = std::chrono::steady_clock::now();
  if (std::optional<std::string_view> h = request.Header("if-match")) {
    std::string_view v = *h;
    std::optional<std::uint64_t> version;
    if (v.size() >= 3 && v.front() == '"' && v.back() == '"') {
      version = ParseUnsigned(v.substr(1, v.size() - 2));
    }
    if (!version) {
      return reply(BadRequest(BadParameter("If-Match", "must be a quoted version, such as \"3\"")));
    }
    plan->if_match = version;
  }
  if (std::optional<std::string_view> h = request.Header("idempotency-key")) {
    bool printable = !h->empty() && h->size() <= 128 &&
                     std::all_of(h->begin(), h->end(), [](char c) { return c >= 0x20 && c < 0x7f; });
    if (!printable) {
      return reply(BadRequest(
          BadParameter("Idempotency-Key", "must be 1 to 128 printable ASCII characters")));
    }
    plan->idempotency_key = caller.name + '\x1f' + std::string(*h);
    // "The same request": method, target and byte-identical body.
    plan->digest = ToHex(Sha256(request.method + ' ' + request.target + '\n' + request.body));
  }

  // 404 for what the path names, then 403.
  const std::vector<std::string>& ids = route.ids;
  std::string programme;  // the programme the command touches
  {
    std::shared_lock lock(models_mu_);
    if (route.endpoint == Endpoint::kProgrammes) {
      programme = body->contains("id") && (*body)["id"].is_string()
                      ? (*body)["id"].get<std::string>() : std::string();
    } else if (route.label.starts_with("/v1/programmes/")) {
      programme = ids[0];
      const ProgrammeView* p = models_.FindProgramme(programme);
      if (!p) return reply(Problem(Err(ErrorCode::kNotFound, "no programme " + programme)));
      if (route.endpoint == Endpoint::kWithdrawal && !p->state.companies.contains(ids[1])) {
        return reply(Problem(Err(ErrorCode::kNotFound, "no company " + ids[1])));
      }
    } else {
      const SynergyState* s = models_.FindSynergy(ids[0]);
      if (!s) return reply(Problem(Err(ErrorCode::kNotFound, "no synergy " + ids[0])));
      if (route.endpoint == Endpoint::kCorrection && !s->FindMeasurement(ids[1])) {
        return reply(Problem(Err(ErrorCode::kNotFound, "no measurement " + ids[1])));
      }
      programme = s->identification.programme;
    }
  }
  bool role_ok = route.endpoint == Endpoint::kProgrammes
                     ? caller.role == Role::kAdmin
                     : caller.role == Role::kAdmin || caller.role == Role::kFacilitator;
  if (!role_ok || (route.endpoint != Endpoint::kProgrammes && !caller.Sees(programme))) {
    return reply(Problem(Err(ErrorCode::kForbidden, "this token may not run this command")));
  }

  // An idempotent retry answers before anything is decided.
  if (plan->idempotency_key) {
    Result<std::optional<IdempotencyRecord>> found = store_.FindIdempotency(*plan->idempotency_key);
    if (!found.ok()) return reply(Problem(found.error()));
    if (*found) {
      if ((*found)->request_digest != plan->digest) {
        return reply(Problem(Err(ErrorCode::kIdempotencyMismatch,
                                 "this Idempotency-Key was used with another request",
                                 "Idempotency-Key")));
      }
      return reply(CommandResponse((*found)->outcome));
    }
  }

  Date today = Today(clock_);
  json b = std::move(*body);
  switch (route.endpoint) {
    case Endpoint::kProgrammes:
      plan->status = 201;
      plan->stream = ProgrammeStream(programme);
      if (!IsValidId(programme)) {
        // Without a valid id there is no stream: the mapping names the error.
        Result<ProgrammeLaunched> e = ToProgrammeLaunched(b);
        Status s = e.ok() ? ValidateId(e->id, "id") : Status(e.error());
        return reply(Problem(s.error()));
      }
      plan->decide = [b = std::move(b), today](const ReadModels& m,
                                               auto if_match) -> Result<Decided> {
        Result<ProgrammeLaunched> e = ToProgrammeLaunched(b);
        const ProgrammeView* p = e.ok() ? m.FindProgramme(e->id) : nullptr;
        std::uint64_t version = p ? p->state.version : 0;
        SYNERGY_RETURN_IF_ERROR(CheckIfMatch(version, if_match));
        if (!e.ok()) return e.error();
        return Finish(Decide(p ? p->state : ProgrammeState{},
                                                LaunchProgramme{*e, today}),
                                         version, e->id, std::nullopt);
      };
      break;
    case Endpoint::kCompanies:
    case Endpoint::kWithdrawal:
    case Endpoint::kDiagnostics: {
      Endpoint endpoint = route.endpoint;
      plan->status = endpoint == Endpoint::kCompanies ? 201 : 200;
      plan->stream = ProgrammeStream(programme);
      std::string company = endpoint == Endpoint::kWithdrawal ? ids[1] : std::string();
      plan->decide = [b = std::move(b), today, programme, company, endpoint](
                         const ReadModels& m, auto if_match) -> Result<Decided> {
        const ProgrammeState& p = m.FindProgramme(programme)->state;
        SYNERGY_RETURN_IF_ERROR(CheckIfMatch(p.version, if_match));
        if (endpoint == Endpoint::kCompanies) {
          Result<CompanyEnrolled> e = ToCompanyEnrolled(b);
          if (!e.ok()) return e.error();
          return Finish(Decide(p, EnrolCompany{*e}), p.version, e->id,
                                         std::nullopt);
        }
        if (endpoint == Endpoint::kWithdrawal) {
          Result<CompanyWithdrew> e = ToCompanyWithdrew(b, company);
          if (!e.ok()) return e.error();
          return Finish(Decide(p, WithdrawCompany{*e, today}), p.version,
                                         company, std::nullopt);
        }
        Result<DiagnosticRecorded> e = ToDiagnosticRecorded(b);
        if (!e.ok()) return e.error();
        return Finish(Decide(p, RecordDiagnostic{*e, today}), p.version,
                                          programme, std::nullopt);
      };
      break;
    }
    case Endpoint::kProgrammeSynergies: {
      plan->status = 201;
      std::string id = b.contains("id") && b["id"].is_string() ? b["id"].get<std::string>()
                                                               : NewId("s-");
      plan->stream = SynergyStream(id);
      plan->decide = [b = std::move(b), today, programme, id](const ReadModels& m,
                                                              auto if_match) -> Result<Decided> {
        const SynergyState* existing = m.FindSynergy(id);
        SynergyState state = existing ? *existing : SynergyState{};
        SYNERGY_RETURN_IF_ERROR(CheckIfMatch(state.version, if_match));
        Result<SynergyIdentified> e = ToSynergyIdentified(b, programme, id);
        if (!e.ok()) return e.error();
        Result<std::vector<Event>> events =
            Decide(state, IdentifySynergy{*e, today}, m.FindProgramme(programme)->state);
        if (!events.ok()) return events.error();
        return Decided{*events, state.version, id, StageAfter(state, *events)};
      };
      if (!IsValidId(id)) return reply(Problem(Err(ErrorCode::kValidation,
                                                   "must match ^[a-z0-9][a-z0-9-]{0,63}$", "id")));
      break;
    }
    default: {  // a command on an existing synergy
      Endpoint endpoint = route.endpoint;
      std::string sid = ids[0];
      std::string mid = endpoint == Endpoint::kCorrection ? ids[1] : std::string();
      if (endpoint == Endpoint::kMeasurements) {
        plan->status = 201;
        mid = b.contains("id") && b["id"].is_string() ? b["id"].get<std::string>() : NewId("m-");
      }
      plan->stream = SynergyStream(sid);
      plan->decide = [b = std::move(b), today, sid, mid, endpoint](
                         const ReadModels& m, auto if_match) -> Result<Decided> {
        const SynergyState& s = *m.FindSynergy(sid);
        SYNERGY_RETURN_IF_ERROR(CheckIfMatch(s.version, if_match));
        Result<SynergyCommand> command = [&]() -> Result<SynergyCommand> {
          switch (endpoint) {
            case Endpoint::kStudy: {
              auto e = ToFeasibilityStudied(b);
              if (!e.ok()) return e.error();
              return SynergyCommand{StudyFeasibility{*e, today}};
            }
            case Endpoint::kOperation: {
              auto e = ToSynergyOperational(b);
              if (!e.ok()) return e.error();
              return SynergyCommand{StartOperation{*e, today}};
            }
            case Endpoint::kMeasurements: {
              auto e = ToBenefitsMeasured(b, mid);
              if (!e.ok()) return e.error();
              return SynergyCommand{MeasureBenefits{*e, today}};
            }
            case Endpoint::kCorrection: {
              auto e = ToMeasurementCorrected(b, mid);
              if (!e.ok()) return e.error();
              return SynergyCommand{CorrectMeasurement{*e}};
            }
            default: {
              auto e = ToSynergyAbandoned(b);
              if (!e.ok()) return e.error();
              return SynergyCommand{AbandonSynergy{*e, today}};
            }
          }
        }();
        if (!command.ok()) return command.error();
        const ProgrammeView* p = m.FindProgramme(s.identification.programme);
        Result<std::vector<Event>> events = Decide(s, *command, p ? p->state : ProgrammeState{});
        if (!events.ok()) return events.error();
        std::string id = mid.empty() ? sid : mid;
        return Decided{*events, s.version, id, StageAfter(s, *events)};
      };
      break;
    }
  }
  Execute(std::move(plan), std::move(reply), 0);
}

void Service::Execute(std::shared_ptr<Plan> plan, Reply reply, int attempt) {
  constexpr int kMaxAttempts = 256;
  Result<Decided> decided = [&] {
    std::shared_lock lock(models_mu_);
    return plan->decide(models_, plan->if_match);
  }();
  if (!decided.ok()) return reply(Problem(decided.error()));
  AppendRequest request;
  request.stream = plan->stream;
  request.expected_version = decided->version;
  request.events = std::move(decided->events);
  request.actor = plan->caller.name;
  request.idempotency_key = plan->idempotency_key;
  request.request_digest = plan->digest;
  request.reply = ReplyBlob(plan->status, decided->id, plan->stream, decided->stage);
  {
    std::lock_guard lock(in_flight_mu_);
    ++in_flight_;
  }
  store_.AppendAsync(std::move(request), [this, plan, reply = std::move(reply),
                                          attempt](Result<AppendOutcome> outcome) mutable {
    // Counted done only after everything below, the retry's own append
    // (counted on its own) included.
    struct Done {
      Service* s;
      ~Done() {
        std::lock_guard lock(s->in_flight_mu_);
        if (--s->in_flight_ == 0) s->in_flight_cv_.notify_all();
      }
    } done{this};
    if (!outcome.ok()) {
      // Another client wrote first. Without If-Match the command is decided
      // again against the new state, off the writer thread.
      // Each round lets at least one writer of the stream through, so a
      // command races at most as many rounds as there are writers.
      if (outcome.error().code == ErrorCode::kVersionConflict && !plan->if_match &&
          attempt < kMaxAttempts) {
        post_([this, plan, reply = std::move(reply), attempt]() mutable {
          Execute(plan, std::move(reply), attempt + 1);
        });
        return;
      }
      Error e = outcome.error();
      if (e.code == ErrorCode::kVersionConflict) e.field = "If-Match";
      return reply(Problem(e));
    }
    metrics_.ObserveAppend(std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                         plan->started).count());
    // This is the writer's thread, which every command waits on: the reply
    // is rendered, and the plan (the parsed request in it) freed, on the
    // connection's thread instead.
    reply.Later([plan = std::move(plan), outcome = std::move(*outcome)]() mutable {
      plan.reset();
      return CommandResponse(outcome);
    });
  });
}

HttpResponse Service::TokenCreate(const HttpRequest& request, const Caller& caller) {
  if (!HasJsonBody(request)) {
    return Problem(Err(ErrorCode::kUnsupportedMediaType, "Content-Type must be application/json"));
  }
  Result<json> body = ParseBody(request.body);
  if (!body.ok()) return Problem(body.error());
  if (caller.role != Role::kAdmin) {
    return Problem(Err(ErrorCode::kForbidden, "only an admin may create tokens"));
  }
  Result<TokenRequest> t = ToTokenRequest(*body);
  if (!t.ok()) return Problem(t.error());
  std::string secret = NewTokenSecret();
  TokenRecord record{t->name, t->role, t->programmes};
  Hash hash = Sha256(secret);
  if (Status s = tokens_.Create(hash, record); !s.ok()) return Problem(s.error());
  {
    std::unique_lock lock(tokens_mu_);
    tokens_by_hash_[ToHex(hash)] = record;
  }
  return JsonResponse(201, {{"name", t->name}, {"role", t->role},
                            {"programmes", t->programmes}, {"token", secret}});
}

// An online backup, for `synergyd backup` while this server holds the
// database: {"to": "/absolute/new/directory"} -> 201 {"to",
// "includes_position"}: every event up to that position is in the copy.
HttpResponse Service::BackupNow(const HttpRequest& request, const Caller& caller) {
  if (!HasJsonBody(request)) {
    return Problem(Err(ErrorCode::kUnsupportedMediaType, "Content-Type must be application/json"));
  }
  Result<json> body = ParseBody(request.body);
  if (!body.ok()) return Problem(body.error());
  if (caller.role != Role::kAdmin) return Problem(Err(ErrorCode::kForbidden, "only an admin may back up"));
  for (const auto& [key, value] : body->items()) {
    if (key != "to") return Problem(Err(ErrorCode::kValidation, "unknown field", key));
  }
  if (!body->contains("to") || !(*body)["to"].is_string()) {
    return Problem(Err(ErrorCode::kValidation, "must be a string: an absolute path", "to"));
  }
  const std::string to = (*body)["to"].get<std::string>();
  if (to.empty() || to.front() != '/') {
    return Problem(Err(ErrorCode::kValidation, "must be an absolute path", "to"));
  }
  std::error_code ec;
  if (std::filesystem::exists(to, ec)) {
    return Problem(Err(ErrorCode::kValidation, "must not exist yet", "to"));
  }
  if (!backup_) return Problem(Err(ErrorCode::kUnavailable, "this server cannot take backups"));
  const std::uint64_t head = store_.Head().position;
  if (Status s = backup_(to); !s.ok()) return Problem(s.error());
  return JsonResponse(201, {{"to", to}, {"includes_position", head}});
}

// ---- Reads --------------------------------------------------------------------

HttpResponse Service::Read(const Route& route, const HttpRequest& request, const Caller& caller) {
  bool reads_synergies = caller.role != Role::kFunder;
  switch (route.endpoint) {
    case Endpoint::kProgrammes: {
      if (Result<Query> q = ParseQuery(route.query, {}); !q.ok()) return BadRequest(q.error());
      json list = json::array();
      std::shared_lock lock(models_mu_);
      for (const auto& [id, view] : models_.programmes()) {
        if (caller.Sees(id)) list.push_back(RenderProgramme(view));
      }
      return JsonResponse(200, {{"programmes", std::move(list)}});
    }
    case Endpoint::kProgramme: {
      if (Result<Query> q = ParseQuery(route.query, {}); !q.ok()) return BadRequest(q.error());
      std::shared_lock lock(models_mu_);
      const ProgrammeView* p = models_.FindProgramme(route.ids[0]);
      if (!p) return Problem(Err(ErrorCode::kNotFound, "no programme " + route.ids[0]));
      if (!caller.Sees(route.ids[0])) {
        return Problem(Err(ErrorCode::kForbidden, "this programme is outside the token's scope"));
      }
      std::string etag = Quoted(p->state.version);
      if (auto r = NotModified(request, etag)) return *r;
      return WithETag(JsonResponse(200, RenderProgramme(*p)), etag);
    }
    case Endpoint::kSynergies: {
      Result<Query> q = ParseQuery(route.query, {"programme", "stage", "resource", "kind"});
      if (!q.ok()) return BadRequest(q.error());
      std::optional<std::string> programme = q->One("programme");
      std::optional<Stage> stage;
      std::optional<Resource> resource;
      std::optional<SynergyKind> kind;
      if (auto v = q->One("stage"); v && !(stage = ParseEnum<Stage>(*v))) {
        return BadRequest(BadParameter("stage", "not a stage"));
      }
      if (auto v = q->One("resource"); v && !(resource = ParseEnum<Resource>(*v))) {
        return BadRequest(BadParameter("resource", "not a resource"));
      }
      if (auto v = q->One("kind"); v && !(kind = ParseEnum<SynergyKind>(*v))) {
        return BadRequest(BadParameter("kind", "not a kind"));
      }
      {
        std::shared_lock lock(models_mu_);
        if (programme && !models_.FindProgramme(*programme)) {
          return Problem(Err(ErrorCode::kNotFound, "no programme " + *programme, "programme"));
        }
      }
      if (!reads_synergies || (programme && !caller.Sees(*programme))) {
        return Problem(Err(ErrorCode::kForbidden, "this token may not read these synergies"));
      }
      // Rendered in slices (kListSlice synergies or kListSliceTime, whichever
      // comes first), the read models' lock let go between them: every
      // command's apply takes that lock exclusively, and a list held it for
      // as long as it took to render (commands waited 0.85-0.94 s during a
      // list of 118,000 synergies). The next slice starts after the last id
      // looked at, so each synergy appears once, in id order, as of its
      // slice: none older than the request.
      constexpr std::size_t kListSlice = 64;
      constexpr auto kListSliceTime = std::chrono::milliseconds(2);
      std::string body = R"({"synergies":[)";
      std::optional<std::string> last;
      for (bool more = true; more;) {
        std::shared_lock lock(models_mu_);
        const auto& all = models_.synergies();
        auto it = last ? all.upper_bound(*last) : all.begin();
        const auto started = std::chrono::steady_clock::now();
        const std::string* visited = nullptr;
        for (std::size_t n = 0; it != all.end(); ++it) {
          if (visited && (n == kListSlice || std::chrono::steady_clock::now() - started > kListSliceTime)) {
            break;
          }
          visited = &it->first;
          const SynergyState& s = it->second;
          const SynergyIdentified& i = s.identification;
          if (!caller.Sees(i.programme) || (programme && i.programme != *programme) ||
              (stage && s.stage != *stage) || (resource && i.resource != *resource) ||
              (kind && i.kind != *kind)) {
            continue;
          }
          if (body.back() != '[') body += ',';
          body += *SynergyBody(s);
          ++n;
        }
        more = it != all.end();
        if (more) last = *visited;
      }
      body += "]}";
      return JsonResponse(200, std::move(body));
    }
    case Endpoint::kSynergy:
    case Endpoint::kHistory: {
      bool history = route.endpoint == Endpoint::kHistory;
      Result<Query> q = history ? ParseQuery(route.query, {}) : ParseQuery(route.query, {"as_of"});
      if (!q.ok()) return BadRequest(q.error());
      Result<std::optional<Timestamp>> given = AsOfParameter(*q);
      if (!given.ok()) return BadRequest(given.error());
      const std::optional<Timestamp> as_of = *given;
      const std::string& sid = route.ids[0];
      {
        std::shared_lock lock(models_mu_);
        const SynergyState* s = models_.FindSynergy(sid);
        if (!s) return Problem(Err(ErrorCode::kNotFound, "no synergy " + sid));
        if (!reads_synergies || !caller.Sees(s->identification.programme)) {
          return Problem(Err(ErrorCode::kForbidden, "this token may not read this synergy"));
        }
        if (!history && !as_of) {
          std::string etag = Quoted(s->version);
          if (auto r = NotModified(request, etag)) return *r;
          return WithETag(JsonResponse(200, SynergyBody(*s)), etag);
        }
      }
      Result<std::vector<RecordedEvent>> events = store_.ReadStream(SynergyStream(sid), 1);
      if (!events.ok()) return Problem(events.error());
      if (history) {
        json list = json::array();
        for (const RecordedEvent& e : *events) list.push_back(RenderEnvelope(e));
        return JsonResponse(200, {{"stream", SynergyStream(sid)}, {"events", std::move(list)}});
      }
      SynergyState then = SynergyAsOf(*events, *as_of);
      if (!then.exists()) {
        return Problem(Err(ErrorCode::kNotFound, "synergy " + sid + " did not exist yet"));
      }
      std::string etag = Quoted(then.version);
      if (auto r = NotModified(request, etag)) return *r;
      return WithETag(JsonResponse(200, RenderSynergy(then)), etag);
    }
    case Endpoint::kVerify: {
      if (Result<Query> q = ParseQuery(route.query, {}); !q.ok()) return BadRequest(q.error());
      if (caller.role != Role::kAdmin && caller.role != Role::kManager) {
        return Problem(Err(ErrorCode::kForbidden, "only admins and managers may verify"));
      }
      Result<VerifyReport> report = VerifyChain(store_);
      if (!report.ok()) return Problem(report.error());
      json body = {{"ok", report->ok},
                   {"checked", report->checked},
                   {"head_position", report->head.position},
                   {"head_hash", ToHex(report->head.hash)}};
      if (report->first_bad_position) body["first_bad_position"] = *report->first_bad_position;
      return JsonResponse(200, body);
    }
    default:
      return Problem(Err(ErrorCode::kNotFound, "no such path"));
  }
}

std::shared_ptr<const std::string> Service::SynergyBody(const SynergyState& s) {
  std::string key = s.identification.id + '\0' + std::to_string(s.version);
  std::shared_ptr<const std::string> body = synergy_bodies_.Find(key);
  if (!body) {
    body = std::make_shared<const std::string>(RenderJson(RenderSynergy(s)));
    synergy_bodies_.Put(key, body);
  }
  return body;
}

// ---- KPIs -----------------------------------------------------------------------

HttpResponse Service::Kpis(const Route& route, const HttpRequest& request, const Caller& caller) {
  Result<Query> q = ParseQuery(route.query,
                               {"programme", "region", "from", "to", "as_of", "group_by", "format"},
                               {"programme"});
  if (!q.ok()) return BadRequest(q.error());
  KpiQuery query;
  for (std::string_view name : {"from", "to"}) {
    if (auto v = q->One(name)) {
      std::optional<Date> d = Date::Parse(*v);
      if (!d) return BadRequest(BadParameter(std::string(name), "must be a date YYYY-MM-DD"));
      (name == "from" ? query.from : query.to) = d;
    }
  }
  if (query.from && query.to && *query.from > *query.to) {
    return BadRequest(BadParameter("from", "must not lie after to"));
  }
  Result<std::optional<Timestamp>> given = AsOfParameter(*q);
  if (!given.ok()) return BadRequest(given.error());
  const std::optional<Timestamp> as_of = *given;
  if (auto v = q->One("group_by"); v && !(query.group_by = ParseEnum<KpiGrouping>(*v))) {
    return BadRequest(
        BadParameter("group_by", "must be year, programme, region, resource, kind or stage"));
  }
  bool csv = false;
  if (auto v = q->One("format")) {
    if (*v != "json" && *v != "csv") return BadRequest(BadParameter("format", "must be json or csv"));
    csv = *v == "csv";
  } else if (auto accept = request.Header("accept")) {
    csv = PrefersCsv(*accept);
  }
  query.region = q->One("region");
  std::vector<std::string> programmes = q->All("programme");
  std::sort(programmes.begin(), programmes.end());
  programmes.erase(std::unique(programmes.begin(), programmes.end()), programmes.end());

  std::shared_lock lock(models_mu_);
  for (const std::string& p : programmes) {
    if (!models_.FindProgramme(p)) {
      return Problem(Err(ErrorCode::kNotFound, "no programme " + p, "programme"));
    }
  }
  for (const std::string& p : programmes) {
    if (!caller.Sees(p)) {
      return Problem(Err(ErrorCode::kForbidden, "programme " + p + " is outside the token's scope",
                         "programme"));
    }
  }
  if (!programmes.empty()) {
    query.programmes = std::move(programmes);
  } else if (caller.role != Role::kAdmin && !caller.programmes.empty()) {
    std::vector<std::string> scope = caller.programmes;
    std::sort(scope.begin(), scope.end());
    query.programmes = std::move(scope);
  }
  const KpiProjection& kpis = models_.kpis();
  query.position = as_of ? kpis.PositionAt(*as_of) : kpis.position();

  // The ETag names the position and everything in the request that shapes
  // the reply's figures and format.
  std::string key = std::to_string(query.position) + (csv ? "|csv|" : "|json|");
  if (query.programmes) {
    for (const std::string& p : *query.programmes) key += p + ",";
  } else {
    key += "*";
  }
  key += "|" + (query.region ? "r" + *query.region : std::string("-"));
  key += "|" + (query.from ? query.from->ToString() : std::string("-"));
  key += "|" + (query.to ? query.to->ToString() : std::string("-"));
  key += "|" + (query.group_by ? std::string(ToString(*query.group_by)) : std::string("-"));
  std::string etag = "\"k" + ToHex(Sha256(key)).substr(0, 24) + "\"";
  if (auto r = NotModified(request, etag)) return *r;

  // The rendered body is cached and sent from the cache; a JSON body is
  // cached without its start, which carries the reply's as_of.
  const Timestamp echoed = as_of ? *as_of : clock_();
  std::shared_ptr<const std::string> cached = kpi_bodies_.Find(key);
  if (!cached) {
    const KpiReport report = kpis.Compute(query);
    cached = std::make_shared<const std::string>(
        csv ? RenderKpiCsv(report, query.group_by)
            : KpiJsonTail(RenderKpiJson(report, query.group_by, echoed)));
    kpi_bodies_.Put(key, cached);
  }
  lock.unlock();

  HttpResponse r;
  r.shared_body = std::move(cached);
  if (csv) {
    r.Set("Content-Type", "text/csv; charset=utf-8");
  } else {
    r.Set("Content-Type", "application/json");
    r.body = KpiJsonHead(echoed);
  }
  return WithETag(std::move(r), etag);
}

// ---- The events feed ------------------------------------------------------------

Result<json> Service::RunFeed(const FeedQuery& query, std::uint64_t* last_position) {
  json events = json::array();
  std::uint64_t after = query.after;
  std::uint64_t head = store_.Head().position;
  bool filtered = query.programme.has_value() ||
                  (query.caller.role != Role::kAdmin && !query.caller.programmes.empty());
  while (after < head && events.size() < query.limit) {
    std::size_t page = filtered ? 1000 : query.limit - events.size();
    Result<std::vector<RecordedEvent>> read = store_.ReadLog(after, page);
    if (!read.ok()) return read.error();
    if (read->empty()) break;
    for (const RecordedEvent& e : *read) {
      after = e.position;
      std::string programme;
      if (std::string_view p = StreamId(e.stream, "programme-"); !p.empty()) {
        programme = p;
      } else if (std::string_view s = StreamId(e.stream, "synergy-"); !s.empty()) {
        std::shared_lock lock(models_mu_);
        const SynergyState* state = models_.FindSynergy(s);
        if (state) programme = state->identification.programme;
      }
      bool match = query.caller.Sees(programme) && (!query.programme || *query.programme == programme);
      if (match) events.push_back(RenderEnvelope(e));
      if (events.size() >= query.limit) break;
    }
  }
  *last_position = after;
  return events;
}

void Service::Feed(const HttpRequest& request, const Caller& caller, Reply reply) {
  std::string_view target = request.target;
  std::size_t qmark = target.find('?');
  Result<Query> q = ParseQuery(qmark == std::string_view::npos ? "" : target.substr(qmark + 1),
                               {"after", "limit", "programme", "wait"});
  if (!q.ok()) return reply(BadRequest(q.error()));
  FeedQuery query;
  query.caller = caller;
  std::uint64_t wait = 0;
  if (auto v = q->One("after")) {
    auto n = ParseUnsigned(*v);
    if (!n) return reply(BadRequest(BadParameter("after", "must be an integer >= 0")));
    query.after = *n;
  }
  if (auto v = q->One("limit")) {
    auto n = ParseUnsigned(*v);
    if (!n || *n < 1) return reply(BadRequest(BadParameter("limit", "must be an integer >= 1")));
    query.limit = static_cast<std::size_t>(std::min<std::uint64_t>(*n, 1000));
  }
  if (auto v = q->One("wait")) {
    auto n = ParseUnsigned(*v);
    if (!n) return reply(BadRequest(BadParameter("wait", "must be an integer >= 0")));
    wait = std::min<std::uint64_t>(*n, 30);
  }
  if (auto v = q->One("programme")) {
    std::shared_lock lock(models_mu_);
    if (!models_.FindProgramme(*v)) {
      return reply(Problem(Err(ErrorCode::kNotFound, "no programme " + *v, "programme")));
    }
    query.programme = *v;
  }
  if (caller.role != Role::kAdmin && caller.role != Role::kManager) {
    return reply(Problem(Err(ErrorCode::kForbidden, "only admins and managers read the feed")));
  }
  if (query.programme && !caller.Sees(*query.programme)) {
    return reply(Problem(Err(ErrorCode::kForbidden, "this programme is outside the token's scope")));
  }
  std::uint64_t last = 0;
  Result<json> events = RunFeed(query, &last);
  if (!events.ok()) return reply(Problem(events.error()));
  if (!events->empty() || wait == 0) {
    return reply(JsonResponse(200, {{"events", std::move(*events)}, {"last_position", last}}));
  }
  std::lock_guard lock(waiters_mu_);
  if (stopping_) {
    return reply(JsonResponse(200, {{"events", json::array()}, {"last_position", last}}));
  }
  waiters_.push_back(Waiter{std::move(query),
                            std::chrono::steady_clock::now() + std::chrono::seconds(wait),
                            std::move(reply)});
  ++waiters_added_;
  waiters_cv_.notify_all();
}

// Answers long polls: when a commit wakes it, each waiter whose query now
// matches; when a deadline passes, that waiter with what there is.
void Service::RunWaiters() {
  std::unique_lock lock(waiters_mu_);
  std::uint64_t seen = woken_position_;
  for (;;) {
    // Sleep until a commit, a new waiter (whose deadline may come first), the
    // earliest deadline, or the stop.
    auto next = std::chrono::steady_clock::now() + std::chrono::hours(1);
    for (const Waiter& w : waiters_) next = std::min(next, w.deadline);
    std::uint64_t added = waiters_added_;
    waiters_cv_.wait_until(lock, next, [&] {
      return stopping_ || woken_position_ != seen || waiters_added_ != added ||
             std::chrono::steady_clock::now() >= next;
    });
    bool stopping = stopping_;
    seen = woken_position_;
    std::list<Waiter> pending;
    pending.swap(waiters_);
    lock.unlock();
    auto now = std::chrono::steady_clock::now();
    std::list<Waiter> still;
    for (Waiter& w : pending) {
      std::uint64_t last = 0;
      Result<json> events = RunFeed(w.query, &last);
      if (!events.ok()) {
        w.reply(Problem(events.error()));
      } else if (!events->empty() || w.deadline <= now || stopping) {
        w.reply(JsonResponse(200, {{"events", std::move(*events)}, {"last_position", last}}));
      } else {
        still.push_back(std::move(w));
      }
    }
    lock.lock();
    waiters_.splice(waiters_.end(), still);
    if (stopping && waiters_.empty()) return;
  }
}

}  // namespace synergy::api
