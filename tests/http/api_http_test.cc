// The HTTP API over real loopback sockets against a real synergyd.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/http/http_client.h"
#include "tests/http/schema_check.h"
#include "tests/http/server_process.h"

namespace synergy::testing {
namespace {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

class ApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new ServerProcess(); }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->Stop(), 0) << "synergyd did not stop cleanly";
    delete server_;
  }
  void TearDown() override { EXPECT_TRUE(server_->Alive()) << "the server went down"; }

  static Headers Auth(const std::string& token, Headers extra = {}) {
    extra.emplace_back("Authorization", "Bearer " + token);
    return extra;
  }
  static const std::string& Admin() { return server_->admin_token(); }

  Reply Get(const std::string& target, const std::string& token, Headers extra = {}) {
    Connection c(server_->port());
    return c.Request("GET", target, Auth(token, std::move(extra)));
  }
  Reply Post(const std::string& target, const json& body, const std::string& token,
             Headers extra = {}) {
    Connection c(server_->port());
    return c.Request("POST", target, Auth(token, std::move(extra)), body.dump());
  }
  Reply PostRaw(const std::string& target, const std::string& body, const std::string& token,
                Headers extra = {}, bool json_type = true) {
    Connection c(server_->port());
    return c.Request("POST", target, Auth(token, std::move(extra)), body, json_type);
  }

  // The log's head position, through /v1/audit/verify.
  std::uint64_t HeadPosition() {
    return Get("/v1/audit/verify", Admin()).Json()["head_position"].get<std::uint64_t>();
  }

  static std::string Unique(const std::string& prefix) {
    static std::atomic<int> n{0};
    return prefix + std::to_string(++n);
  }

  // A programme with companies acme, bois, cafe; returns its id.
  std::string NewProgramme() {
    std::string pid = Unique("p");
    EXPECT_EQ(Post("/v1/programmes", ProgrammeBody(pid), Admin()).status, 201);
    for (const char* c : {"acme", "bois", "cafe"}) {
      EXPECT_EQ(Post("/v1/programmes/" + pid + "/companies", {{"id", c}, {"name", c}}, Admin()).status,
                201);
    }
    return pid;
  }
  static json ProgrammeBody(const std::string& pid) {
    return {{"id", pid}, {"name", "ZIRI"}, {"region", "Nouvelle-Aquitaine"}, {"department", "33"},
            {"facilitator_org", "Bordeaux Technowest"}, {"started_on", "2016-01-01"}};
  }
  static json SynergyBody(const std::string& sid) {
    return {{"id", sid}, {"title", "Pallets to the joinery"}, {"kind", "substitution"},
            {"resource", "waste"}, {"occurred_on", "2017-01-01"},
            {"participants", {{{"company_id", "acme"}, {"role", "provider"}},
                              {{"company_id", "bois"}, {"role", "receiver"}}}}};
  }
  static json StudyBody(const char* decision = "go") {
    return {{"occurred_on", "2017-02-01"}, {"aspects", {{"technical", "a forklift"}}},
            {"decision", decision}, {"estimated", {{"savings_eur", 1000}, {"tonnes_recovered", 12}}}};
  }
  static json MeasurementBody(const std::string& id, const char* from, const char* to) {
    return {{"id", id}, {"period_from", from}, {"period_to", to},
            {"values", {{"savings_eur", 365}, {"co2e_avoided_t", 1.5}}}, {"method", "invoiced"}};
  }
  // A synergy in `pid`, studied (go) and operational since 2017-06-01.
  std::string OperationalSynergy(const std::string& pid) {
    std::string sid = Unique("s");
    EXPECT_EQ(Post("/v1/programmes/" + pid + "/synergies", SynergyBody(sid), Admin()).status, 201);
    EXPECT_EQ(Post("/v1/synergies/" + sid + "/study", StudyBody(), Admin()).status, 200);
    EXPECT_EQ(Post("/v1/synergies/" + sid + "/operation", {{"occurred_on", "2017-06-01"}}, Admin()).status,
              200);
    return sid;
  }
  std::string NewToken(const std::string& role, std::vector<std::string> programmes = {}) {
    Reply r = Post("/v1/tokens", {{"name", Unique(role + "-")}, {"role", role},
                                  {"programmes", programmes}}, Admin());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json()["token"].get<std::string>();
  }

  static ServerProcess* server_;
};

ServerProcess* ApiTest::server_ = nullptr;

// ---- Public paths ------------------------------------------------------------

TEST_F(ApiTest, PublicPathsNeedNoToken) {
  Connection c(server_->port());
  EXPECT_EQ(c.Request("GET", "/healthz").status, 200);
  EXPECT_EQ(c.Request("GET", "/readyz").status, 200);
  Reply metrics = c.Request("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("synergy_http_requests_total"), std::string::npos);
  EXPECT_NE(metrics.body.find("synergy_append_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.body.find("synergy_events_total"), std::string::npos);
  Reply openapi = c.Request("GET", "/v1/openapi.json");
  ASSERT_EQ(openapi.status, 200);
  json doc = openapi.Json();
  EXPECT_EQ(doc["openapi"], "3.1.0");
  for (const char* path : {"/v1/programmes", "/v1/programmes/{pid}", "/v1/programmes/{pid}/companies",
                           "/v1/programmes/{pid}/companies/{cid}/withdrawal",
                           "/v1/programmes/{pid}/diagnostics", "/v1/programmes/{pid}/synergies",
                           "/v1/synergies", "/v1/synergies/{sid}", "/v1/synergies/{sid}/history",
                           "/v1/synergies/{sid}/study", "/v1/synergies/{sid}/operation",
                           "/v1/synergies/{sid}/measurements",
                           "/v1/synergies/{sid}/measurements/{mid}/correction",
                           "/v1/synergies/{sid}/abandonment", "/v1/events", "/v1/audit/verify",
                           "/v1/tokens", "/v1/kpis", "/v1/admin/backup", "/healthz", "/readyz", "/metrics", "/v1/openapi.json"}) {
    EXPECT_TRUE(doc["paths"].contains(path)) << path;
  }
}

// Every reply of a lifecycle, commands, reads and problems alike, fits the
// schema the OpenAPI document gives for its path, method and status.
TEST_F(ApiTest, RepliesFitTheOpenApiDocument) {
  const json doc = Connection(server_->port()).Request("GET", "/v1/openapi.json").Json();
  SchemaChecker checker(doc);
  auto expect_fits = [&](const std::string& method, const std::string& path, const Reply& r) {
    const std::string status = std::to_string(r.status);
    SCOPED_TRACE(method + " " + path + " " + status + ": " + r.body.substr(0, 200));
    const json& responses = doc.at("paths").at(path).at(method).at("responses");
    ASSERT_TRUE(responses.contains(status)) << "the document lists no such reply";
    const bool problem = r.Header("content-type").rfind("application/problem+json", 0) == 0;
    const json& schema =
        responses.at(status).at("content").at(problem ? "application/problem+json" : "application/json").at("schema");
    EXPECT_EQ(checker.Violations(r.Json(), schema), std::vector<std::string>{});
  };
  auto post = [&](const std::string& path, const std::string& target, const json& body, int status) {
    Reply r = Post(target, body, Admin());
    EXPECT_EQ(r.status, status) << target << " " << r.body;
    expect_fits("post", path, r);
    if (r.status < 300 && path != "/v1/tokens") {
      EXPECT_EQ(r.Header("etag"), json(r.Json()["version"].dump()).dump()) << target;  // "7"
      EXPECT_TRUE(doc.at("paths").at(path).at("post").at("responses").at(std::to_string(r.status))
                      .at("headers").contains("ETag")) << path;
    }
  };
  auto get = [&](const std::string& path, const std::string& target, int status = 200) {
    Reply r = Get(target, Admin());
    EXPECT_EQ(r.status, status) << target << " " << r.body;
    expect_fits("get", path, r);
  };

  const std::string pid = Unique("p"), sid = Unique("s"), gone = Unique("s");
  post("/v1/programmes", "/v1/programmes", ProgrammeBody(pid), 201);
  for (const char* c : {"acme", "bois", "cafe"}) {
    post("/v1/programmes/{pid}/companies", "/v1/programmes/" + pid + "/companies",
         {{"id", c}, {"name", c}, {"siret", "73282932000074"}, {"employees", 12}}, 201);
  }
  post("/v1/programmes/{pid}/diagnostics", "/v1/programmes/" + pid + "/diagnostics",
       {{"company_id", "acme"}, {"performed_on", "2017-01-01"}, {"resources", {"waste", "energy"}}}, 200);
  post("/v1/programmes/{pid}/synergies", "/v1/programmes/" + pid + "/synergies", SynergyBody(sid), 201);
  post("/v1/synergies/{sid}/study", "/v1/synergies/" + sid + "/study", StudyBody(), 200);
  post("/v1/synergies/{sid}/operation", "/v1/synergies/" + sid + "/operation",
       {{"occurred_on", "2017-06-01"}, {"note", "first truck"}}, 200);
  post("/v1/synergies/{sid}/measurements", "/v1/synergies/" + sid + "/measurements",
       MeasurementBody("m1", "2018-01-01", "2018-12-31"), 201);
  post("/v1/synergies/{sid}/measurements/{mid}/correction",
       "/v1/synergies/" + sid + "/measurements/m1/correction",
       {{"values", {{"savings_eur", 400}}}, {"reason", "invoice found"}}, 200);
  post("/v1/programmes/{pid}/synergies", "/v1/programmes/" + pid + "/synergies", SynergyBody(gone), 201);
  post("/v1/synergies/{sid}/abandonment", "/v1/synergies/" + gone + "/abandonment",
       {{"occurred_on", "2017-03-01"}, {"reason_code", "economic"}, {"note", nullptr}}, 200);
  post("/v1/programmes/{pid}/companies/{cid}/withdrawal",
       "/v1/programmes/" + pid + "/companies/cafe/withdrawal",
       {{"occurred_on", "2018-01-01"}, {"reason", "moved"}}, 200);
  post("/v1/tokens", "/v1/tokens", {{"name", Unique("funder-")}, {"role", "funder"}, {"programmes", {pid}}}, 201);

  get("/v1/programmes", "/v1/programmes");
  get("/v1/programmes/{pid}", "/v1/programmes/" + pid);
  get("/v1/synergies", "/v1/synergies?programme=" + pid);
  get("/v1/synergies/{sid}", "/v1/synergies/" + sid);
  get("/v1/synergies/{sid}", "/v1/synergies/" + gone);
  get("/v1/synergies/{sid}", "/v1/synergies/" + sid + "?as_of=2000-01-01", 404);
  get("/v1/synergies/{sid}/history", "/v1/synergies/" + sid + "/history");
  get("/v1/events", "/v1/events?programme=" + pid);
  get("/v1/audit/verify", "/v1/audit/verify");
  for (const char* grouping : {"", "&group_by=year", "&group_by=programme", "&group_by=stage"}) {
    get("/v1/kpis", "/v1/kpis?programme=" + pid + grouping);
  }
  get("/healthz", "/healthz");
  get("/readyz", "/readyz");
  // The reads that carry an ETag list it, and their 304.
  for (const auto& [path, target] : std::vector<std::pair<std::string, std::string>>{
           {"/v1/programmes/{pid}", "/v1/programmes/" + pid},
           {"/v1/synergies/{sid}", "/v1/synergies/" + sid},
           {"/v1/kpis", "/v1/kpis?programme=" + pid}}) {
    Reply first = Get(target, Admin());
    ASSERT_FALSE(first.Header("etag").empty()) << target;
    EXPECT_TRUE(doc.at("paths").at(path).at("get").at("responses").at("200").at("headers").contains("ETag"));
    EXPECT_EQ(Get(target, Admin(), {{"If-None-Match", first.Header("etag")}}).status, 304) << target;
    EXPECT_TRUE(doc.at("paths").at(path).at("get").at("responses").contains("304")) << path;
  }
  // Problems.
  get("/v1/kpis", "/v1/kpis?group_by=colour", 400);
  get("/v1/synergies/{sid}", "/v1/synergies/nobody", 404);
  post("/v1/programmes", "/v1/programmes", {{"id", "Bad"}}, 422);
  post("/v1/synergies/{sid}/study", "/v1/synergies/" + gone + "/study", StudyBody(), 409);
  Reply conflict = Post("/v1/synergies/" + sid + "/operation", {{"occurred_on", "2017-06-01"}}, Admin(),
                        {{"If-Match", "\"1\""}});
  EXPECT_EQ(conflict.status, 412);
  expect_fits("post", "/v1/synergies/{sid}/operation", conflict);
  Reply unauthorized = Get("/v1/programmes", "not-a-token");
  EXPECT_EQ(unauthorized.status, 401);
  expect_fits("get", "/v1/programmes", unauthorized);
}

// ---- 401, 404, 405 -------------------------------------------------------------

TEST_F(ApiTest, UnauthorizedComesFirst) {
  Connection c(server_->port());
  Reply none = c.Request("GET", "/v1/programmes");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.Type(), "unauthorized");
  EXPECT_EQ(none.Header("content-type"), "application/problem+json");
  EXPECT_EQ(Get("/v1/programmes", "slt_unknown").status, 401);
  // Before 404 for an unknown path and 405.
  EXPECT_EQ(c.Request("GET", "/v1/nothing").status, 401);
  EXPECT_EQ(c.Request("DELETE", "/v1/programmes").status, 401);
}

TEST_F(ApiTest, UnknownPathsAndMethods) {
  Reply r = Get("/v1/nothing", Admin());
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Type(), "not-found");
  // A segment breaking the identifier pattern is an unknown path.
  EXPECT_EQ(Get("/v1/programmes/Not_An_Id", Admin()).status, 404);
  Connection c(server_->port());
  Reply m = c.Request("DELETE", "/v1/programmes", Auth(Admin()));
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.Type(), "method-not-allowed");
  EXPECT_EQ(m.Header("allow"), "GET, HEAD, POST");
  Reply g = c.Request("GET", "/v1/synergies/x1/study", Auth(Admin()));
  EXPECT_EQ(g.status, 405);
  EXPECT_EQ(g.Header("allow"), "POST");
  EXPECT_EQ(c.Request("HEAD", "/v1/synergies/x1/study", Auth(Admin())).Header("allow"), "POST");
}

// HEAD is GET without the body: the same status and headers, Content-Length
// the body's, nothing after the header (the connection stays usable).
TEST_F(ApiTest, HeadAnswersAsGetWithoutTheBody) {
  std::string pid = NewProgramme();
  std::string sid = OperationalSynergy(pid);
  Connection c(server_->port());
  for (const std::string& target : {std::string("/healthz"), "/v1/synergies/" + sid,
                                    "/v1/kpis?programme=" + pid, "/v1/programmes/" + pid}) {
    Reply get = c.Request("GET", target, Auth(Admin()));
    Reply head = c.Request("HEAD", target, Auth(Admin()));
    EXPECT_EQ(head.status, 200) << target;
    EXPECT_EQ(head.body, "") << target;
    EXPECT_EQ(head.Header("content-length"), std::to_string(get.body.size())) << target;
    EXPECT_EQ(head.Header("content-type"), get.Header("content-type")) << target;
    EXPECT_EQ(head.Header("etag"), get.Header("etag")) << target;
  }
  EXPECT_TRUE(c.Request("GET", "/v1/openapi.json").Json()["paths"]["/v1/synergies/{sid}"].contains("head"));
  Reply unknown = c.Request("HEAD", "/v1/synergies/nobody", Auth(Admin()));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, "");
  EXPECT_EQ(c.Request("HEAD", "/v1/programmes").status, 401);
  // Still in step: the next reply on the connection is whole.
  Reply after = c.Request("GET", "/v1/programmes/" + pid, Auth(Admin()));
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.Json()["id"], pid);
}

// ---- Programmes ------------------------------------------------------------------

TEST_F(ApiTest, ProgrammeLifecycle) {
  std::string pid = Unique("p");
  Reply created = Post("/v1/programmes", ProgrammeBody(pid), Admin());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Header("etag"), "\"1\"");
  json reply = created.Json();
  EXPECT_EQ(reply["id"], pid);
  EXPECT_EQ(reply["stream"], "programme-" + pid);
  EXPECT_EQ(reply["version"], 1);
  EXPECT_FALSE(reply.contains("stage"));
  EXPECT_EQ(Post("/v1/programmes", ProgrammeBody(pid), Admin()).Type(), "duplicate");

  json company = {{"id", "dupont"}, {"name", "Dupont SA"}, {"siret", "73282932000074"},
                  {"nace", "10.71C"}, {"employees", 12}};
  EXPECT_EQ(Post("/v1/programmes/" + pid + "/companies", company, Admin()).status, 201);
  EXPECT_EQ(Post("/v1/programmes/" + pid + "/companies", {{"id", "x"}, {"name", "x"}}, Admin()).status,
            201);
  Reply diag = Post("/v1/programmes/" + pid + "/diagnostics",
                    {{"company_id", "dupont"}, {"performed_on", "2018-03-01"},
                     {"resources", {"waste", "energy"}}}, Admin());
  EXPECT_EQ(diag.status, 200);
  EXPECT_EQ(diag.Json()["id"], pid);
  Reply w = Post("/v1/programmes/" + pid + "/companies/x/withdrawal",
                 {{"occurred_on", "2019-01-01"}, {"reason", "moved"}}, Admin());
  EXPECT_EQ(w.status, 200);
  EXPECT_EQ(w.Json()["id"], "x");
  EXPECT_EQ(Post("/v1/programmes/" + pid + "/companies/x/withdrawal",
                 {{"occurred_on", "2019-01-01"}, {"reason", "again"}}, Admin()).Type(),
            "invalid-transition");

  Reply got = Get("/v1/programmes/" + pid, Admin());
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.Header("etag"), "\"5\"");
  json p = got.Json();
  EXPECT_EQ(p["version"], 5);
  EXPECT_EQ(p["diagnostics"], 1);
  EXPECT_EQ(p["zone"], nullptr);
  ASSERT_EQ(p["companies"].size(), 2u);
  EXPECT_EQ(p["companies"][0]["id"], "dupont");
  EXPECT_EQ(p["companies"][0]["siret"], "73282932000074");
  EXPECT_EQ(p["companies"][0]["employees"], 12);
  EXPECT_EQ(p["companies"][0]["withdrawn_on"], nullptr);
  EXPECT_EQ(p["companies"][0]["enrolled_on"].get<std::string>().size(), 10u);
  EXPECT_EQ(p["companies"][1]["withdrawn_on"], "2019-01-01");

  Reply same = Get("/v1/programmes/" + pid, Admin(), {{"If-None-Match", "\"5\""}});
  EXPECT_EQ(same.status, 304);
  EXPECT_TRUE(same.body.empty());
  EXPECT_EQ(same.Header("etag"), "\"5\"");
  EXPECT_EQ(Get("/v1/programmes/" + pid, Admin(), {{"If-None-Match", "\"4\""}}).status, 200);

  json list = Get("/v1/programmes", Admin()).Json()["programmes"];
  bool found = false;
  for (const json& item : list) found |= item["id"] == pid;
  EXPECT_TRUE(found);
  EXPECT_EQ(Get("/v1/programmes/nope", Admin()).status, 404);
}

// ---- Synergies ----------------------------------------------------------------------

TEST_F(ApiTest, SynergyLifecycleHistoryAndAsOf) {
  std::string pid = NewProgramme();
  std::string sid = Unique("s");
  Reply identified = Post("/v1/programmes/" + pid + "/synergies", SynergyBody(sid), Admin());
  ASSERT_EQ(identified.status, 201) << identified.body;
  EXPECT_EQ(identified.Json()["stage"], "identified");
  std::string before_study = Get("/v1/synergies/" + sid + "/history", Admin())
                                 .Json()["events"][0]["recorded_at"];
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(Post("/v1/synergies/" + sid + "/study", StudyBody("no_go"), Admin()).Json()["stage"], "studied");
  // no_go: operation is refused.
  EXPECT_EQ(Post("/v1/synergies/" + sid + "/operation", {{"occurred_on", "2017-06-01"}}, Admin()).Type(),
            "invalid-transition");
  EXPECT_EQ(Post("/v1/synergies/" + sid + "/study", StudyBody(), Admin()).status, 200);
  EXPECT_EQ(Post("/v1/synergies/" + sid + "/operation", {{"occurred_on", "2017-06-01"}}, Admin())
                .Json()["stage"], "operational");
  json with_provenance = MeasurementBody("m1", "2018-07-01", "2019-06-30");
  with_provenance["source"] = "invoices 2018-2019";
  with_provenance["verified_by"] = "CCI auditor";
  Reply measured = Post("/v1/synergies/" + sid + "/measurements", with_provenance, Admin());
  ASSERT_EQ(measured.status, 201);
  EXPECT_EQ(measured.Json()["id"], "m1");
  EXPECT_EQ(measured.Json()["stage"], "measured");
  // An omitted id is made by the server.
  Reply generated = Post("/v1/synergies/" + sid + "/measurements",
                         {{"period_from", "2019-07-01"}, {"period_to", "2019-12-31"},
                          {"values", json::object()}, {"method", "metered"}}, Admin());
  ASSERT_EQ(generated.status, 201);
  EXPECT_FALSE(generated.Json()["id"].get<std::string>().empty());
  Reply corrected = Post("/v1/synergies/" + sid + "/measurements/m1/correction",
                         {{"values", {{"savings_eur", 400}}}, {"reason", "late invoice"}}, Admin());
  EXPECT_EQ(corrected.status, 200);
  EXPECT_EQ(corrected.Json()["id"], "m1");
  EXPECT_EQ(Post("/v1/synergies/" + sid + "/measurements/m9/correction",
                 {{"values", json::object()}, {"reason", "r"}}, Admin()).status, 404);
  // Read (and so rendered and cached) before the abandonment; the read
  // after it shows it.
  Reply before_abandonment = Get("/v1/synergies/" + sid, Admin());
  EXPECT_EQ(before_abandonment.Json()["stage"], "measured");
  EXPECT_EQ(before_abandonment.Header("etag"), "\"7\"");
  Reply abandoned = Post("/v1/synergies/" + sid + "/abandonment",
                         {{"occurred_on", "2020-01-01"}, {"reason_code", "partner_left"}}, Admin());
  EXPECT_EQ(abandoned.Json()["stage"], "abandoned");
  EXPECT_EQ(abandoned.Json()["version"], 8);
  EXPECT_EQ(abandoned.Header("etag"), "\"8\"");

  Reply got = Get("/v1/synergies/" + sid, Admin());
  ASSERT_EQ(got.status, 200);
  json s = got.Json();
  EXPECT_EQ(s["stage"], "abandoned");
  EXPECT_EQ(s["programme"], pid);
  EXPECT_EQ(s["operational_since"], "2017-06-01");
  EXPECT_EQ(s["study"]["decision"], "go");
  EXPECT_EQ(s["study"]["aspects"]["technical"], "a forklift");
  EXPECT_EQ(s["study"]["aspects"]["legal"], nullptr);
  EXPECT_EQ(s["abandonment"]["reason_code"], "partner_left");
  ASSERT_EQ(s["measurements"].size(), 2u);
  EXPECT_EQ(s["measurements"][0]["values"]["savings_eur"], 400.0);
  EXPECT_EQ(s["measurements"][0]["values"]["co2e_avoided_t"], 0.0);  // replaced whole
  EXPECT_EQ(s["measurements"][0]["corrected"], true);
  EXPECT_EQ(s["measurements"][0]["period_from"], "2018-07-01");
  EXPECT_EQ(s["measurements"][0]["method"], "invoiced");
  EXPECT_EQ(s["measurements"][0]["source"], "invoices 2018-2019");  // kept through the correction
  EXPECT_EQ(s["measurements"][0]["verified_by"], "CCI auditor");
  EXPECT_EQ(s["measurements"][0]["co2e_factor_source"], nullptr);
  EXPECT_EQ(s["measurements"][1]["corrected"], false);
  EXPECT_EQ(s["measurements"][1]["source"], nullptr);

  json history = Get("/v1/synergies/" + sid + "/history", Admin()).Json();
  EXPECT_EQ(history["stream"], "synergy-" + sid);
  ASSERT_EQ(history["events"].size(), 8u);
  const json& first = history["events"][0];
  EXPECT_EQ(first["type"], "SynergyIdentified");
  EXPECT_EQ(first["actor"], "admin");
  EXPECT_EQ(first["version"], 1);
  EXPECT_EQ(first["occurred_on"], "2017-01-01");
  EXPECT_EQ(first["hash"].get<std::string>().size(), 64u);
  EXPECT_EQ(first["data"]["title"], "Pallets to the joinery");
  EXPECT_EQ(history["events"][4]["occurred_on"], "2019-06-30");  // a measurement's period_to
  EXPECT_EQ(history["events"][6]["type"], "MeasurementCorrected");

  // as_of: the synergy as recorded then.
  Reply then = Get("/v1/synergies/" + sid + "?as_of=" + before_study, Admin());
  ASSERT_EQ(then.status, 200) << then.body;
  EXPECT_EQ(then.Json()["stage"], "identified");
  EXPECT_EQ(then.Json()["version"], 1);
  EXPECT_EQ(Get("/v1/synergies/" + sid + "?as_of=2000-01-01", Admin()).status, 404);
  EXPECT_EQ(Get("/v1/synergies/" + sid + "?as_of=yesterday", Admin()).Type(), "validation");
  // Nothing but a correction after abandonment.
  EXPECT_EQ(Post("/v1/synergies/" + sid + "/study", StudyBody(), Admin()).status, 409);
  // Filters.
  json list = Get("/v1/synergies?programme=" + pid + "&stage=abandoned&kind=substitution", Admin())
                  .Json()["synergies"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["id"], sid);
  EXPECT_TRUE(Get("/v1/synergies?programme=" + pid + "&stage=measured", Admin())
                  .Json()["synergies"].empty());
  EXPECT_EQ(Get("/v1/synergies?stage=done", Admin()).status, 400);
  EXPECT_EQ(Get("/v1/synergies?programme=nope", Admin()).status, 404);
  EXPECT_EQ(Get("/v1/synergies?colour=red", Admin()).status, 400);
  // A command's reply is made on the connection's thread, after the
  // writer's commit; the request counter counts it there, by its status.
  std::string metrics = Get("/metrics", "").body;
  EXPECT_NE(metrics.find("synergy_http_requests_total{route=\"/v1/synergies/{sid}/measurements\","
                         "status=\"201\"}"),
            std::string::npos);
  EXPECT_NE(metrics.find("synergy_http_requests_total{route=\"/v1/synergies/{sid}/study\","
                         "status=\"409\"}"),
            std::string::npos);
}

TEST_F(ApiTest, ValidationErrorsNameTheField) {
  std::string pid = NewProgramme();
  json body = SynergyBody(Unique("s"));
  body["participants"][1]["role"] = "member";
  Reply r = Post("/v1/programmes/" + pid + "/synergies", body, Admin());
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.Type(), "validation");
  EXPECT_EQ(r.Json()["errors"][0]["field"], "participants.1.role");
  body = SynergyBody(Unique("s"));
  body["colour"] = "red";
  r = Post("/v1/programmes/" + pid + "/synergies", body, Admin());
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.Json()["errors"][0]["field"], "colour");
  body = SynergyBody(Unique("s"));
  body["participants"][0]["company_id"] = "ghost";
  EXPECT_EQ(Post("/v1/programmes/" + pid + "/synergies", body, Admin()).Json()["errors"][0]["field"],
            "participants.0.company_id");
  std::string sid = OperationalSynergy(pid);
  json m = MeasurementBody("m1", "2018-01-01", "2018-12-31");
  m["values"]["water_m3"] = -1;
  r = Post("/v1/synergies/" + sid + "/measurements", m, Admin());
  EXPECT_EQ(r.Json()["errors"][0]["field"], "values.water_m3");
  m = MeasurementBody("m1", "2017-01-01", "2017-12-31");  // before the operation
  EXPECT_EQ(Post("/v1/synergies/" + sid + "/measurements", m, Admin()).Json()["errors"][0]["field"],
            "period_from");
  m = MeasurementBody("m1", "2018-01-01", "2099-12-31");
  EXPECT_EQ(Post("/v1/synergies/" + sid + "/measurements", m, Admin()).Json()["errors"][0]["field"],
            "period_to");
}

TEST_F(ApiTest, ValidationErrorsNameEveryField) {
  std::string pid = NewProgramme();
  std::string events = Get("/v1/events?limit=1000", Admin()).body;
  // Fields of the wrong kind, found by the JSON mapping.
  json body = SynergyBody(Unique("s"));
  body["title"] = 5;
  body["kind"] = "swap";
  body["colour"] = "red";
  Reply r = Post("/v1/programmes/" + pid + "/synergies", body, Admin());
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.Type(), "validation");
  EXPECT_EQ(r.Json()["detail"], "3 invalid fields: title, kind, colour");
  EXPECT_EQ(r.Json()["errors"], json::parse(R"([{"field":"title","message":"must be a string"},
      {"field":"kind","message":"'swap' is not an accepted value"},
      {"field":"colour","message":"is not a known field"}])"));
  // Values the deciders refuse whatever the state.
  body = SynergyBody(Unique("s"));
  body["title"] = "";
  body["participants"][1]["role"] = "member";
  body["occurred_on"] = "2099-01-01";
  r = Post("/v1/programmes/" + pid + "/synergies", body, Admin());
  EXPECT_EQ(r.status, 422);
  json fields = json::array();
  const json reply = r.Json();
  for (const json& e : reply["errors"]) fields.push_back(e["field"]);
  EXPECT_EQ(fields, json({"title", "participants.1.role", "participants", "occurred_on"}));
  // Nothing was written.
  EXPECT_EQ(Get("/v1/events?limit=1000", Admin()).body, events);
}

// ---- Hostile and broken input: the right error, nothing written, still up ----------

TEST_F(ApiTest, BrokenBodiesAreRefusedAndNothingIsWritten) {
  std::string pid = NewProgramme();
  std::string target = "/v1/programmes/" + pid + "/synergies";
  std::uint64_t head = HeadPosition();
  struct Case {
    std::string body;
    int status;
    std::string type;
  };
  std::string deep(10000, '[');
  std::vector<Case> cases = {
      {"{\"title\": ", 400, "malformed-json"},
      {"[1, 2]", 400, "malformed-json"},
      {"{\"id\": \"a\", \"id\": \"b\"}", 400, "malformed-json"},
      {"{\"title\": \"\\ud800\"}", 400, "malformed-json"},
      {"{\"title\": \"\xff\xfe\"}", 400, "malformed-json"},
      {"{\"a\":" + std::string(70, '[') + std::string(70, ']') + "}", 400, "malformed-json"},
      {deep, 400, "malformed-json"},
      {"{\"x\": NaN}", 400, "malformed-json"},
  };
  for (const Case& c : cases) {
    Reply r = PostRaw(target, c.body, Admin());
    EXPECT_EQ(r.status, c.status) << c.body.substr(0, 40);
    EXPECT_EQ(r.Type(), c.type) << c.body.substr(0, 40);
  }
  json big_number = SynergyBody(Unique("s"));
  std::string text = big_number.dump();
  std::string sid = OperationalSynergy(pid);
  head = HeadPosition();
  Reply overflow = PostRaw("/v1/synergies/" + sid + "/measurements",
                           "{\"period_from\":\"2018-01-01\",\"period_to\":\"2018-02-01\","
                           "\"method\":\"metered\",\"values\":{\"savings_eur\":1e400}}",
                           Admin());
  EXPECT_EQ(overflow.status, 422);
  EXPECT_EQ(overflow.Json()["errors"][0]["field"], "values.savings_eur");
  Reply media = PostRaw(target, text, Admin(), {{"Content-Type", "text/plain"}}, false);
  EXPECT_EQ(media.status, 415);
  EXPECT_EQ(media.Type(), "unsupported-media-type");
  Reply too_big = PostRaw(target, "{\"title\":\"" + std::string(1 << 20, 'x') + "\"}", Admin());
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(too_big.Type(), "payload-too-large");
  EXPECT_EQ(HeadPosition(), head);
}

TEST_F(ApiTest, HttpLimits) {
  Connection c(server_->port());
  Reply long_target = c.Request("GET", "/v1/programmes?" + std::string(9000, 'a'), Auth(Admin()));
  EXPECT_EQ(long_target.status, 414);
  EXPECT_EQ(long_target.Type(), "payload-too-large");
  Connection c2(server_->port());
  Reply url_100k = c2.Request("GET", std::string("/").append(100 * 1024, 'a'), Auth(Admin()));
  EXPECT_EQ(url_100k.status, 414);
  Connection c3(server_->port());
  Headers many;
  for (int i = 0; i < 40; ++i) many.emplace_back("X-Flood-" + std::to_string(i), std::string(500, 'v'));
  Reply flood = c3.Request("GET", "/v1/programmes", Auth(Admin(), many));
  EXPECT_EQ(flood.status, 431);
  // A declared 10 GB body is refused before it is sent.
  Connection c4(server_->port());
  c4.SendRaw("POST /v1/programmes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + Admin() +
             "\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n{");
  EXPECT_EQ(c4.Read().status, 413);
  // The server still answers.
  EXPECT_EQ(Get("/v1/programmes", Admin()).status, 200);
}

// ---- If-Match, idempotency ----------------------------------------------------------

TEST_F(ApiTest, IfMatch) {
  std::string pid = NewProgramme();
  std::string sid = Unique("s");
  ASSERT_EQ(Post("/v1/programmes/" + pid + "/synergies", SynergyBody(sid), Admin()).status, 201);
  std::uint64_t head = HeadPosition();
  Reply stale = Post("/v1/synergies/" + sid + "/study", StudyBody(), Admin(), {{"If-Match", "\"7\""}});
  EXPECT_EQ(stale.status, 412);
  EXPECT_EQ(stale.Type(), "version-conflict");
  EXPECT_EQ(HeadPosition(), head);
  // 412 wins over invalid values.
  EXPECT_EQ(Post("/v1/synergies/" + sid + "/study", {{"bogus", 1}}, Admin(), {{"If-Match", "\"7\""}}).status,
            412);
  Reply bad = Post("/v1/synergies/" + sid + "/study", StudyBody(), Admin(), {{"If-Match", "7"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Type(), "validation");
  EXPECT_EQ(bad.Json()["errors"][0]["field"], "If-Match");
  Reply ok = Post("/v1/synergies/" + sid + "/study", StudyBody(), Admin(), {{"If-Match", "\"1\""}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.Header("etag"), "\"2\"");
}

TEST_F(ApiTest, AHeaderSentOnTwoLinesIsReadAsOneList) {
  std::string pid = NewProgramme();
  std::string sid = Unique("s");
  ASSERT_EQ(Post("/v1/programmes/" + pid + "/synergies", SynergyBody(sid), Admin()).status, 201);
  std::uint64_t head = HeadPosition();
  // Two versions are no version: 400 naming If-Match, nothing written,
  // whichever of the two is the stream's.
  for (Headers twice : {Headers{{"If-Match", "\"1\""}, {"If-Match", "\"7\""}},
                        Headers{{"If-Match", "\"7\""}, {"If-Match", "\"1\""}}}) {
    Reply r = Post("/v1/synergies/" + sid + "/study", StudyBody(), Admin(), twice);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.Json()["errors"][0]["field"], "If-Match");
  }
  EXPECT_EQ(HeadPosition(), head);
  // Two tokens are no token, even when the first is an admin's.
  Connection c(server_->port());
  Reply two = c.Request("GET", "/v1/programmes/" + pid,
                        {{"Authorization", "Bearer " + Admin()}, {"Authorization", "Bearer " + Admin()}});
  EXPECT_EQ(two.status, 401);
  EXPECT_EQ(two.Type(), "unauthorized");
  // If-None-Match is a list: a match on its second line is a match.
  std::string etag = Get("/v1/programmes/" + pid, Admin()).Header("etag");
  ASSERT_FALSE(etag.empty());
  Reply same = Get("/v1/programmes/" + pid, Admin(), {{"If-None-Match", "\"0\""}, {"If-None-Match", etag}});
  EXPECT_EQ(same.status, 304);
  EXPECT_EQ(same.Header("etag"), etag);
}

TEST_F(ApiTest, TwentyClientsWithTheSameIfMatchOneWins) {
  std::string pid = NewProgramme();
  std::string sid = Unique("s");
  ASSERT_EQ(Post("/v1/programmes/" + pid + "/synergies", SynergyBody(sid), Admin()).status, 201);
  constexpr int kClients = 20;
  std::atomic<int> ok{0}, conflicts{0}, other{0};
  std::barrier sync(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&] {
      Connection c(server_->port());
      sync.arrive_and_wait();
      Reply r = c.Request("POST", "/v1/synergies/" + sid + "/study",
                          Auth(Admin(), {{"If-Match", "\"1\""}}), StudyBody().dump());
      if (r.status == 200) {
        ++ok;
      } else if (r.status == 412) {
        ++conflicts;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflicts.load(), kClients - 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(Get("/v1/synergies/" + sid, Admin()).Json()["version"], 2);
}

TEST_F(ApiTest, ConcurrentCommandsWithoutIfMatchAllLand) {
  std::string pid = NewProgramme();
  constexpr int kClients = 10;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      Connection c(server_->port());
      Reply r = c.Request("POST", "/v1/programmes/" + pid + "/diagnostics", Auth(Admin()),
                          json{{"company_id", "acme"}, {"performed_on", "2018-01-0" + std::to_string(1 + i % 9)},
                               {"resources", {"water"}}}.dump());
      if (r.status == 200) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients);
  EXPECT_EQ(Get("/v1/programmes/" + pid, Admin()).Json()["diagnostics"], kClients);
}

TEST_F(ApiTest, IdempotencyKeyReplaysAndMismatches) {
  std::string pid = NewProgramme();
  std::string sid = Unique("s");
  Headers key = {{"Idempotency-Key", "retry-" + sid}};
  Reply first = Post("/v1/programmes/" + pid + "/synergies", SynergyBody(sid), Admin(), key);
  ASSERT_EQ(first.status, 201);
  std::uint64_t head = HeadPosition();
  Reply again = Post("/v1/programmes/" + pid + "/synergies", SynergyBody(sid), Admin(), key);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.Header("etag"), first.Header("etag"));
  EXPECT_EQ(HeadPosition(), head);
  json other = SynergyBody(sid);
  other["title"] = "Something else";
  Reply mismatch = Post("/v1/programmes/" + pid + "/synergies", other, Admin(), key);
  EXPECT_EQ(mismatch.status, 422);
  EXPECT_EQ(mismatch.Type(), "idempotency-mismatch");
  // Another path with the same key is another request.
  EXPECT_EQ(Post("/v1/synergies/" + sid + "/study", StudyBody(), Admin(), key).Type(),
            "idempotency-mismatch");
  // A refused command keeps no record: its retry may succeed.
  Headers key2 = {{"Idempotency-Key", "study-" + sid}};
  EXPECT_EQ(Post("/v1/synergies/" + sid + "/operation", {{"occurred_on", "2017-06-01"}}, Admin(), key2).status,
            409);
  EXPECT_EQ(Post("/v1/synergies/" + sid + "/study", StudyBody(), Admin(), key2).status, 200);
  Reply bad = Post("/v1/synergies/" + sid + "/study", StudyBody(), Admin(),
                   {{"Idempotency-Key", std::string(129, 'k')}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["errors"][0]["field"], "Idempotency-Key");
  EXPECT_EQ(HeadPosition(), head + 1);
}

// ---- Events feed ------------------------------------------------------------------------

TEST_F(ApiTest, EventsFeedPagesAndFilters) {
  std::string pid = NewProgramme();
  std::string sid = OperationalSynergy(pid);
  std::string other = NewProgramme();
  json all = Get("/v1/events?programme=" + pid + "&limit=1000", Admin()).Json();
  ASSERT_EQ(all["events"].size(), 7u);  // launch, 3 companies, 3 synergy events
  for (const json& e : all["events"]) {
    EXPECT_TRUE(e["stream"] == "programme-" + pid || e["stream"] == "synergy-" + sid) << e["stream"];
  }
  // Paging with after=last_position sees every event once.
  std::uint64_t after = 0;
  std::size_t seen = 0;
  std::uint64_t previous = 0;
  for (int page = 0; page < 1000; ++page) {
    json r = Get("/v1/events?programme=" + pid + "&limit=2&after=" + std::to_string(after), Admin()).Json();
    for (const json& e : r["events"]) {
      EXPECT_GT(e["position"].get<std::uint64_t>(), previous);
      previous = e["position"];
      ++seen;
    }
    if (r["events"].empty()) break;
    after = r["last_position"];
  }
  EXPECT_EQ(seen, 7u);
  EXPECT_EQ(Get("/v1/events?limit=0", Admin()).status, 400);
  EXPECT_EQ(Get("/v1/events?after=-1", Admin()).status, 400);
  EXPECT_EQ(Get("/v1/events?colour=1", Admin()).status, 400);
  EXPECT_EQ(Get("/v1/events?programme=nope", Admin()).status, 404);
  EXPECT_EQ(Get("/v1/events?limit=5000", Admin()).status, 200);
  (void)other;
}

TEST_F(ApiTest, LongPollIsWokenByAWrite) {
  std::string pid = NewProgramme();
  std::uint64_t head = HeadPosition();
  Reply polled;
  std::thread poller([&] {
    polled = Get("/v1/events?programme=" + pid + "&wait=20&after=" + std::to_string(head), Admin());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(Post("/v1/programmes/" + pid + "/companies", {{"id", "late"}, {"name", "Late"}}, Admin()).status,
            201);
  poller.join();
  ASSERT_EQ(polled.status, 200);
  json events = polled.Json()["events"];
  ASSERT_EQ(events.size(), 1u);  // woken by the write, not by the 20 s deadline
  EXPECT_EQ(events[0]["data"]["id"], "late");
  // With nothing to wait for, wait=1 returns empty after the deadline.
  json empty = Get("/v1/events?programme=" + pid + "&wait=1&after=" +
                   std::to_string(HeadPosition()), Admin()).Json();
  EXPECT_TRUE(empty["events"].empty());
}

// ---- Tokens, roles, scopes ------------------------------------------------------------------

TEST_F(ApiTest, Tokens) {
  std::string name = Unique("anne-");
  Reply created = Post("/v1/tokens", {{"name", name}, {"role", "facilitator"}, {"programmes", {"ziri"}}},
                       Admin());
  ASSERT_EQ(created.status, 201);
  json t = created.Json();
  EXPECT_EQ(t["name"], name);
  EXPECT_EQ(t["programmes"], json({"ziri"}));
  EXPECT_TRUE(t["token"].get<std::string>().starts_with("slt_"));
  EXPECT_EQ(Get("/v1/programmes", t["token"]).status, 200);
  EXPECT_EQ(Post("/v1/tokens", {{"name", name}, {"role", "manager"}, {"programmes", json::array()}},
                 Admin()).Type(), "duplicate");
  EXPECT_EQ(Post("/v1/tokens", {{"name", Unique("x")}, {"role", "manager"}, {"programmes", {"Bad Id"}}},
                 Admin()).Json()["errors"][0]["field"], "programmes.0");
  EXPECT_EQ(Post("/v1/tokens", {{"name", Unique("x")}, {"role", "boss"}, {"programmes", json::array()}},
                 Admin()).status, 422);
  EXPECT_EQ(Post("/v1/tokens", {{"name", Unique("x")}, {"role", "admin"}, {"programmes", json::array()}},
                 t["token"]).status, 403);
  // `synergyd token create` refuses a taken name too.
  int status = 0;
  RunSynergyd({"token", "create", "--data-dir", "/nonexistent/dir", "--name", "x", "--role", "boss"}, &status);
  EXPECT_NE(status, 0);
}

TEST_F(ApiTest, ServeRefusesNumbersOutOfRangeOrWithTrailingText) {
  // Checked before the data directory is opened: one that cannot be made
  // (below a file, even for root) keeps a regression from serving.
  for (std::vector<std::string> option : {std::vector<std::string>{"--port", "99999"}, {"--port", "80x"},
                                          {"--port", ""}, {"--threads", "-1"}, {"--reserve-mib", "1e3"}}) {
    int status = 0;
    std::vector<std::string> args = {"serve", "--data-dir", "/dev/null/dir", option[0], option[1]};
    std::string out = RunSynergyd(args, &status, true);
    EXPECT_EQ(status, 2) << option[0] << " " << option[1] << ": " << out;
    EXPECT_NE(out.find(option[0] + " must be an integer from "), std::string::npos) << out;
  }
  // `backup` of the running server's directory asks the server at --server.
  const std::string token_file = server_->data_dir() + ".token";
  std::ofstream(token_file) << Admin() << "\n";
  for (const char* address : {"127.0.0.1:80x", "127.0.0.1:0", "127.0.0.1:"}) {
    int status = 0;
    std::string out = RunSynergyd({"backup", "--to", "/dev/null/copy", "--data-dir", server_->data_dir(),
                                   "--server", address, "--token-file", token_file},
                                  &status, true);
    EXPECT_EQ(status, 2) << address << ": " << out;
    EXPECT_NE(out.find("--server must be HOST:PORT"), std::string::npos) << out;
  }
  std::filesystem::remove(token_file);
}

TEST_F(ApiTest, RoleByEndpointMatrix) {
  std::string pid = NewProgramme();
  std::string sid = OperationalSynergy(pid);
  std::map<std::string, std::string> tokens = {{"admin", Admin()},
                                               {"facilitator", NewToken("facilitator")},
                                               {"manager", NewToken("manager")},
                                               {"funder", NewToken("funder")}};
  struct Row {
    std::string method, target;
    std::function<json()> body;
    std::map<std::string, bool> allowed;
  };
  auto yes = [](std::initializer_list<const char*> roles) {
    std::map<std::string, bool> m = {{"admin", false}, {"facilitator", false}, {"manager", false},
                                     {"funder", false}};
    for (const char* r : roles) m[r] = true;
    return m;
  };
  int n = 0;
  std::vector<Row> rows = {
      {"GET", "/v1/programmes", nullptr, yes({"admin", "facilitator", "manager", "funder"})},
      {"GET", "/v1/programmes/" + pid, nullptr, yes({"admin", "facilitator", "manager", "funder"})},
      {"GET", "/v1/synergies", nullptr, yes({"admin", "facilitator", "manager"})},
      {"GET", "/v1/synergies/" + sid, nullptr, yes({"admin", "facilitator", "manager"})},
      {"GET", "/v1/synergies/" + sid + "/history", nullptr, yes({"admin", "facilitator", "manager"})},
      {"GET", "/v1/events", nullptr, yes({"admin", "manager"})},
      {"GET", "/v1/audit/verify", nullptr, yes({"admin", "manager"})},
      {"POST", "/v1/programmes", [&] { return ProgrammeBody(Unique("rp")); }, yes({"admin"})},
      {"POST", "/v1/programmes/" + pid + "/companies",
       [&] { return json{{"id", Unique("c")}, {"name", "C"}}; }, yes({"admin", "facilitator"})},
      {"POST", "/v1/programmes/" + pid + "/diagnostics",
       [&] { return json{{"company_id", "acme"}, {"performed_on", "2018-01-01"}, {"resources", {"waste"}}}; },
       yes({"admin", "facilitator"})},
      {"POST", "/v1/programmes/" + pid + "/synergies", [&] { return SynergyBody(Unique("rs")); },
       yes({"admin", "facilitator"})},
      {"POST", "/v1/synergies/" + sid + "/measurements",
       [&] {
         ++n;
         std::string year = std::to_string(2000 + 18 + n);
         return MeasurementBody(Unique("rm"), (year + "-01-01").c_str(), (year + "-01-31").c_str());
       },
       yes({"admin", "facilitator"})},
      {"POST", "/v1/tokens",
       [&] { return json{{"name", Unique("t")}, {"role", "funder"}, {"programmes", json::array()}}; },
       yes({"admin"})},
  };
  for (const Row& row : rows) {
    for (const auto& [role, token] : tokens) {
      Reply r = row.method == "GET" ? Get(row.target, token) : Post(row.target, row.body(), token);
      bool allowed = r.status < 300;
      EXPECT_EQ(allowed, row.allowed.at(role)) << role << " " << row.method << " " << row.target
                                               << " -> " << r.status << " " << r.body;
      if (!row.allowed.at(role)) {
        EXPECT_EQ(r.Type(), "forbidden") << role << " " << row.target;
      }
    }
  }
}

TEST_F(ApiTest, ProgrammeScopes) {
  std::string mine = NewProgramme(), theirs = NewProgramme();
  std::string my_synergy = OperationalSynergy(mine), their_synergy = OperationalSynergy(theirs);
  std::string scoped = NewToken("facilitator", {mine});
  std::string scoped_manager = NewToken("manager", {mine, "not-created-yet"});
  json list = Get("/v1/programmes", scoped).Json()["programmes"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["id"], mine);
  EXPECT_EQ(Get("/v1/programmes/" + theirs, scoped).Type(), "forbidden");
  EXPECT_EQ(Get("/v1/synergies/" + their_synergy, scoped).Type(), "forbidden");
  EXPECT_EQ(Get("/v1/synergies/" + my_synergy, scoped).status, 200);
  EXPECT_EQ(Get("/v1/synergies?programme=" + theirs, scoped).Type(), "forbidden");
  json visible = Get("/v1/synergies", scoped).Json()["synergies"];
  for (const json& s : visible) EXPECT_EQ(s["programme"], mine);
  // Writes outside the scope are forbidden; unknown resources stay 404.
  EXPECT_EQ(Post("/v1/synergies/" + their_synergy + "/measurements",
                 MeasurementBody("mx", "2018-01-01", "2018-01-31"), scoped).Type(), "forbidden");
  EXPECT_EQ(Post("/v1/synergies/nope/measurements", MeasurementBody("mx", "2018-01-01", "2018-01-31"),
                 scoped).status, 404);
  EXPECT_EQ(Post("/v1/programmes/" + mine + "/companies", {{"id", "new"}, {"name", "N"}}, scoped).status, 201);
  // The feed shows only the scope.
  json feed = Get("/v1/events?limit=1000", scoped_manager).Json()["events"];
  ASSERT_FALSE(feed.empty());
  for (const json& e : feed) {
    EXPECT_TRUE(e["stream"] == "programme-" + mine || e["stream"] == "synergy-" + my_synergy) << e["stream"];
  }
  EXPECT_EQ(Get("/v1/events?programme=" + theirs, scoped_manager).Type(), "forbidden");
  // Verify always covers the whole log.
  EXPECT_EQ(Get("/v1/audit/verify", scoped_manager).Json()["checked"], HeadPosition());
}

TEST_F(ApiTest, AuditVerify) {
  json v = Get("/v1/audit/verify", Admin()).Json();
  EXPECT_TRUE(v["ok"]);
  EXPECT_EQ(v["checked"], v["head_position"]);
  EXPECT_EQ(v["head_hash"].get<std::string>().size(), 64u);
  EXPECT_FALSE(v.contains("first_bad_position"));
}

TEST_F(ApiTest, PipelinedRequestsAnswerInOrder) {
  Connection c(server_->port());
  std::string one = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string two = "GET /v1/programmes/nope HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + Admin() +
                    "\r\n\r\n";
  ASSERT_TRUE(c.SendRaw(one + two + one));
  EXPECT_EQ(c.Read().status, 200);
  EXPECT_EQ(c.Read().status, 404);
  EXPECT_EQ(c.Read().status, 200);
}

// ---- Slow clients and the connection cap --------------------------------------

TEST_F(ApiTest, SlowClientsHoldingHundredsOfConnectionsDoNotStarveOthers) {
  std::vector<std::unique_ptr<Connection>> slow;
  for (int i = 0; i < 300; ++i) {
    slow.push_back(std::make_unique<Connection>(server_->port()));
    ASSERT_TRUE(slow.back()->SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n"));  // never finished
  }
  Connection c(server_->port());
  EXPECT_EQ(c.Request("GET", "/v1/programmes", Auth(Admin())).status, 200);
}

TEST_F(ApiTest, AHeaderNeverFinishedIsClosedAfterTheHeaderTimeout) {
  Connection slow(server_->port());
  ASSERT_TRUE(slow.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  // The header timeout is 10 s: still open after 2 s, closed well within 15.
  EXPECT_FALSE(slow.ClosedWithin(2000));
  EXPECT_TRUE(slow.ClosedWithin(13000));
}

TEST_F(ApiTest, AChunkedBodyNeverFinishedWritesNothingAndIsClosedAfterTheBodyTimeout) {
  std::string pid = NewProgramme();
  std::uint64_t head = HeadPosition();
  Connection slow(server_->port());
  ASSERT_TRUE(slow.SendRaw("POST /v1/programmes/" + pid + "/synergies HTTP/1.1\r\nHost: x\r\n"
                           "Authorization: Bearer " + Admin() + "\r\n"
                           "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "400\r\n{\"id\": \"never\", \"title\": \""));
  // Others are served meanwhile; the body timeout is 30 s.
  EXPECT_EQ(Get("/v1/programmes", Admin()).status, 200);
  EXPECT_FALSE(slow.ClosedWithin(1000));
  EXPECT_TRUE(slow.ClosedWithin(33000));
  EXPECT_EQ(HeadPosition(), head);
  EXPECT_EQ(Get("/v1/synergies/never", Admin()).status, 404);
}

TEST_F(ApiTest, PathTraversalReachesNoFile) {
  for (std::string target :
       {"/../../../../etc/passwd", "/v1/openapi.json/../../../../etc/passwd",
        "/v1/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/healthz/..%2f..%2f..%2fetc%2fpasswd",
        "/v1/openapi.json%00.txt", "/v1/openapi.json/", "/metrics/../../proc/self/environ",
        "//etc/passwd", "/v1/programmes/..%2f..%2fetc%2fpasswd"}) {
    Connection c(server_->port());
    Reply r = c.Request("GET", target, Auth(Admin()));
    EXPECT_TRUE(r.status == 404 || r.status == 400) << target << " -> " << r.status;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << target;
    EXPECT_EQ(r.body.find("PATH="), std::string::npos) << target;
  }
  EXPECT_EQ(Get("/healthz", Admin()).status, 200);
}

TEST_F(ApiTest, ConnectionsOverTheCapAreRefusedAndTheServerStaysUp) {
  std::vector<std::unique_ptr<Connection>> many;
  for (int i = 0; i < 1100; ++i) many.push_back(std::make_unique<Connection>(server_->port()));
  int refused = 0;
  for (auto& c : many) refused += c->ClosedWithin(20) ? 1 : 0;
  EXPECT_GE(refused, 1100 - 1024);
  EXPECT_LT(refused, 1100);
  many.clear();
  // The slots come back once those connections are gone.
  for (int attempt = 0; attempt < 50; ++attempt) {
    Connection c(server_->port());
    Reply r = c.Request("GET", "/healthz");
    if (r.status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "the server did not answer after the connections closed";
}

// ---- KPIs --------------------------------------------------------------------------

TEST_F(ApiTest, KpisSplitMeasuredValuesByYearInJsonAndCsv) {
  std::string pid = NewProgramme();
  std::string sid = OperationalSynergy(pid);
  ASSERT_EQ(Post("/v1/synergies/" + sid + "/measurements",
                 MeasurementBody("m1", "2018-07-01", "2019-06-30"), Admin()).status, 201);
  ASSERT_EQ(Post("/v1/programmes/" + pid + "/diagnostics",
                 {{"company_id", "cafe"}, {"performed_on", "2018-04-02"}, {"resources", {"water"}}},
                 Admin()).status, 200);
  Reply r = Get("/v1/kpis?programme=" + pid + "&group_by=year", Admin());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  json k = r.Json();
  EXPECT_EQ(k["position"].get<std::uint64_t>(), HeadPosition());
  EXPECT_TRUE(Timestamp::Parse(k["as_of"].get<std::string>()).has_value());
  const json& totals = k["totals"];
  EXPECT_EQ(totals["measured"]["savings_eur"], 365);
  EXPECT_EQ(totals["measured"]["co2e_avoided_t"], 1.5);
  EXPECT_EQ(totals["measured"]["jobs"], 0);
  EXPECT_EQ(totals["estimated"]["savings_eur"], 1000);
  EXPECT_EQ(totals["synergies"], json({{"identified", 0}, {"studied", 0}, {"operational", 0},
                                       {"measured", 1}, {"abandoned", 0}, {"total", 1}}));
  EXPECT_EQ(totals["companies_enrolled"], 3);
  EXPECT_EQ(totals["companies_engaged"], 2);
  EXPECT_EQ(totals["diagnostics"], 1);
  ASSERT_EQ(k["groups"].size(), 2u) << r.body;
  const json& y2018 = k["groups"][0];
  EXPECT_EQ(y2018["key"], "2018");
  EXPECT_EQ(y2018["measured"]["savings_eur"], 184);
  EXPECT_EQ(y2018["measured"]["co2e_avoided_t"], 0.756);  // 1.5 * 184 / 365, to 3 decimals
  EXPECT_EQ(y2018["diagnostics"], 1);
  EXPECT_FALSE(y2018.contains("estimated"));  // a year carries measured and diagnostics only
  EXPECT_FALSE(y2018.contains("synergies"));
  EXPECT_EQ(k["groups"][1]["key"], "2019");
  EXPECT_EQ(k["groups"][1]["measured"]["savings_eur"], 181);
  EXPECT_EQ(k["groups"][1]["diagnostics"], 0);

  Reply csv = Get("/v1/kpis?programme=" + pid + "&group_by=year&format=csv", Admin());
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.Header("content-type").substr(0, 8), "text/csv");
  EXPECT_EQ(csv.body,
            "key,measured_savings_eur,measured_tonnes_recovered,measured_co2e_avoided_t,"
            "measured_water_m3,measured_energy_mwh,measured_jobs,estimated_savings_eur,"
            "estimated_tonnes_recovered,estimated_co2e_avoided_t,estimated_water_m3,"
            "estimated_energy_mwh,estimated_jobs,synergies_identified,synergies_studied,"
            "synergies_operational,synergies_measured,synergies_abandoned,synergies_total,"
            "companies_enrolled,companies_engaged,diagnostics\r\n"
            "2018,184,0,0.756,0,0,0,,,,,,,,,,,,,,,1\r\n"
            "2019,181,0,0.744,0,0,0,,,,,,,,,,,,,,,0\r\n"
            "total,365,0,1.5,0,0,0,1000,12,0,0,0,0,0,0,0,1,0,1,3,2,1\r\n");
  Reply accepted = Get("/v1/kpis?programme=" + pid + "&group_by=year", Admin(),
                       {{"Accept", "text/csv"}});
  EXPECT_EQ(accepted.body, csv.body);
  Reply json_wins = Get("/v1/kpis?programme=" + pid + "&format=json", Admin(),
                        {{"Accept", "text/csv"}});
  EXPECT_EQ(json_wins.Header("content-type"), "application/json");
  EXPECT_EQ(json_wins.Json()["groups"], json::array());
}

TEST_F(ApiTest, KpisFromAndToApplyToMeasuredValuesAndDiagnostics) {
  std::string pid = NewProgramme();
  std::string sid = OperationalSynergy(pid);
  ASSERT_EQ(Post("/v1/synergies/" + sid + "/measurements",
                 MeasurementBody("m1", "2018-07-01", "2019-06-30"), Admin()).status, 201);
  ASSERT_EQ(Post("/v1/programmes/" + pid + "/diagnostics",
                 {{"company_id", "cafe"}, {"performed_on", "2018-04-02"}, {"resources", {"waste"}}},
                 Admin()).status, 200);
  json k = Get("/v1/kpis?programme=" + pid + "&from=2019-01-01&to=2019-12-31", Admin()).Json();
  EXPECT_EQ(k["totals"]["measured"]["savings_eur"], 181);
  EXPECT_EQ(k["totals"]["diagnostics"], 0);
  EXPECT_EQ(k["totals"]["synergies"]["total"], 1);  // stages are not dated
  Reply backwards = Get("/v1/kpis?from=2019-01-02&to=2019-01-01", Admin());
  EXPECT_EQ(backwards.status, 400);
  EXPECT_EQ(backwards.Type(), "validation");
  EXPECT_EQ(backwards.Json()["errors"][0]["field"], "from");
}

TEST_F(ApiTest, KpisGroupByEveryDimension) {
  std::string pid = NewProgramme();
  OperationalSynergy(pid);
  json pooled = SynergyBody(Unique("s"));
  pooled["kind"] = "mutualisation";
  pooled["resource"] = "energy";
  pooled["participants"] = {{{"company_id", "acme"}, {"role", "member"}},
                            {{"company_id", "cafe"}, {"role", "member"}}};
  ASSERT_EQ(Post("/v1/programmes/" + pid + "/synergies", pooled, Admin()).status, 201);
  auto keys = [&](const std::string& by) {
    json k = Get("/v1/kpis?programme=" + pid + "&group_by=" + by, Admin()).Json();
    std::vector<std::string> out;
    for (const json& g : k["groups"]) out.push_back(g["key"]);
    return out;
  };
  EXPECT_EQ(keys("programme"), std::vector<std::string>{pid});
  EXPECT_EQ(keys("region"), std::vector<std::string>{"Nouvelle-Aquitaine"});
  EXPECT_EQ(keys("resource"), (std::vector<std::string>{"energy", "waste"}));
  EXPECT_EQ(keys("kind"), (std::vector<std::string>{"mutualisation", "substitution"}));
  EXPECT_EQ(keys("stage"), (std::vector<std::string>{"identified", "operational"}));
  EXPECT_TRUE(keys("year").empty());  // nothing measured, no diagnostic
  json stage = Get("/v1/kpis?programme=" + pid + "&group_by=stage", Admin()).Json();
  EXPECT_EQ(stage["groups"][1]["estimated"]["savings_eur"], 1000);
  EXPECT_FALSE(stage["groups"][1].contains("diagnostics"));
  json region = Get("/v1/kpis?programme=" + pid + "&group_by=region", Admin()).Json();
  EXPECT_EQ(region["groups"][0]["diagnostics"], 0);
  EXPECT_EQ(region["groups"][0]["synergies"]["total"], 2);
  json none = Get("/v1/kpis?programme=" + pid + "&region=Occitanie", Admin()).Json();
  EXPECT_EQ(none["totals"]["synergies"]["total"], 0);
  EXPECT_EQ(none["totals"]["companies_enrolled"], 0);
}

TEST_F(ApiTest, KpisRefuseBadParametersAndRespectScopes) {
  std::string pid = NewProgramme(), other = NewProgramme();
  OperationalSynergy(pid);
  OperationalSynergy(other);
  for (const char* q : {"group_by=month", "format=xml", "from=2019-02-30", "as_of=yesterday",
                        "colour=red", "region=a&region=b"}) {
    Reply r = Get(std::string("/v1/kpis?") + q, Admin());
    EXPECT_EQ(r.status, 400) << q;
    EXPECT_EQ(r.Type(), "validation") << q;
  }
  EXPECT_EQ(Get("/v1/kpis?group_by=month", Admin()).Json()["errors"][0]["field"], "group_by");
  EXPECT_EQ(Get("/v1/kpis?programme=nowhere", Admin()).status, 404);
  std::string funder = NewToken("funder", {pid});
  EXPECT_EQ(Get("/v1/kpis?programme=" + other, funder).status, 403);
  json seen = Get("/v1/kpis?group_by=programme", funder).Json();
  ASSERT_EQ(seen["groups"].size(), 1u);
  EXPECT_EQ(seen["groups"][0]["key"], pid);
  EXPECT_EQ(seen["totals"]["synergies"]["total"], 1);
  EXPECT_EQ(seen["totals"]["companies_enrolled"], 3);
  EXPECT_EQ(Get("/v1/kpis?programme=" + pid, funder).status, 200);
  EXPECT_EQ(Get("/v1/kpis", "not-a-token").status, 401);
}

TEST_F(ApiTest, KpisReadYourWritesAndAnswer304WhileNothingChanged) {
  std::string pid = NewProgramme();
  std::string sid = OperationalSynergy(pid);
  std::string target = "/v1/kpis?programme=" + pid;
  Reply first = Get(target, Admin());
  std::string etag = first.Header("etag");
  ASSERT_FALSE(etag.empty());
  Reply same = Get(target, Admin(), {{"If-None-Match", etag}});
  EXPECT_EQ(same.status, 304);
  EXPECT_EQ(same.Header("etag"), etag);
  EXPECT_TRUE(same.body.empty());
  EXPECT_NE(Get(target + "&format=csv", Admin()).Header("etag"), etag);
  EXPECT_NE(Get(target + "&group_by=year", Admin()).Header("etag"), etag);

  Reply measured = Post("/v1/synergies/" + sid + "/measurements",
                        MeasurementBody("m1", "2018-01-01", "2018-12-31"), Admin());
  ASSERT_EQ(measured.status, 201);
  Reply after = Get(target, Admin(), {{"If-None-Match", etag}});
  ASSERT_EQ(after.status, 200);
  EXPECT_NE(after.Header("etag"), etag);
  json k = after.Json();
  EXPECT_GE(k["position"].get<std::uint64_t>(), measured.Json()["position"].get<std::uint64_t>());
  EXPECT_EQ(k["totals"]["measured"]["savings_eur"], 365);
}

TEST_F(ApiTest, KpisAsOfShowWhatWasKnownThen) {
  std::string pid = NewProgramme();
  std::string sid = OperationalSynergy(pid);
  Reply before = Get("/v1/kpis?programme=" + pid, Admin());
  const std::string then = before.Json()["as_of"];
  const std::uint64_t then_position = before.Json()["position"];
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(Post("/v1/synergies/" + sid + "/measurements",
                 MeasurementBody("m1", "2018-01-01", "2018-12-31"), Admin()).status, 201);
  ASSERT_EQ(Post("/v1/synergies/" + sid + "/measurements/m1/correction",
                 {{"values", {{"savings_eur", 400}}}, {"reason", "invoice"}}, Admin()).status, 200);
  EXPECT_EQ(Get("/v1/kpis?programme=" + pid, Admin()).Json()["totals"]["measured"]["savings_eur"], 400);
  json past = Get("/v1/kpis?programme=" + pid + "&as_of=" + then, Admin()).Json();
  EXPECT_EQ(past["as_of"], then);
  EXPECT_EQ(past["position"].get<std::uint64_t>(), then_position);
  EXPECT_EQ(past["totals"]["measured"]["savings_eur"], 0);
  EXPECT_EQ(past["totals"]["synergies"]["operational"], 1);
  json origin = Get("/v1/kpis?as_of=1970-01-01", Admin()).Json();
  EXPECT_EQ(origin["as_of"], "1970-01-01T23:59:59.999999Z");
  EXPECT_EQ(origin["position"], 0);
  EXPECT_EQ(origin["totals"]["synergies"]["total"], 0);
}

}  // namespace
}  // namespace synergy::testing
