#include "api/openapi.h"

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/result.h"
#include "domain/values.h"
#include "infra/token_store.h"
#include "projections/kpi.h"

namespace synergy::api {

using nlohmann::json;

namespace {

const json kString = {{"type", "string"}};
const json kInteger = {{"type", "integer"}};
const json kDate = {{"type", "string"}, {"format", "date"}};
const json kTimestamp = {{"type", "string"}, {"format", "date-time"}};
const json kNumber = {{"type", "number"}};
const json kStrings = {{"type", "array"}, {"items", {{"type", "string"}}}};
const json kId = {{"type", "string"}, {"pattern", "^[a-z0-9][a-z0-9-]{0,63}$"}};

json ArrayOf(const json& items) { return {{"type", "array"}, {"items", items}}; }

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
  return {{"name", name}, {"in", "path"}, {"required", true}, {"schema", kId}};
}

// `repeat`: the parameter may be given several times (`programme=a&programme=b`).
json QueryParam(const std::string& name, const json& schema, bool repeat = false) {
  json p = {{"name", name}, {"in", "query"}, {"required", false},
            {"schema", repeat ? ArrayOf(schema) : schema}};
  if (repeat) p["explode"] = true;
  return p;
}

json Command(const std::string& summary, const std::string& body_schema, bool creates,
             std::vector<json> params) {
  json responses = Errors({400, 401, 403, 404, 409, 412, 413, 415, 422, 503});
  json& ok = responses[creates ? "201" : "200"] = Reply("accepted and durably stored", Ref("CommandReply"));
  ok["headers"] = {{"ETag", {{"description", "the stream's new version"}, {"schema", {{"type", "string"}}}}}};
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

// A read that carries an ETag: the header on 200, and 304 for a matching
// If-None-Match.
json Conditional(json op) {
  op["parameters"].push_back({{"name", "If-None-Match"}, {"in", "header"}, {"required", false},
                              {"schema", {{"type", "string"}}}});
  op["responses"]["200"]["headers"] = {{"ETag", {{"schema", {{"type", "string"}}}}}};
  op["responses"]["304"] = {{"description", "not modified: the ETag still matches"},
                            {"headers", {{"ETag", {{"schema", {{"type", "string"}}}}}}}};
  return op;
}

json Object(std::initializer_list<std::pair<const char*, json>> props,
            std::vector<std::string> required) {
  json p = json::object();
  for (const auto& [k, v] : props) p[k] = v;
  return {{"type", "object"}, {"properties", p}, {"required", required},
          {"additionalProperties", false}};
}

// `schema`, or null.
json OrNull(const json& schema) { return {{"anyOf", {schema, {{"type", "null"}}}}}; }

// A string that is one of `names`.
json Names(std::span<const std::string_view> names) {
  json list = json::array();
  for (std::string_view name : names) list.push_back(name);
  return {{"type", "string"}, {"enum", list}};
}

template <typename E>
json Enum() {
  return Names(WireNames<E>());
}

// The six quantities; in a reply every one is present.
json Values(bool all_present) {
  std::vector<std::string> required;
  json props = json::object();
  for (const QuantityField& f : kQuantityFields) {
    props[std::string(f.name)] = kNumber;
    if (all_present) required.emplace_back(f.name);
  }
  return {{"type", "object"}, {"properties", props}, {"required", required},
          {"additionalProperties", false}};
}

json ProblemTypes() {
  json types = json::array();
  for (int c = 0; c <= static_cast<int>(ErrorCode::kUnavailable); ++c) {
    types.push_back(ProblemType(static_cast<ErrorCode>(c)));
  }
  return {{"type", "string"}, {"enum", types}};
}

json Schemas() {
  json counts = Object({{"identified", kInteger}, {"studied", kInteger}, {"operational", kInteger},
                        {"measured", kInteger}, {"abandoned", kInteger}, {"total", kInteger}},
                       {"identified", "studied", "operational", "measured", "abandoned", "total"});
  json participant = Object({{"company_id", kId}, {"role", Enum<ParticipantRole>()}}, {"company_id", "role"});
  json roles = Names(kRoleNames);
  json hash = {{"type", "string"}, {"pattern", "^[0-9a-f]{64}$"}};
  return {
      {"Problem", Object({{"type", ProblemTypes()}, {"title", kString}, {"status", kInteger},
                          {"detail", kString},
                          {"errors", ArrayOf(Object({{"field", kString}, {"message", kString}},
                                                    {"field", "message"}))}},
                         {"type", "title", "status", "detail", "errors"})},
      {"CommandReply", Object({{"id", kString}, {"stream", kString}, {"version", kInteger},
                               {"position", kInteger}, {"stage", Enum<Stage>()}},
                              {"id", "stream", "version", "position"})},
      {"Values", Values(false)},
      {"AllValues", Values(true)},
      {"Company", Object({{"id", kId}, {"name", kString}, {"siret", OrNull(kString)},
                          {"nace", OrNull(kString)}, {"employees", OrNull(kInteger)},
                          {"enrolled_on", kDate}, {"withdrawn_on", OrNull(kDate)}},
                         {"id", "name", "siret", "nace", "employees", "enrolled_on", "withdrawn_on"})},
      {"Programme", Object({{"id", kId}, {"name", kString}, {"region", kString},
                            {"department", kString}, {"zone", OrNull(kString)},
                            {"facilitator_org", kString}, {"started_on", kDate}, {"version", kInteger},
                            {"companies", ArrayOf(Ref("Company"))}, {"diagnostics", kInteger}},
                           {"id", "name", "region", "department", "zone", "facilitator_org",
                            "started_on", "version", "companies", "diagnostics"})},
      {"Programmes", Object({{"programmes", ArrayOf(Ref("Programme"))}}, {"programmes"})},
      {"Participant", participant},
      {"StudyState",
       Object({{"occurred_on", kDate}, {"decision", Enum<Decision>()},
               {"aspects", Object({{"organisational", OrNull(kString)}, {"technical", OrNull(kString)},
                                   {"economic", OrNull(kString)}, {"logistic", OrNull(kString)},
                                   {"legal", OrNull(kString)}},
                                  {"organisational", "technical", "economic", "logistic", "legal"})},
               {"success_factors", kStrings}, {"obstacles", kStrings}, {"levers", kStrings},
               {"estimated", Ref("AllValues")}},
              {"occurred_on", "decision", "aspects", "success_factors", "obstacles", "levers", "estimated"})},
      {"MeasurementState",
       Object({{"id", kId}, {"period_from", kDate}, {"period_to", kDate}, {"values", Ref("AllValues")},
               {"method", Enum<MeasurementMethod>()}, {"source", OrNull(kString)},
               {"verified_by", OrNull(kString)}, {"co2e_factor_source", OrNull(kString)},
               {"corrected", {{"type", "boolean"}}}},
              {"id", "period_from", "period_to", "values", "method", "source", "verified_by",
               "co2e_factor_source", "corrected"})},
      {"Synergy",
       Object({{"id", kId}, {"programme", kId}, {"title", kString}, {"kind", Enum<SynergyKind>()},
               {"resource", Enum<Resource>()}, {"ewc_code", OrNull(kString)},
               {"description", OrNull(kString)}, {"stage", Enum<Stage>()}, {"version", kInteger},
               {"identified_on", kDate}, {"participants", ArrayOf(Ref("Participant"))},
               {"study", OrNull(Ref("StudyState"))}, {"operational_since", OrNull(kDate)},
               {"abandonment", OrNull(Object({{"occurred_on", kDate}, {"reason_code", Enum<ReasonCode>()},
                                              {"note", OrNull(kString)}},
                                             {"occurred_on", "reason_code", "note"}))},
               {"measurements", ArrayOf(Ref("MeasurementState"))}},
              {"id", "programme", "title", "kind", "resource", "ewc_code", "description", "stage",
               "version", "identified_on", "participants", "study", "operational_since",
               "abandonment", "measurements"})},
      {"Synergies", Object({{"synergies", ArrayOf(Ref("Synergy"))}}, {"synergies"})},
      {"Envelope", Object({{"position", kInteger}, {"stream", kString}, {"version", kInteger},
                           {"type", kString}, {"occurred_on", kDate}, {"recorded_at", kTimestamp},
                           {"actor", kString}, {"data", {{"type", "object"}}}, {"hash", hash}},
                          {"position", "stream", "version", "type", "occurred_on", "recorded_at",
                           "actor", "data", "hash"})},
      {"History", Object({{"stream", kString}, {"events", ArrayOf(Ref("Envelope"))}}, {"stream", "events"})},
      {"EventsPage", Object({{"events", ArrayOf(Ref("Envelope"))}, {"last_position", kInteger}},
                            {"events", "last_position"})},
      {"Verification", Object({{"ok", {{"type", "boolean"}}}, {"checked", kInteger},
                               {"head_position", kInteger}, {"head_hash", hash},
                               {"first_bad_position", kInteger}},
                              {"ok", "checked", "head_position", "head_hash"})},
      {"Kpis",
       Object({{"as_of", kTimestamp}, {"position", kInteger},
               {"totals", Object({{"measured", Ref("AllValues")}, {"estimated", Ref("AllValues")},
                                  {"synergies", counts}, {"companies_enrolled", kInteger},
                                  {"companies_engaged", kInteger}, {"diagnostics", kInteger}},
                                 {"measured", "estimated", "synergies", "companies_enrolled",
                                  "companies_engaged", "diagnostics"})},
               {"groups", ArrayOf(Object({{"key", kString}, {"measured", Ref("AllValues")},
                                          {"estimated", Ref("AllValues")}, {"synergies", counts},
                                          {"diagnostics", kInteger}},
                                         {"key", "measured"}))}},
              {"as_of", "position", "totals", "groups"})},
      {"Token", Object({{"name", kString}, {"role", roles}, {"programmes", ArrayOf(kId)}, {"token", kString}},
                       {"name", "role", "programmes", "token"})},
      {"Status", Object({{"status", kString}}, {"status"})},
      {"NewProgramme", Object({{"id", kId}, {"name", kString}, {"region", kString},
                               {"department", kString}, {"zone", kString},
                               {"facilitator_org", kString}, {"started_on", kDate}},
                              {"id", "name", "region", "department", "facilitator_org", "started_on"})},
      {"NewCompany", Object({{"id", kId}, {"name", kString},
                             {"siret", {{"type", "string"}, {"pattern", "^[0-9]{14}$"}}},
                             {"nace", {{"type", "string"}, {"pattern", "^[0-9]{2}\\.?[0-9]{2}[A-Z]$"}}},
                             {"employees", {{"type", "integer"}, {"minimum", 0}}}},
                            {"id", "name"})},
      {"Withdrawal", Object({{"occurred_on", kDate}, {"reason", kString}}, {"occurred_on", "reason"})},
      {"Diagnostic", Object({{"company_id", kId}, {"performed_on", kDate},
                             {"resources", ArrayOf(Enum<Resource>())}},
                            {"company_id", "performed_on", "resources"})},
      {"NewSynergy", Object({{"id", kId}, {"title", kString}, {"kind", Enum<SynergyKind>()},
                             {"resource", Enum<Resource>()}, {"participants", ArrayOf(participant)},
                             {"ewc_code", {{"type", "string"}, {"pattern", "^[0-9]{6}\\*?$"}}},
                             {"description", kString}, {"occurred_on", kDate}},
                            {"title", "kind", "resource", "participants", "occurred_on"})},
      {"Study", Object({{"occurred_on", kDate},
                        {"aspects", Object({{"organisational", kString}, {"technical", kString},
                                            {"economic", kString}, {"logistic", kString},
                                            {"legal", kString}},
                                           {})},
                        {"success_factors", kStrings}, {"obstacles", kStrings}, {"levers", kStrings},
                        {"decision", Enum<Decision>()}, {"estimated", Ref("Values")}},
                       {"occurred_on", "aspects", "decision", "estimated"})},
      {"Operation", Object({{"occurred_on", kDate}, {"note", kString}}, {"occurred_on"})},
      {"Measurement", Object({{"id", kId}, {"period_from", kDate}, {"period_to", kDate},
                              {"values", Ref("Values")}, {"method", Enum<MeasurementMethod>()},
                              {"source", kString}, {"verified_by", kString}, {"co2e_factor_source", kString}},
                             {"period_from", "period_to", "values", "method"})},
      {"Correction", Object({{"values", Ref("Values")}, {"reason", kString}}, {"values", "reason"})},
      {"Abandonment", Object({{"occurred_on", kDate}, {"reason_code", Enum<ReasonCode>()}, {"note", kString}},
                             {"occurred_on", "reason_code"})},
      {"NewToken", Object({{"name", kString}, {"role", roles}, {"programmes", ArrayOf(kId)}},
                          {"name", "role", "programmes"})},
  };
}

json Build() {
  json schemas = Schemas();
  json pid = PathParam("pid"), sid = PathParam("sid");
  json paths = {
      {"/healthz", {{"get", Get("liveness", Ref("Status"), {}, true)}}},
      {"/readyz", {{"get", [] {
         json op = Get("readiness: 503 until the read models caught up", Ref("Status"), {}, true);
         op["responses"]["503"] = Reply("catching up", Ref("Status"));
         return op;
       }()}}},
      {"/metrics", {{"get", Get("Prometheus metrics", kString, {}, true)}}},
      {"/v1/openapi.json", {{"get", Get("this document", {{"type", "object"}}, {}, true)}}},
      {"/v1/programmes",
       {{"get", Get("programmes within the token's scope", Ref("Programmes"), {})},
        {"post", Command("launch a programme (admin)", "NewProgramme", true, {})}}},
      {"/v1/programmes/{pid}", {{"get", Conditional(Get("one programme", Ref("Programme"), {pid}))}}},
      {"/v1/programmes/{pid}/companies",
       {{"post", Command("enrol a company", "NewCompany", true, {pid})}}},
      {"/v1/programmes/{pid}/companies/{cid}/withdrawal",
       {{"post", Command("a company withdraws", "Withdrawal", false, {pid, PathParam("cid")})}}},
      {"/v1/programmes/{pid}/diagnostics",
       {{"post", Command("record a diagnostic", "Diagnostic", false, {pid})}}},
      {"/v1/programmes/{pid}/synergies",
       {{"post", Command("identify a synergy", "NewSynergy", true, {pid})}}},
      {"/v1/synergies",
       {{"get", Get("synergies", Ref("Synergies"),
                    {QueryParam("programme", kId), QueryParam("stage", Enum<Stage>()),
                     QueryParam("resource", Enum<Resource>()), QueryParam("kind", Enum<SynergyKind>())})}}},
      {"/v1/synergies/{sid}",
       {{"get", Conditional(Get("one synergy, now or as recorded at as_of", Ref("Synergy"),
                                {sid, QueryParam("as_of", kString)}))}}},
      {"/v1/synergies/{sid}/history", {{"get", Get("the synergy's events", Ref("History"), {sid})}}},
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
       {{"get", Get("the events feed", Ref("EventsPage"),
                    {QueryParam("after", kInteger), QueryParam("limit", kInteger),
                     QueryParam("programme", kId), QueryParam("wait", kInteger)})}}},
      {"/v1/audit/verify", {{"get", Get("recompute the hash chain", Ref("Verification"), {})}}},
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
             r["201"] = Reply("backed up", Object({{"to", kString}, {"includes_position", kInteger}},
                                                  {"to", "includes_position"}));
             return r;
           }()}}}}},
      {"/v1/kpis",
       {{"get", [] {
          json op = Get("KPI figures, measured apart from estimated; JSON, or CSV with "
                        "Accept: text/csv or format=csv",
                        Ref("Kpis"),
                        {QueryParam("programme", kId, true), QueryParam("region", kString),
                         QueryParam("from", kDate), QueryParam("to", kDate),
                         QueryParam("as_of", kString),
                         QueryParam("group_by", Enum<KpiGrouping>()),
                         QueryParam("format", Names(std::array<std::string_view, 2>{"json", "csv"}))});
          op["responses"]["200"]["content"]["text/csv"] = {{"schema", {{"type", "string"}}}};
          return Conditional(op);
        }()}}},
      {"/v1/tokens",
       {{"post",
         {{"summary", "create a token (admin); the secret is shown once"},
          {"requestBody",
           {{"required", true}, {"content", {{"application/json", {{"schema", Ref("NewToken")}}}}}}},
          {"responses", [] {
             json r = Errors({400, 401, 403, 409, 415, 422});
             r["201"] = Reply("created", Ref("Token"));
             return r;
           }()}}}}},
  };
  // Every GET answers HEAD too: the same replies, their headers alone.
  for (auto& [path, item] : paths.items()) {
    if (!item.contains("get")) continue;
    json head = item["get"];
    head["summary"] = "the headers of GET " + path;
    for (auto& [status, reply] : head["responses"].items()) reply.erase("content");
    item["head"] = std::move(head);
  }
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
