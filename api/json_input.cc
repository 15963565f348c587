#include "api/json_input.h"

#include <cmath>
#include <set>
#include <vector>

namespace synergy::api {

using nlohmann::json;

namespace {

// Deepest nesting of arrays and objects, strings skipped; stops counting
// past `limit`. Run before parsing so that no parser recursion or
// allocation ever sees a 10,000-deep document.
int NestingDepth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

Error Malformed(std::string message) {
  return MakeError(ErrorCode::kMalformedJson, std::move(message));
}

// A failed field check; caught at each mapping's top.
struct FieldError {
  std::string field;
  std::string message;
};

// Reads the fields of one JSON object, remembering which it read so that
// Finish() can refuse any other.
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) throw FieldError{Name(""), "must be an object"};
  }

  std::string Name(std::string_view key) const {
    if (path_.empty()) return std::string(key);
    if (key.empty()) return path_;
    return path_ + "." + std::string(key);
  }

  // The value under `key`, or nullptr when absent or null.
  const json* Find(std::string_view key) {
    read_.emplace(key);
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  const json& Required(std::string_view key) {
    const json* v = Find(key);
    if (!v) throw FieldError{Name(key), "is required"};
    return *v;
  }

  std::string String(std::string_view key) {
    const json& v = Required(key);
    if (!v.is_string()) throw FieldError{Name(key), "must be a string"};
    return v.get<std::string>();
  }

  std::optional<std::string> OptionalString(std::string_view key) {
    const json* v = Find(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) throw FieldError{Name(key), "must be a string"};
    return v->get<std::string>();
  }

  Date DateField(std::string_view key) {
    std::string text = String(key);
    std::optional<Date> date = Date::Parse(text);
    if (!date) throw FieldError{Name(key), "must be a date YYYY-MM-DD"};
    return *date;
  }

  template <typename Enum>
  Enum EnumField(std::string_view key) {
    std::string text = String(key);
    std::optional<Enum> value = ParseEnum<Enum>(text);
    if (!value) throw FieldError{Name(key), "'" + text + "' is not an accepted value"};
    return *value;
  }

  // An integer is any number without a fractional part, written `12`,
  // `12.0` or `1.2e1` (as JSON Schema, and so the OpenAPI document, has it).
  std::optional<std::int64_t> OptionalInteger(std::string_view key) {
    const json* v = Find(key);
    if (!v) return std::nullopt;
    if (v->is_number_float()) {
      double d = v->get<double>();
      if (d != std::trunc(d)) throw FieldError{Name(key), "must be an integer"};
      if (!(d >= -0x1p63 && d < 0x1p63)) throw FieldError{Name(key), "is too large"};
      return static_cast<std::int64_t>(d);
    }
    if (!v->is_number_integer()) throw FieldError{Name(key), "must be an integer"};
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > INT64_MAX) {
      throw FieldError{Name(key), "is too large"};
    }
    return v->get<std::int64_t>();
  }

  std::vector<std::string> StringList(std::string_view key, bool required) {
    const json* v = required ? &Required(key) : Find(key);
    std::vector<std::string> out;
    if (!v) return out;
    if (!v->is_array()) throw FieldError{Name(key), "must be an array"};
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string()) {
        throw FieldError{Name(key) + "." + std::to_string(i), "must be a string"};
      }
      out.push_back((*v)[i].get<std::string>());
    }
    return out;
  }

  Quantities QuantitiesField(std::string_view key) {
    ObjectReader values(Required(key), Name(key));
    Quantities q;
    for (const QuantityField& f : kQuantityFields) {
      const json* v = values.Find(f.name);
      if (!v) continue;
      if (!v->is_number()) throw FieldError{values.Name(f.name), "must be a number"};
      double d = v->get<double>();
      if (!std::isfinite(d)) throw FieldError{values.Name(f.name), "must be a finite number"};
      q.*f.member = d;
    }
    values.Finish();
    return q;
  }

  void Finish() const {
    for (const auto& [key, value] : object_.items()) {
      if (!read_.contains(key)) throw FieldError{Name(key), "is not a known field"};
    }
  }

 private:
  const json& object_;
  std::string path_;
  std::set<std::string, std::less<>> read_;
};

// Runs a mapping, turning a FieldError into a validation error.
template <typename T, typename F>
Result<T> Map(F&& map) {
  try {
    return map();
  } catch (const FieldError& e) {
    return MakeError(ErrorCode::kValidation, e.message, e.field);
  }
}

}  // namespace

namespace {

// Builds the document through nlohmann's own DOM builder while keeping what
// the contract needs and nlohmann does not check: duplicate keys, and the
// path of a number too large for a double (nlohmann reports the overflow
// without saying where).
class StrictSax {
 public:
  explicit StrictSax(json& root) : dom_(root, false) {}

  bool null() { return Value() && dom_.null(); }
  bool boolean(bool v) { return Value() && dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return Value() && dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return Value() && dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const std::string& s) {
    return Value() && dom_.number_float(v, s);
  }
  bool string(std::string& v) { return Value() && dom_.string(v); }
  bool binary(json::binary_t& v) { return Value() && dom_.binary(v); }
  bool start_object(std::size_t n) {
    Value();
    frames_.push_back(Frame{false, {}, 0, {}});
    return dom_.start_object(n);
  }
  bool key(std::string& k) {
    Frame& f = frames_.back();
    if (!f.keys.insert(k).second) {
      duplicate_ = k;
      return false;
    }
    f.key = k;
    return dom_.key(k);
  }
  bool end_object() {
    frames_.pop_back();
    return dom_.end_object();
  }
  bool start_array(std::size_t n) {
    Value();
    frames_.push_back(Frame{true, {}, 0, {}});
    return dom_.start_array(n);
  }
  bool end_array() {
    frames_.pop_back();
    return dom_.end_array();
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    if (e.id == 406) {  // number overflow: the value about to be stored
      Value();
      overflow_path_ = Path();
    }
    error_ = e.what();
    return false;
  }

  const std::optional<std::string>& duplicate() const { return duplicate_; }
  const std::optional<std::string>& overflow_path() const { return overflow_path_; }
  const std::string& error() const { return error_; }

 private:
  struct Frame {
    bool array;
    std::string key;
    std::size_t next_index;
    std::set<std::string> keys;
  };
  // A value starts: in an array, it takes the next index.
  bool Value() {
    if (!frames_.empty() && frames_.back().array) {
      frames_.back().key = std::to_string(frames_.back().next_index++);
    }
    return true;
  }
  std::string Path() const {
    std::string out;
    for (const Frame& f : frames_) {
      if (!out.empty()) out += '.';
      out += f.key;
    }
    return out;
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  std::vector<Frame> frames_;
  std::optional<std::string> duplicate_;
  std::optional<std::string> overflow_path_;
  std::string error_;
};

}  // namespace

Result<json> ParseBody(std::string_view body) {
  if (NestingDepth(body, kMaxJsonDepth) > kMaxJsonDepth) {
    return Malformed("JSON nested deeper than " + std::to_string(kMaxJsonDepth));
  }
  json parsed;
  StrictSax sax(parsed);
  bool ok = json::sax_parse(body.begin(), body.end(), &sax);
  if (sax.duplicate()) return Malformed("duplicate key '" + *sax.duplicate() + "'");
  if (sax.overflow_path()) {
    return MakeError(ErrorCode::kValidation, "must be a finite number", *sax.overflow_path());
  }
  if (!ok) return Malformed("not valid JSON: " + sax.error());
  if (!parsed.is_object()) return Malformed("the body must be a JSON object");
  return parsed;
}

Result<ProgrammeLaunched> ToProgrammeLaunched(const json& body) {
  return Map<ProgrammeLaunched>([&] {
    ObjectReader r(body, "");
    ProgrammeLaunched e;
    e.id = r.String("id");
    e.name = r.String("name");
    e.region = r.String("region");
    e.department = r.String("department");
    e.zone = r.OptionalString("zone");
    e.facilitator_org = r.String("facilitator_org");
    e.started_on = r.DateField("started_on");
    r.Finish();
    return e;
  });
}

Result<CompanyEnrolled> ToCompanyEnrolled(const json& body) {
  return Map<CompanyEnrolled>([&] {
    ObjectReader r(body, "");
    CompanyEnrolled e;
    e.id = r.String("id");
    e.name = r.String("name");
    e.siret = r.OptionalString("siret");
    e.nace = r.OptionalString("nace");
    e.employees = r.OptionalInteger("employees");
    r.Finish();
    return e;
  });
}

Result<CompanyWithdrew> ToCompanyWithdrew(const json& body, std::string company_id) {
  return Map<CompanyWithdrew>([&] {
    ObjectReader r(body, "");
    CompanyWithdrew e;
    e.company_id = std::move(company_id);
    e.occurred_on = r.DateField("occurred_on");
    e.reason = r.String("reason");
    r.Finish();
    return e;
  });
}

Result<DiagnosticRecorded> ToDiagnosticRecorded(const json& body) {
  return Map<DiagnosticRecorded>([&] {
    ObjectReader r(body, "");
    DiagnosticRecorded e;
    e.company_id = r.String("company_id");
    e.performed_on = r.DateField("performed_on");
    std::vector<std::string> resources = r.StringList("resources", true);
    for (std::size_t i = 0; i < resources.size(); ++i) {
      std::optional<Resource> res = ParseEnum<Resource>(resources[i]);
      if (!res) {
        throw FieldError{"resources." + std::to_string(i),
                         "'" + resources[i] + "' is not an accepted value"};
      }
      e.resources.push_back(*res);
    }
    r.Finish();
    return e;
  });
}

Result<SynergyIdentified> ToSynergyIdentified(const json& body, std::string programme,
                                              const std::string& new_id) {
  return Map<SynergyIdentified>([&] {
    ObjectReader r(body, "");
    SynergyIdentified e;
    e.id = r.OptionalString("id").value_or(new_id);
    e.programme = std::move(programme);
    e.title = r.String("title");
    e.kind = r.EnumField<SynergyKind>("kind");
    e.resource = r.EnumField<Resource>("resource");
    const json& participants = r.Required("participants");
    if (!participants.is_array()) throw FieldError{"participants", "must be an array"};
    for (std::size_t i = 0; i < participants.size(); ++i) {
      ObjectReader p(participants[i], "participants." + std::to_string(i));
      Participant participant;
      participant.company_id = p.String("company_id");
      participant.role = p.EnumField<ParticipantRole>("role");
      p.Finish();
      e.participants.push_back(std::move(participant));
    }
    e.ewc_code = r.OptionalString("ewc_code");
    e.description = r.OptionalString("description");
    e.occurred_on = r.DateField("occurred_on");
    r.Finish();
    return e;
  });
}

Result<FeasibilityStudied> ToFeasibilityStudied(const json& body) {
  return Map<FeasibilityStudied>([&] {
    ObjectReader r(body, "");
    FeasibilityStudied e;
    e.occurred_on = r.DateField("occurred_on");
    ObjectReader aspects(r.Required("aspects"), "aspects");
    e.aspects.organisational = aspects.OptionalString("organisational");
    e.aspects.technical = aspects.OptionalString("technical");
    e.aspects.economic = aspects.OptionalString("economic");
    e.aspects.logistic = aspects.OptionalString("logistic");
    e.aspects.legal = aspects.OptionalString("legal");
    aspects.Finish();
    e.success_factors = r.StringList("success_factors", false);
    e.obstacles = r.StringList("obstacles", false);
    e.levers = r.StringList("levers", false);
    e.decision = r.EnumField<Decision>("decision");
    e.estimated = r.QuantitiesField("estimated");
    r.Finish();
    return e;
  });
}

Result<SynergyOperational> ToSynergyOperational(const json& body) {
  return Map<SynergyOperational>([&] {
    ObjectReader r(body, "");
    SynergyOperational e;
    e.occurred_on = r.DateField("occurred_on");
    e.note = r.OptionalString("note");
    r.Finish();
    return e;
  });
}

Result<BenefitsMeasured> ToBenefitsMeasured(const json& body, const std::string& new_id) {
  return Map<BenefitsMeasured>([&] {
    ObjectReader r(body, "");
    BenefitsMeasured e;
    e.id = r.OptionalString("id").value_or(new_id);
    e.period_from = r.DateField("period_from");
    e.period_to = r.DateField("period_to");
    e.values = r.QuantitiesField("values");
    e.method = r.EnumField<MeasurementMethod>("method");
    e.source = r.OptionalString("source");
    e.verified_by = r.OptionalString("verified_by");
    e.co2e_factor_source = r.OptionalString("co2e_factor_source");
    r.Finish();
    return e;
  });
}

Result<MeasurementCorrected> ToMeasurementCorrected(const json& body,
                                                    std::string measurement_id) {
  return Map<MeasurementCorrected>([&] {
    ObjectReader r(body, "");
    MeasurementCorrected e;
    e.measurement_id = std::move(measurement_id);
    e.values = r.QuantitiesField("values");
    e.reason = r.String("reason");
    r.Finish();
    return e;
  });
}

Result<SynergyAbandoned> ToSynergyAbandoned(const json& body) {
  return Map<SynergyAbandoned>([&] {
    ObjectReader r(body, "");
    SynergyAbandoned e;
    e.occurred_on = r.DateField("occurred_on");
    e.reason_code = r.EnumField<ReasonCode>("reason_code");
    e.note = r.OptionalString("note");
    r.Finish();
    return e;
  });
}

Result<TokenRequest> ToTokenRequest(const json& body) {
  return Map<TokenRequest>([&] {
    ObjectReader r(body, "");
    TokenRequest t;
    t.name = r.String("name");
    if (t.name.empty() || t.name.size() > 128 ||
        t.name.find_first_of(std::string_view("\0\r\n", 3)) != std::string::npos) {
      throw FieldError{"name", "must be 1 to 128 characters on one line"};
    }
    t.role = r.String("role");
    if (t.role != "admin" && t.role != "facilitator" && t.role != "manager" &&
        t.role != "funder") {
      throw FieldError{"role", "must be admin, facilitator, manager or funder"};
    }
    t.programmes = r.StringList("programmes", true);
    for (std::size_t i = 0; i < t.programmes.size(); ++i) {
      if (!IsValidId(t.programmes[i])) {
        throw FieldError{"programmes." + std::to_string(i),
                         "must match ^[a-z0-9][a-z0-9-]{0,63}$"};
      }
    }
    r.Finish();
    return t;
  });
}

}  // namespace synergy::api
