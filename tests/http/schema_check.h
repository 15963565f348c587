// SchemaViolations: checks a JSON value against a schema of an OpenAPI 3.1
// document, for the parts of JSON Schema that document uses: $ref to
// #/components/schemas, anyOf, type, enum, pattern, minimum, format date and
// date-time, properties, required, additionalProperties false and items.
// Returns one line per violation ("/path: what"), none when the value fits.
#ifndef SYNERGY_TESTS_HTTP_SCHEMA_CHECK_H_
#define SYNERGY_TESTS_HTTP_SCHEMA_CHECK_H_

#include <nlohmann/json.hpp>

#include <algorithm>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace synergy::testing {

class SchemaChecker {
 public:
  explicit SchemaChecker(const nlohmann::json& document) : document_(document) {}

  std::vector<std::string> Violations(const nlohmann::json& value, const nlohmann::json& schema) const {
    std::vector<std::string> out;
    Check(value, schema, "", out);
    return out;
  }

 private:
  using json = nlohmann::json;

  const json& Resolve(const json& schema) const {
    if (!schema.contains("$ref")) return schema;
    const std::string ref = schema["$ref"];
    const std::string prefix = "#/components/schemas/";
    if (ref.rfind(prefix, 0) != 0) throw std::runtime_error("unsupported $ref " + ref);
    return Resolve(document_.at("components").at("schemas").at(ref.substr(prefix.size())));
  }

  static bool HasType(const json& v, const std::string& type) {
    if (type == "object") return v.is_object();
    if (type == "array") return v.is_array();
    if (type == "string") return v.is_string();
    if (type == "integer") return v.is_number_integer();
    if (type == "number") return v.is_number();
    if (type == "boolean") return v.is_boolean();
    if (type == "null") return v.is_null();
    throw std::runtime_error("unknown type " + type);
  }

  void Check(const json& v, const json& schema_or_ref, const std::string& at,
             std::vector<std::string>& out) const {
    const json& schema = Resolve(schema_or_ref);
    const std::string where = at.empty() ? "/" : at;
    if (schema.contains("anyOf")) {
      for (const json& option : schema["anyOf"]) {
        std::vector<std::string> inner;
        Check(v, option, at, inner);
        if (inner.empty()) return;
      }
      out.push_back(where + ": fits none of anyOf: " + v.dump().substr(0, 80));
      return;
    }
    if (schema.contains("type") && !HasType(v, schema["type"])) {
      out.push_back(where + ": not of type " + schema["type"].get<std::string>() + ": " +
                    v.dump().substr(0, 80));
      return;
    }
    if (schema.contains("enum") &&
        std::find(schema["enum"].begin(), schema["enum"].end(), v) == schema["enum"].end()) {
      out.push_back(where + ": " + v.dump() + " is not in the enum");
    }
    if (v.is_string()) {
      const std::string& text = v.get_ref<const std::string&>();
      if (schema.contains("pattern") && !std::regex_search(text, std::regex(schema["pattern"].get<std::string>()))) {
        out.push_back(where + ": '" + text + "' does not match " + schema["pattern"].get<std::string>());
      }
      static const std::regex kDate(R"(^\d{4}-\d{2}-\d{2}$)");
      static const std::regex kDateTime(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$)");
      const std::string format = schema.value("format", "");
      if ((format == "date" && !std::regex_match(text, kDate)) ||
          (format == "date-time" && !std::regex_match(text, kDateTime))) {
        out.push_back(where + ": '" + text + "' is not a " + format);
      }
    }
    if (v.is_number() && schema.contains("minimum") && v.get<double>() < schema["minimum"].get<double>()) {
      out.push_back(where + ": below the minimum");
    }
    if (v.is_object()) {
      const json properties = schema.value("properties", json::object());
      for (const json& name : schema.value("required", json::array())) {
        if (!v.contains(name.get<std::string>())) out.push_back(where + ": lacks " + name.get<std::string>());
      }
      for (const auto& [key, item] : v.items()) {
        if (properties.contains(key)) {
          Check(item, properties[key], at + "/" + key, out);
        } else if (schema.value("additionalProperties", true) == false) {
          out.push_back(where + ": holds " + key + ", which the schema does not list");
        }
      }
    }
    if (v.is_array() && schema.contains("items")) {
      for (std::size_t i = 0; i < v.size(); ++i) Check(v[i], schema["items"], at + "/" + std::to_string(i), out);
    }
  }

  const json& document_;
};

}  // namespace synergy::testing

#endif  // SYNERGY_TESTS_HTTP_SCHEMA_CHECK_H_
