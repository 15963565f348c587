#include "api/openapi.h"

#include <string>
#include <vector>

namespace synergy::api {

using nlohmann::json;

namespace {

json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

json Reply(const std::string& description, const json& schema = nullptr,
           const std::string& media = "application/json") {
  json r = {{"description", description}};
  if (!schema.is_null()) r["content"] = {{media, {{"schema", schema}}}};
  return r;
}

json Errors(std::initializer_list<int> codes) {
  json out = json::object();
  for (int code : codes) {
    out[std::to_string(code)] = Reply("problem", Ref("Problem"), "application/problem+json");
  }
  return out;
}

json PathParam(const std::string& name) {
  return {{"name", name}, {"in", "path"}, {"required", true},
          {"schema", {{"type", "string"}, {"pattern", "^[a-z0-9][a-z0-9-]{0,63}$"}}}};
}

json QueryParam(const std::string& name, const std::string& type, bool repeat = false) {
  json p = {{"name", name}, {"in", "query"}, {"required", false}, {"schema", {{"type", type}}}};
  if (repeat) p["explode"] = true;
  return p;
}

json Command(const std::string& summary, const std::string& body_schema, bool creates,
             std::vector<json> params) {
  json responses = Errors({400, 401, 403, 404, 409, 412, 413, 415, 422, 503});
  responses[creates ? "201" : "200"] = Reply("accepted and durably stored", Ref("CommandReply"));
  params.push_back({{"name", "If-Match"}, {"in", "header"}, {"required", false},
                    {"schema", {{"type", "string"}}}});
  params.push_back({{"name", "Idempotency-Key"}, {"in", "header"}, {"required", false},
                    {"schema", {{"type", "string"}, {"maxLength", 128}}}});
  return {{"summary", summary},
          {"parameters", params},
          {"requestBody",
           {{"required", true}, {"content", {{"application/json", {{"schema", Ref(body_schema)}}}}}}},
          {"responses", responses}};
}

json Get(const std::string& summary, const json& schema, std::vector<json> params,
         bool public_path = false) {
  json responses = public_path ? json::object() : Errors({400, 401, 403, 404});
  responses["200"] = Reply("ok", schema);
  json op = {{"summary", summary}, {"parameters", params}, {"responses", responses}};
  if (public_path) op["security"] = json::array();
  return op;
}

json Object(std::initializer_list<std::pair<const char*, json>> props,
            std::vector<std::string> required) {
  json p = json::object();
  for (const auto& [k, v] : props) p[k] = v;
  return {{"type", "object"}, {"properties", p}, {"required", required},
          {"additionalProperties", false}};
}

const json kString = {{"type", "string"}};
const json kDate = {{"type", "string"}, {"format", "date"}};
const json kNumber = {{"type", "number"}};
const json kStrings = {{"type", "array"}, {"items", {{"type", "string"}}}};

json Build() {
  json values = Object({{"savings_eur", kNumber}, {"tonnes_recovered", kNumber},
                        {"co2e_avoided_t", kNumber}, {"water_m3", kNumber},
                        {"energy_mwh", kNumber}, {"jobs", kNumber}},
                       {});
  json schemas = {
      {"Problem", {{"type", "object"}}},
      {"CommandReply", Object({{"id", kString}, {"stream", kString}, {"version", {{"type", "integer"}}},
                               {"position", {{"type", "integer"}}}, {"stage", kString}},
                              {"id", "stream", "version", "position"})},
      {"Values", values},
      {"Programme", {{"type", "object"}}},
      {"Synergy", {{"type", "object"}}},
      {"Envelope", {{"type", "object"}}},
      {"NewProgramme", Object({{"id", kString}, {"name", kString}, {"region", kString},
                               {"department", kString}, {"zone", kString},
                               {"facilitator_org", kString}, {"started_on", kDate}},
                              {"id", "name", "region", "department", "facilitator_org", "started_on"})},
      {"NewCompany", Object({{"id", kString}, {"name", kString}, {"siret", kString},
                             {"nace", kString}, {"employees", {{"type", "integer"}, {"minimum", 0}}}},
                            {"id", "name"})},
      {"Withdrawal", Object({{"occurred_on", kDate}, {"reason", kString}}, {"occurred_on", "reason"})},
      {"Diagnostic", Object({{"company_id", kString}, {"performed_on", kDate}, {"resources", kStrings}},
                            {"company_id", "performed_on", "resources"})},
      {"NewSynergy", Object({{"id", kString}, {"title", kString}, {"kind", kString},
                             {"resource", kString}, {"participants", {{"type", "array"}}},
                             {"ewc_code", kString}, {"description", kString}, {"occurred_on", kDate}},
                            {"title", "kind", "resource", "participants", "occurred_on"})},
      {"Study", Object({{"occurred_on", kDate}, {"aspects", {{"type", "object"}}},
                        {"success_factors", kStrings}, {"obstacles", kStrings}, {"levers", kStrings},
                        {"decision", kString}, {"estimated", Ref("Values")}},
                       {"occurred_on", "aspects", "decision", "estimated"})},
      {"Operation", Object({{"occurred_on", kDate}, {"note", kString}}, {"occurred_on"})},
      {"Measurement", Object({{"id", kString}, {"period_from", kDate}, {"period_to", kDate},
                              {"values", Ref("Values")}, {"method", kString}, {"source", kString},
                              {"verified_by", kString}, {"co2e_factor_source", kString}},
                             {"period_from", "period_to", "values", "method"})},
      {"Correction", Object({{"values", Ref("Values")}, {"reason", kString}}, {"values", "reason"})},
      {"Abandonment", Object({{"occurred_on", kDate}, {"reason_code", kString}, {"note", kString}},
                             {"occurred_on", "reason_code"})},
      {"NewToken", Object({{"name", kString}, {"role", kString}, {"programmes", kStrings}},
                          {"name", "role", "programmes"})},
  };
  json pid = PathParam("pid"), sid = PathParam("sid");
  json paths = {
      {"/healthz", {{"get", Get("liveness", {{"type", "object"}}, {}, true)}}},
      {"/readyz", {{"get", Get("readiness: 503 until the read models caught up", {{"type", "object"}}, {}, true)}}},
      {"/metrics", {{"get", Get("Prometheus metrics", kString, {}, true)}}},
      {"/v1/openapi.json", {{"get", Get("this document", {{"type", "object"}}, {}, true)}}},
      {"/v1/programmes",
       {{"get", Get("programmes within the token's scope", {{"type", "object"}}, {})},
        {"post", Command("launch a programme (admin)", "NewProgramme", true, {})}}},
      {"/v1/programmes/{pid}", {{"get", Get("one programme", Ref("Programme"), {pid})}}},
      {"/v1/programmes/{pid}/companies",
       {{"post", Command("enrol a company", "NewCompany", true, {pid})}}},
      {"/v1/programmes/{pid}/companies/{cid}/withdrawal",
       {{"post", Command("a company withdraws", "Withdrawal", false, {pid, PathParam("cid")})}}},
      {"/v1/programmes/{pid}/diagnostics",
       {{"post", Command("record a diagnostic", "Diagnostic", false, {pid})}}},
      {"/v1/programmes/{pid}/synergies",
       {{"post", Command("identify a synergy", "NewSynergy", true, {pid})}}},
      {"/v1/synergies",
       {{"get", Get("synergies", {{"type", "object"}},
                    {QueryParam("programme", "string"), QueryParam("stage", "string"),
                     QueryParam("resource", "string"), QueryParam("kind", "string")})}}},
      {"/v1/synergies/{sid}",
       {{"get", Get("one synergy, now or as recorded at as_of", Ref("Synergy"),
                    {sid, QueryParam("as_of", "string")})}}},
      {"/v1/synergies/{sid}/history", {{"get", Get("the synergy's events", {{"type", "object"}}, {sid})}}},
      {"/v1/synergies/{sid}/study", {{"post", Command("record a feasibility study", "Study", false, {sid})}}},
      {"/v1/synergies/{sid}/operation",
       {{"post", Command("the synergy becomes operational", "Operation", false, {sid})}}},
      {"/v1/synergies/{sid}/measurements",
       {{"post", Command("measure benefits", "Measurement", true, {sid})}}},
      {"/v1/synergies/{sid}/measurements/{mid}/correction",
       {{"post", Command("correct a measurement", "Correction", false, {sid, PathParam("mid")})}}},
      {"/v1/synergies/{sid}/abandonment",
       {{"post", Command("abandon the synergy", "Abandonment", false, {sid})}}},
      {"/v1/events",
       {{"get", Get("the events feed", {{"type", "object"}},
                    {QueryParam("after", "integer"), QueryParam("limit", "integer"),
                     QueryParam("programme", "string"), QueryParam("wait", "integer")})}}},
      {"/v1/audit/verify", {{"get", Get("recompute the hash chain", {{"type", "object"}}, {})}}},
      {"/v1/admin/backup",
       {{"post",
         {{"summary", "write a consistent copy of the database into a new server-side "
                      "directory (admin; used by synergyd backup while a server runs)"},
          {"requestBody",
           {{"required", true},
            {"content", {{"application/json",
                          {{"schema", Object({{"to", kString}}, {"to"})}}}}}}},
          {"responses", [] {
             json r = Errors({400, 401, 403, 415, 422, 503});
             r["201"] = Reply("backed up", {{"type", "object"}});
             return r;
           }()}}}}},
      {"/v1/kpis",
       {{"get", [] {
          json op = Get("KPI figures, measured apart from estimated; JSON, or CSV with "
                        "Accept: text/csv or format=csv",
                        {{"type", "object"}},
                        {QueryParam("programme", "string"), QueryParam("region", "string"),
                         QueryParam("from", "string"), QueryParam("to", "string"),
                         QueryParam("as_of", "string"), QueryParam("group_by", "string"),
                         QueryParam("format", "string")});
          op["responses"]["200"]["content"]["text/csv"] = {{"schema", {{"type", "string"}}}};
          return op;
        }()}}},
      {"/v1/tokens",
       {{"post",
         {{"summary", "create a token (admin); the secret is shown once"},
          {"requestBody",
           {{"required", true}, {"content", {{"application/json", {{"schema", Ref("NewToken")}}}}}}},
          {"responses", [] {
             json r = Errors({400, 401, 403, 409, 415, 422});
             r["201"] = Reply("created", {{"type", "object"}});
             return r;
           }()}}}}},
  };
  return {{"openapi", "3.1.0"},
          {"info", {{"title", "Synergy Ledger"}, {"version", "1"}}},
          {"servers", json::array({{{"url", "/"}}})},
          {"security", json::array({{{"bearer", json::array()}}})},
          {"components",
           {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
            {"schemas", schemas}}},
          {"paths", paths}};
}

}  // namespace

const json& OpenApiDocument() {
  static const json document = Build();
  return document;
}

}  // namespace synergy::api
