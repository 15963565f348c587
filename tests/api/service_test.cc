// The service without sockets: routing, precedence, replies.
#include "api/service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <future>
#include <thread>
#include <vector>

#include "api/checkpoints.h"
#include "api/render.h"
#include "infra/hash_chain.h"
#include "infra/memory_store.h"
#include "tests/infra/store_fixtures.h"

namespace synergy::api {
namespace {

using nlohmann::json;

// The value of a response's header `name` ("" when absent).
std::string HeaderOf(const HttpResponse& r, std::string_view name) {
  for (const auto& [key, value] : r.headers) {
    if (key == name) return value;
  }
  return "";
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tokens_.Create(Sha256("admin-secret"), {"admin", "admin", {}}).ok());
    ASSERT_TRUE(tokens_.Create(Sha256("fac-secret"), {"fac", "facilitator", {}}).ok());
    service_ = std::make_unique<Service>(*store_, tokens_, [](std::function<void()> f) { f(); });
    ASSERT_TRUE(service_->Start().ok());
    service_->WaitUntilReady();
  }

  HttpResponse Call(std::string method, std::string target, std::string token = "admin-secret",
                    std::string body = "", std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest r{std::move(method), std::move(target), std::move(headers), std::move(body)};
    if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
    if (!r.body.empty()) r.headers.emplace_back("content-type", "application/json");
    std::promise<HttpResponse> done;
    service_->Handle(std::move(r), [&done](HttpResponse resp) { done.set_value(std::move(resp)); });
    return done.get_future().get();
  }
  static std::string Type(const HttpResponse& r) { return json::parse(r.Body())["type"]; }

  std::unique_ptr<LogStore> store_ = NewMemoryStore();
  MemoryTokenStore tokens_;
  std::unique_ptr<Service> service_;
};

constexpr const char* kProgramme =
    R"({"id":"ziri","name":"ZIRI","region":"NA","department":"33","facilitator_org":"T","started_on":"2016-01-01"})";

TEST_F(ServiceTest, RouteLabels) {
  EXPECT_EQ(Service::RouteOf("GET", "/v1/synergies/s1?as_of=2020-01-01"), "/v1/synergies/{sid}");
  EXPECT_EQ(Service::RouteOf("POST", "/v1/synergies/s1/measurements/m1/correction"),
            "/v1/synergies/{sid}/measurements/{mid}/correction");
  EXPECT_EQ(Service::RouteOf("GET", "/v1/synergies/S1"), "unmatched");
  EXPECT_EQ(Service::RouteOf("GET", "/v1/programmes/"), "unmatched");
}

TEST_F(ServiceTest, PrecedenceOfErrors) {
  // 400 (body) comes before 403 (role).
  EXPECT_EQ(Call("POST", "/v1/programmes", "fac-secret", "{").status, 400);
  EXPECT_EQ(Call("POST", "/v1/programmes", "fac-secret", kProgramme).status, 403);
  // 404 for an unknown resource in the path comes before 422 values.
  EXPECT_EQ(Call("POST", "/v1/synergies/none/study", "admin-secret", "{}").status, 404);
  ASSERT_EQ(Call("POST", "/v1/programmes", "admin-secret", kProgramme).status, 201);
  // 412 before 422 values.
  EXPECT_EQ(Call("POST", "/v1/programmes/ziri/companies", "admin-secret", R"({"x":1})",
                 {{"if-match", "\"9\""}}).status, 412);
  EXPECT_EQ(Call("POST", "/v1/programmes/ziri/companies", "admin-secret", R"({"x":1})").status, 422);
  // 415 for a command without a JSON content type.
  HttpRequest r{"POST", "/v1/programmes/ziri/companies", {{"authorization", "Bearer admin-secret"},
                                                          {"content-type", "text/plain"}}, "{}"};
  std::promise<HttpResponse> done;
  service_->Handle(r, [&done](HttpResponse resp) { done.set_value(std::move(resp)); });
  EXPECT_EQ(done.get_future().get().status, 415);
  // 413 comes after 401, 404 and 405.
  std::promise<HttpResponse> big;
  service_->Handle(HttpRequest{"POST", "/v1/nowhere", {{"authorization", "Bearer admin-secret"}}, ""},
                   [&big](HttpResponse resp) { big.set_value(std::move(resp)); }, true);
  EXPECT_EQ(big.get_future().get().status, 404);
}

TEST_F(ServiceTest, CommandReplyAndRead) {
  HttpResponse created = Call("POST", "/v1/programmes", "admin-secret", kProgramme);
  ASSERT_EQ(created.status, 201);
  // Written by hand, the reply reads as the JSON renderer would write it.
  EXPECT_EQ(created.Body(), R"({"id":"ziri","position":1,"stream":"programme-ziri","version":1})");
  json body = json::parse(created.Body());
  EXPECT_EQ(RenderJson(body), created.Body());
  EXPECT_EQ(body["position"], 1);
  EXPECT_EQ(body["stream"], "programme-ziri");
  ASSERT_EQ(Call("POST", "/v1/programmes/ziri/companies", "admin-secret", R"({"id":"acme","name":"A"})")
                .status, 201);
  ASSERT_EQ(Call("POST", "/v1/programmes/ziri/companies", "admin-secret", R"({"id":"bois","name":"B"})")
                .status, 201);
  HttpResponse synergy = Call("POST", "/v1/programmes/ziri/synergies", "admin-secret",
                              R"({"id":"s1","title":"T","kind":"substitution","resource":"waste","occurred_on":"2017-01-01",
                                  "participants":[{"company_id":"acme","role":"provider"},{"company_id":"bois","role":"receiver"}]})");
  ASSERT_EQ(synergy.status, 201);
  EXPECT_EQ(synergy.Body(),
            R"({"id":"s1","position":4,"stage":"identified","stream":"synergy-s1","version":1})");
  EXPECT_EQ(HeaderOf(synergy, "ETag"), "\"1\"");
  HttpResponse read = Call("GET", "/v1/programmes/ziri");
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(json::parse(read.Body())["facilitator_org"], "T");
  EXPECT_EQ(Type(Call("GET", "/v1/programmes/ziri", "")), "unauthorized");
}

TEST_F(ServiceTest, AsOfWithAnOffsetSentUnescaped) {
  ASSERT_EQ(Call("POST", "/v1/programmes", "admin-secret", kProgramme).status, 201);
  // '+' in a query is a space once decoded; in an offset it is read back as '+'.
  for (const char* offset : {"+02:00", "%2B02:00"}) {
    HttpResponse r = Call("GET", std::string("/v1/kpis?as_of=2000-01-01T10:00:00") + offset);
    ASSERT_EQ(r.status, 200) << offset;
    EXPECT_EQ(json::parse(r.Body())["as_of"], "2000-01-01T08:00:00.000000Z");
    EXPECT_EQ(json::parse(r.Body())["position"], 0);
  }
  EXPECT_EQ(Call("GET", "/v1/kpis?as_of=2000-01-01T10:00:00-02:00").status, 200);
  // The synergy's as_of is read the same way: the unknown synergy is found
  // missing only once the parameter has been accepted.
  EXPECT_EQ(Type(Call("GET", "/v1/synergies/s1?as_of=2000-01-01T10:00:00+02:00")), "not-found");
  for (const char* bad : {"2000-01-01T10:00:00+02", "2000-01-01 10:00:00Z", "2000-01-01T10:00:00"}) {
    HttpResponse r = Call("GET", std::string("/v1/kpis?as_of=") + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(json::parse(r.Body())["errors"][0]["field"], "as_of");
    EXPECT_EQ(Type(Call("GET", std::string("/v1/synergies/s1?as_of=") + bad)), "validation") << bad;
  }
}

TEST_F(ServiceTest, QueryValuesArePercentDecodedUtf8) {
  ASSERT_EQ(Call("POST", "/v1/programmes", "admin-secret",
                 R"({"id":"ca","name":"CA","region":"C\u00f4te d'Azur","department":"06",)"
                 R"("facilitator_org":"T","started_on":"2016-01-01"})").status, 201);
  ASSERT_EQ(Call("POST", "/v1/programmes/ca/companies", "admin-secret", R"({"id":"acme","name":"C"})")
                .status, 201);
  // A region written in UTF-8, percent-encoded, with '+' for a space.
  auto enrolled = [this](std::string query) {
    HttpResponse r = Call("GET", "/v1/kpis?" + query);
    EXPECT_EQ(r.status, 200) << query;
    return json::parse(r.Body())["totals"]["companies_enrolled"].get<int>();
  };
  EXPECT_EQ(enrolled("region=C%C3%B4te+d%27Azur"), 1);
  EXPECT_EQ(enrolled("region=C%C3%B4te"), 0);
  // Bytes that are not UTF-8 once decoded (a Latin-1 ô, an overlong '/', a
  // surrogate, a truncated sequence), and broken escapes: 400, naming the
  // parameter.
  for (const char* bad : {"C%F4te", "%C0%AF", "%ED%A0%80", "C%C3", "%zz", "%4"}) {
    HttpResponse r = Call("GET", std::string("/v1/kpis?region=") + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(Type(r), "validation") << bad;
    EXPECT_EQ(json::parse(r.Body())["errors"][0]["field"], "region") << bad;
  }
  EXPECT_EQ(Call("GET", "/v1/events?programme=%FF").status, 400);
  // The largest code point is still UTF-8; one past it is not.
  EXPECT_EQ(enrolled("region=%F4%8F%BF%BF"), 0);
  EXPECT_EQ(Call("GET", "/v1/kpis?region=%F4%90%80%80").status, 400);
}

TEST_F(ServiceTest, AParameterGivenTwiceIsRefusedUnlessItMayRepeat) {
  ASSERT_EQ(Call("GET", "/v1/events?after=0&limit=5").status, 200);
  for (const char* target :
       {"/v1/events?after=1&after=2", "/v1/events?limit=1&wait=0&limit=1", "/v1/synergies?kind=a&kind=b",
        "/v1/synergies?programme=ziri&programme=ziri", "/v1/synergies/s1?as_of=2020-01-01&as_of=2020-01-01",
        "/v1/kpis?group_by=year&group_by=year", "/v1/kpis?region=A&region=B"}) {
    HttpResponse r = Call("GET", target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(Type(r), "validation") << target;
    json body = json::parse(r.Body());
    std::string query = std::string(target).substr(std::string(target).find('?') + 1);
    EXPECT_EQ(body["errors"][0]["field"], query.substr(0, query.find('='))) << target;
    EXPECT_EQ(body["errors"][0]["message"], "given more than once") << target;
  }
  // The KPIs' programme filter is the one parameter that repeats.
  ASSERT_EQ(Call("POST", "/v1/programmes", "admin-secret", kProgramme).status, 201);
  EXPECT_EQ(Call("GET", "/v1/kpis?programme=ziri&programme=ziri").status, 200);
}

// The list is rendered in slices of 64 synergies with the lock let go
// between them; each synergy appears once, in id order, whatever the slices.
class SynergyListTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    ASSERT_EQ(Call("POST", "/v1/programmes", "admin-secret", kProgramme).status, 201);
    for (const char* c : {"acme", "bois"}) {
      ASSERT_EQ(Call("POST", "/v1/programmes/ziri/companies", "admin-secret",
                     std::string(R"({"id":")") + c + R"(","name":"C"})").status, 201);
    }
  }
  HttpResponse Identify(const std::string& id, bool pooled) {
    std::string participants =
        pooled ? R"([{"company_id":"acme","role":"member"},{"company_id":"bois","role":"member"}])"
               : R"([{"company_id":"acme","role":"provider"},{"company_id":"bois","role":"receiver"}])";
    return Call("POST", "/v1/programmes/ziri/synergies", "admin-secret",
                R"({"id":")" + id + R"(","title":"T","kind":")" + (pooled ? "mutualisation" : "substitution") +
                    R"(","resource":"waste","occurred_on":"2017-01-01","participants":)" + participants + "}");
  }
  // "s042" for ('s', 42): a prefix and three digits.
  static std::string Id(char prefix, int n) {
    char id[16];
    std::snprintf(id, sizeof id, "%c%03d", prefix, n);
    return id;
  }
  std::vector<std::string> ListedIds(const std::string& query = "") {
    HttpResponse r = Call("GET", "/v1/synergies" + query);
    EXPECT_EQ(r.status, 200) << r.Body();
    std::vector<std::string> ids;
    const json body = json::parse(r.Body());
    for (const json& s : body["synergies"]) ids.push_back(s["id"]);
    return ids;
  }
};

TEST_F(SynergyListTest, AListOfManySlicesHoldsEachSynergyOnceInIdOrder) {
  std::vector<std::string> ids;
  for (int i = 0; i < 150; ++i) {
    ids.push_back(Id('s', (i * 37) % 150));  // created out of id order
    ASSERT_EQ(Identify(ids.back(), (i * 37) % 150 % 3 == 0).status, 201) << ids.back();
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ListedIds(), ids);
  // Filters apply across the slices: every third id is a mutualisation.
  std::vector<std::string> pooled;
  for (std::size_t i = 0; i < ids.size(); i += 3) pooled.push_back(ids[i]);
  EXPECT_EQ(ListedIds("?kind=mutualisation"), pooled);
  EXPECT_EQ(ListedIds("?kind=substitution&programme=ziri").size(), 100u);
  // Each listed synergy reads as GET /v1/synergies/{sid} reads it.
  json list = json::parse(Call("GET", "/v1/synergies").Body())["synergies"];
  ASSERT_EQ(list.size(), 150u);
  for (std::size_t i : {0u, 63u, 64u, 65u, 128u, 149u}) {
    EXPECT_EQ(list[i], json::parse(Call("GET", "/v1/synergies/" + ids[i]).Body())) << i;
  }
}

TEST_F(SynergyListTest, ListsTakenWhileSynergiesAreCreatedMissNoneThatExistedBefore) {
  std::vector<std::string> before;
  for (int i = 0; i < 100; ++i) {
    before.push_back(Id('b', 100 + i));
    ASSERT_EQ(Identify(before.back(), false).status, 201);
  }
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) EXPECT_EQ(Identify(Id('a', 100 + i), i % 2 == 1).status, 201);
    writing = false;
  });
  std::size_t lists = 0, newest = 0;
  while (writing || lists < 3) {
    std::vector<std::string> ids = ListedIds();
    ++lists;
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end()) << "an id listed twice";
    EXPECT_TRUE(std::includes(ids.begin(), ids.end(), before.begin(), before.end()));
    std::size_t created = ids.size() - before.size();
    EXPECT_GE(created, newest) << "a later list holds fewer new synergies";
    newest = created;
  }
  writer.join();
  EXPECT_EQ(ListedIds().size(), 300u);
}

TEST_F(ServiceTest, KpiFormatFollowsTheAcceptHeaderWeights) {
  auto type = [this](std::string accept) {
    HttpResponse r = Call("GET", "/v1/kpis", "admin-secret", "", {{"accept", accept}});
    EXPECT_EQ(r.status, 200) << accept;
    return HeaderOf(r, "Content-Type").substr(0, 8) == "text/csv" ? "csv" : "json";
  };
  EXPECT_STREQ(type("text/csv"), "csv");
  EXPECT_STREQ(type("Text/CSV; charset=utf-8"), "csv");
  EXPECT_STREQ(type("application/json;q=0.9, text/csv"), "csv");
  EXPECT_STREQ(type("text/csv, */*;q=0.1"), "csv");
  EXPECT_STREQ(type("text/csv, application/json"), "csv");  // equal: the one named
  EXPECT_STREQ(type("text/*"), "csv");
  EXPECT_STREQ(type("text/csv;q=0.5, application/json"), "json");
  EXPECT_STREQ(type("text/csv;q=0"), "json");  // not acceptable
  EXPECT_STREQ(type("text/csv;q=0, text/*"), "json");
  EXPECT_STREQ(type("text/*, application/json"), "json");
  EXPECT_STREQ(type("*/*"), "json");
  EXPECT_STREQ(type("text/csv;q=2, application/json;q=0.5"), "json");  // broken weight: skipped
  EXPECT_STREQ(type("text/csv;q=0.001 , application/json;q=0"), "csv");
  // format= wins over Accept.
  HttpResponse r = Call("GET", "/v1/kpis?format=json", "admin-secret", "", {{"accept", "text/csv"}});
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/json");
}

TEST_F(ServiceTest, IntegersPastTheirTypeAreStillIntegers) {
  ASSERT_EQ(Call("POST", "/v1/programmes", "admin-secret", kProgramme).status, 201);
  const std::string huge = "99999999999999999999999";  // over 2^64
  // Lowered to their caps, as any limit or wait above them.
  HttpResponse feed = Call("GET", "/v1/events?limit=" + huge + "&wait=" + huge);
  ASSERT_EQ(feed.status, 200);
  EXPECT_EQ(json::parse(feed.Body())["events"].size(), 1u);
  HttpResponse past = Call("GET", "/v1/events?after=" + huge);
  ASSERT_EQ(past.status, 200);
  EXPECT_TRUE(json::parse(past.Body())["events"].empty());
  // A version the stream is not at: 412, nothing written.
  HttpResponse late = Call("POST", "/v1/programmes/ziri/companies", "admin-secret",
                           R"({"id":"c1","name":"C"})", {{"if-match", "\"" + huge + "\""}});
  EXPECT_EQ(Type(late), "version-conflict");
  EXPECT_EQ(json::parse(Call("GET", "/v1/programmes/ziri").Body())["version"], 1);
  for (const char* bad : {"-1", "+1", "1.0", "1e3", " 1"}) {
    EXPECT_EQ(Call("GET", std::string("/v1/events?limit=") + bad).status, 400) << bad;
  }
}

// A memory backend whose writes fail while `failing` is set.
class FlakyBackend final : public testing::SharedBackend {
 public:
  FlakyBackend() : SharedBackend(NewMemoryBackend()) {}
  std::atomic<bool> failing{false};
  Status Write(const CommitBatch& b) override {
    if (failing) return MakeError(ErrorCode::kUnavailable, "disk full");
    return SharedBackend::Write(b);
  }
};

TEST(ServiceUnavailable, StorageRefusingWritesIs503WithRetryAfterAndNothingWritten) {
  auto backend = std::make_unique<FlakyBackend>();
  FlakyBackend* flaky = backend.get();
  std::unique_ptr<LogStore> store = LogStore::Open(std::move(backend)).value();
  MemoryTokenStore tokens;
  ASSERT_TRUE(tokens.Create(Sha256("s"), {"admin", "admin", {}}).ok());
  Service service(*store, tokens, [](std::function<void()> f) { f(); });
  ASSERT_TRUE(service.Start().ok());
  service.WaitUntilReady();
  auto call = [&](const char* method, const char* target, std::string body) {
    HttpRequest r{method, target, {{"authorization", "Bearer s"}}, std::move(body)};
    if (!r.body.empty()) r.headers.emplace_back("content-type", "application/json");
    std::promise<HttpResponse> done;
    service.Handle(std::move(r), [&done](HttpResponse resp) { done.set_value(std::move(resp)); });
    return done.get_future().get();
  };
  flaky->failing = true;
  HttpResponse refused = call("POST", "/v1/programmes", kProgramme);
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(json::parse(refused.Body())["type"], "unavailable");
  EXPECT_EQ(HeaderOf(refused, "Retry-After"), "1");
  EXPECT_EQ(store->Head().position, 0u);
  EXPECT_EQ(call("GET", "/v1/programmes/ziri", "").status, 404);  // reads keep working
  flaky->failing = false;
  EXPECT_EQ(call("POST", "/v1/programmes", kProgramme).status, 201);
  EXPECT_EQ(store->Head().position, 1u);
}


// ---- Checkpoints -------------------------------------------------------------------

class CheckpointTest : public ServiceTest {
 protected:
  // The service saves into checkpoints_, which goes before the base's members.
  void TearDown() override { service_.reset(); }
  void Restart() {
    service_.reset();  // saves the checkpoint
    service_ = std::make_unique<Service>(*store_, tokens_, [](std::function<void()> f) { f(); },
                                         SystemNow, &checkpoints_);
    ASSERT_TRUE(service_->Start().ok());
    service_->WaitUntilReady();
  }
  void Populate() {
    ASSERT_EQ(Call("POST", "/v1/programmes", "admin-secret", kProgramme).status, 201);
    for (const char* c : {"acme", "bois"}) {
      ASSERT_EQ(Call("POST", "/v1/programmes/ziri/companies", "admin-secret",
                     std::string(R"({"id":")") + c + R"(","name":"C"})").status, 201);
    }
    ASSERT_EQ(Call("POST", "/v1/programmes/ziri/synergies", "admin-secret",
                   R"({"id":"s1","title":"T","kind":"substitution","resource":"waste","occurred_on":"2017-01-01",
                       "participants":[{"company_id":"acme","role":"provider"},{"company_id":"bois","role":"receiver"}]})")
                  .status, 201);
  }
  std::string Kpis() { return json::parse(Call("GET", "/v1/kpis?group_by=stage").Body())["groups"].dump(); }

  MemoryCheckpointStore checkpoints_;
};

TEST_F(CheckpointTest, ShutdownSavesTheModelsAndStartUpFoldsOnlyTheTail) {
  Restart();  // now with checkpoints
  Populate();
  const std::string programme = Call("GET", "/v1/programmes/ziri").Body();
  const std::string kpis = Kpis();
  Restart();
  Result<std::optional<Checkpoint>> saved = checkpoints_.Get(kReadModelsCheckpoint);
  ASSERT_TRUE(saved.ok() && saved->has_value());
  EXPECT_EQ((*saved)->position, store_->Head().position);
  EXPECT_EQ((*saved)->format, ReadModels::kFormatVersion);
  EXPECT_EQ(Call("GET", "/v1/programmes/ziri").Body(), programme);
  EXPECT_EQ(Kpis(), kpis);

  // A checkpoint behind the head: the tail is folded on top of it.
  ReadModels behind;
  ASSERT_TRUE(store_->Replay(0, [&](const RecordedEvent& e) {
    if (e.position <= 2) behind.Apply(e);
    return e.position < 2;
  }).ok());
  ASSERT_TRUE(checkpoints_.Put(kReadModelsCheckpoint, MakeCheckpoint(behind)).ok());
  service_.reset();
  ASSERT_TRUE(checkpoints_.Put(kReadModelsCheckpoint, MakeCheckpoint(behind)).ok());
  service_ = std::make_unique<Service>(*store_, tokens_, [](std::function<void()> f) { f(); },
                                       SystemNow, &checkpoints_);
  ASSERT_TRUE(service_->Start().ok());
  service_->WaitUntilReady();
  EXPECT_EQ(Call("GET", "/v1/programmes/ziri").Body(), programme);
  EXPECT_EQ(Kpis(), kpis);
}

TEST_F(CheckpointTest, ACheckpointOfAnotherFormatOrDamagedIsIgnored) {
  Restart();
  Populate();
  const std::string kpis = Kpis();
  for (Checkpoint bad : {Checkpoint{store_->Head().position, ReadModels::kFormatVersion + 1, "x"},
                         Checkpoint{store_->Head().position, ReadModels::kFormatVersion, "garbage"},
                         Checkpoint{store_->Head().position + 5, ReadModels::kFormatVersion, ""}}) {
    service_.reset();
    ASSERT_TRUE(checkpoints_.Put(kReadModelsCheckpoint, bad).ok());
    service_ = std::make_unique<Service>(*store_, tokens_, [](std::function<void()> f) { f(); },
                                         SystemNow, &checkpoints_);
    ASSERT_TRUE(service_->Start().ok());
    service_->WaitUntilReady();
    EXPECT_EQ(Kpis(), kpis);
    EXPECT_EQ(json::parse(Call("GET", "/v1/programmes/ziri").Body())["companies"].size(), 2u);
  }
}

}  // namespace
}  // namespace synergy::api
