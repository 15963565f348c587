#include "api/json_input.h"

#include <gtest/gtest.h>

namespace synergy::api {
namespace {

using nlohmann::json;

ErrorCode CodeOf(std::string_view body) { return ParseBody(body).error().code; }

TEST(ParseBody, AcceptsOneObject) {
  Result<json> r = ParseBody(R"({"a": [1, {"b": "é"}], "c": null})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["a"][1]["b"], "é");
}

TEST(ParseBody, MalformedInputs) {
  for (std::string_view body : {"", "[]", "1", "{", "{\"a\":}", "{\"a\": NaN}", "{\"a\": Infinity}",
                                "{\"a\": \"\\ud800\"}", "{\"a\": \"\xc3\x28\"}", "{'a': 1}"}) {
    EXPECT_EQ(CodeOf(body), ErrorCode::kMalformedJson) << body;
  }
}

TEST(ParseBody, DuplicateKeysAtAnyDepth) {
  EXPECT_EQ(CodeOf(R"({"a": 1, "a": 2})"), ErrorCode::kMalformedJson);
  EXPECT_EQ(CodeOf(R"({"a": {"b": 1, "b": 1}})"), ErrorCode::kMalformedJson);
  EXPECT_TRUE(ParseBody(R"({"a": {"b": 1}, "c": {"b": 1}})").ok());  // same key, two objects
  // Past the first 32 keys of an object, whichever key is repeated.
  auto object_of = [](int keys, int repeated) {
    std::string body = "{";
    for (int i = 0; i < keys; ++i) body += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ",";
    return body + "\"k" + std::to_string(repeated) + "\": 0}";
  };
  for (int keys : {31, 32, 33, 40, 1000}) {
    EXPECT_EQ(CodeOf(object_of(keys, 0)), ErrorCode::kMalformedJson) << keys;
    EXPECT_EQ(CodeOf(object_of(keys, keys - 1)), ErrorCode::kMalformedJson) << keys;
    EXPECT_TRUE(ParseBody(object_of(keys, keys)).ok()) << keys;  // k<keys> is new
  }
}

TEST(ParseBody, DepthLimit) {
  auto nested = [](int depth) {
    std::string s = "{\"a\":";
    for (int i = 1; i < depth; ++i) s += "[";
    s += "0";
    for (int i = 1; i < depth; ++i) s += "]";
    return s + "}";
  };
  EXPECT_TRUE(ParseBody(nested(kMaxJsonDepth)).ok());
  EXPECT_EQ(CodeOf(nested(kMaxJsonDepth + 1)), ErrorCode::kMalformedJson);
  EXPECT_EQ(CodeOf(std::string(10000, '[')), ErrorCode::kMalformedJson);
  // Brackets inside strings do not count.
  EXPECT_TRUE(ParseBody("{\"a\": \"" + std::string(100, '[') + "\"}").ok());
}

TEST(ParseBody, OverflowingNumbersNameTheirField) {
  Result<json> r = ParseBody(R"({"values": {"jobs": 1, "savings_eur": 1e400}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kValidation);
  EXPECT_EQ(r.error().field, "values.savings_eur");
  EXPECT_EQ(ParseBody(R"({"a": [1, 2, -1e999]})").error().field, "a.2");
}

TEST(Mapping, FieldsAreCheckedStrictly) {
  json good = {{"id", "s1"}, {"title", "t"}, {"kind", "mutualisation"}, {"resource", "energy"},
               {"participants", {{{"company_id", "a"}, {"role", "member"}},
                                 {{"company_id", "b"}, {"role", "member"}}}},
               {"occurred_on", "2020-01-01"}};
  Result<SynergyIdentified> ok = ToSynergyIdentified(good, "p", "generated");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->programme, "p");
  EXPECT_EQ(ok->participants.size(), 2u);
  json without_id = good;
  without_id.erase("id");
  EXPECT_EQ(ToSynergyIdentified(without_id, "p", "generated")->id, "generated");

  auto field_of = [&](auto change) {
    json b = good;
    change(b);
    Result<SynergyIdentified> r = ToSynergyIdentified(b, "p", "g");
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.error().field;
  };
  EXPECT_EQ(field_of([](json& b) { b["extra"] = 1; }), "extra");
  EXPECT_EQ(field_of([](json& b) { b.erase("title"); }), "title");
  EXPECT_EQ(field_of([](json& b) { b["title"] = 5; }), "title");
  EXPECT_EQ(field_of([](json& b) { b["kind"] = "swap"; }), "kind");
  EXPECT_EQ(field_of([](json& b) { b["occurred_on"] = "2020-02-30"; }), "occurred_on");
  EXPECT_EQ(field_of([](json& b) { b["participants"][1]["role"] = 3; }), "participants.1.role");
  EXPECT_EQ(field_of([](json& b) { b["participants"][0]["x"] = 3; }), "participants.0.x");
  EXPECT_EQ(field_of([](json& b) { b["participants"] = "a,b"; }), "participants");
}

TEST(Mapping, NamesEveryOffendingField) {
  auto fields_of = [](const Error& e) {
    std::vector<std::string> fields{e.field};
    for (const FieldMessage& m : e.more) fields.push_back(m.field + ": " + m.message);
    return fields;
  };
  json s = {{"title", 5}, {"kind", "swap"},
            {"participants", {{{"company_id", "a"}}, {{"company_id", 1}, {"role", "member"}}, 7}},
            {"occurred_on", "2020-02-30"}, {"extra", true}};
  Result<SynergyIdentified> r = ToSynergyIdentified(s, "p", "g");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "must be a string");
  EXPECT_EQ(fields_of(r.error()), (std::vector<std::string>{
                                      "title",
                                      "kind: 'swap' is not an accepted value",
                                      "resource: is required",
                                      "participants.0.role: is required",
                                      "participants.1.company_id: must be a string",
                                      "participants.2: must be an object",
                                      "occurred_on: must be a date YYYY-MM-DD",
                                      "extra: is not a known field",
                                  }));
  // Nested objects, missing or of the wrong kind, and arrays of strings.
  json study = {{"occurred_on", "2020-01-01"}, {"decision", "go"}, {"obstacles", {"x", 2, "y", false}},
                {"estimated", {{"water_m3", "3"}, {"jobs", 1}, {"x", 0}}}};
  EXPECT_EQ(fields_of(ToFeasibilityStudied(study).error()),
            (std::vector<std::string>{"aspects", "obstacles.1: must be a string",
                                      "obstacles.3: must be a string",
                                      "estimated.water_m3: must be a number",
                                      "estimated.x: is not a known field"}));
  json diagnostic = {{"company_id", "a"}, {"performed_on", "2020-01-01"}, {"resources", {"waste", "air", 3}}};
  EXPECT_EQ(fields_of(ToDiagnosticRecorded(diagnostic).error()),
            (std::vector<std::string>{"resources.1", "resources.2: must be a string"}));
  json token = {{"name", ""}, {"role", "root"}, {"programmes", {"ok", "Bad", 3}}};
  EXPECT_EQ(fields_of(ToTokenRequest(token).error()),
            (std::vector<std::string>{"name", "role: must be admin, facilitator, manager or funder",
                                      "programmes.1: must match ^[a-z0-9][a-z0-9-]{0,63}$",
                                      "programmes.2: must be a string"}));
  // A required value that is absent is named once, not also as of the wrong kind.
  EXPECT_EQ(fields_of(ToProgrammeLaunched(json::object()).error()),
            (std::vector<std::string>{"id", "name: is required", "region: is required",
                                      "department: is required", "facilitator_org: is required",
                                      "started_on: is required"}));
}

TEST(Mapping, ValuesAndIntegers) {
  json m = {{"period_from", "2020-01-01"}, {"period_to", "2020-01-31"},
            {"values", {{"water_m3", 3}, {"unknown", 1}}}, {"method", "metered"}};
  EXPECT_EQ(ToBenefitsMeasured(m, "m").error().field, "values.unknown");
  m["values"] = {{"water_m3", "3"}};
  EXPECT_EQ(ToBenefitsMeasured(m, "m").error().field, "values.water_m3");
  m["values"] = {{"water_m3", 3}};
  Result<BenefitsMeasured> ok = ToBenefitsMeasured(m, "m");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->values.water_m3, 3);
  EXPECT_EQ(ok->values.savings_eur, 0);  // absent is 0
  json c = {{"id", "a"}, {"name", "A"}, {"employees", 1.5}};
  EXPECT_EQ(ToCompanyEnrolled(c).error().field, "employees");
  c["employees"] = 12;
  EXPECT_EQ(*ToCompanyEnrolled(c)->employees, 12);
  // A number without a fractional part is an integer however it is written.
  for (const char* text : {"12.0", "1.2e1", "120e-1"}) {
    c["employees"] = json::parse(text);
    ASSERT_TRUE(ToCompanyEnrolled(c).ok()) << text;
    EXPECT_EQ(*ToCompanyEnrolled(c)->employees, 12) << text;
  }
  c["employees"] = json::parse("1e19");
  EXPECT_EQ(ToCompanyEnrolled(c).error().message, "is too large");
  c["employees"] = json::parse("18446744073709551615");
  EXPECT_EQ(ToCompanyEnrolled(c).error().message, "is too large");
}

TEST(Mapping, Tokens) {
  json t = {{"name", "anne"}, {"role", "funder"}, {"programmes", {"ziri", "Bad"}}};
  EXPECT_EQ(ToTokenRequest(t).error().field, "programmes.1");
  t["programmes"] = json::array();
  EXPECT_TRUE(ToTokenRequest(t).ok());
  t["role"] = "root";
  EXPECT_EQ(ToTokenRequest(t).error().field, "role");
}

}  // namespace
}  // namespace synergy::api
