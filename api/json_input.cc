#include "api/json_input.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "infra/token_store.h"

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

// Reads the fields of one JSON object, remembering which it read so that
// Finish() can refuse any other. A field that is missing or of the wrong
// kind is added to the shared Violations and read as empty, so that one
// pass over a body finds every offending field.
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string path, Violations& found)
      : ObjectReader(&object, std::move(path), found) {}

  std::string Name(std::string_view key) const {
    if (path_.empty()) return std::string(key);
    if (key.empty()) return path_;
    return path_ + "." + std::string(key);
  }

  // Records that the field `key` (a path below this object) is invalid.
  void Fail(std::string_view key, std::string message) {
    found_.Add(MakeError(ErrorCode::kValidation, std::move(message), Name(key)));
  }

  // The value under `key`, or nullptr when absent or null (recorded as
  // missing when `required`); nullptr for every key of a non-object.
  const json* Find(std::string_view key, bool required = false) {
    if (!object_) return nullptr;
    read_.push_back(key);
    auto it = object_->find(key);
    if (it != object_->end() && !it->is_null()) return &*it;
    if (required) Fail(key, "is required");
    return nullptr;
  }

  // The object under `key`, read by its own reader (which reads nothing
  // when the object is missing).
  ObjectReader Object(std::string_view key) { return ObjectReader(Find(key, true), Name(key), found_); }
  // A reader of `value`, a part of this object found at `key`.
  ObjectReader Child(const json& value, std::string_view key) {
    return ObjectReader(&value, Name(key), found_);
  }

  // The array under `key`; nullptr when absent or not an array (recorded).
  const json* Array(std::string_view key, bool required) {
    const json* v = Find(key, required);
    if (v && !v->is_array()) {
      Fail(key, "must be an array");
      return nullptr;
    }
    return v;
  }

  // The string under `key`; nullopt when absent or not a string (recorded
  // as such, and as missing when `required`).
  std::optional<std::string> Text(std::string_view key, bool required) {
    const json* v = Find(key, required);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
      Fail(key, "must be a string");
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  std::string String(std::string_view key) { return Text(key, true).value_or(""); }
  std::optional<std::string> OptionalString(std::string_view key) { return Text(key, false); }

  Date DateField(std::string_view key) {
    std::optional<std::string> text = Text(key, true);
    if (!text) return {};
    std::optional<Date> date = Date::Parse(*text);
    if (!date) Fail(key, "must be a date YYYY-MM-DD");
    return date.value_or(Date{});
  }

  template <typename Enum>
  Enum EnumField(std::string_view key) {
    std::optional<std::string> text = Text(key, true);
    if (!text) return {};
    std::optional<Enum> value = ParseEnum<Enum>(*text);
    if (!value) Fail(key, "'" + *text + "' is not an accepted value");
    return value.value_or(Enum{});
  }

  // An integer is any number without a fractional part, written `12`,
  // `12.0` or `1.2e1` (as JSON Schema, and so the OpenAPI document, has it).
  std::optional<std::int64_t> OptionalInteger(std::string_view key) {
    const json* v = Find(key);
    if (!v) return std::nullopt;
    const char* wrong = nullptr;
    if (v->is_number_float()) {
      double d = v->get<double>();
      if (d != std::trunc(d)) {
        wrong = "must be an integer";
      } else if (!(d >= -0x1p63 && d < 0x1p63)) {
        wrong = "is too large";
      } else {
        return static_cast<std::int64_t>(d);
      }
    } else if (!v->is_number_integer()) {
      wrong = "must be an integer";
    } else if (v->is_number_unsigned() && v->get<std::uint64_t>() > INT64_MAX) {
      wrong = "is too large";
    } else {
      return v->get<std::int64_t>();
    }
    Fail(key, wrong);
    return std::nullopt;
  }

  // Calls `take(text, path)` with each string of the array under `key` and
  // its path ("resources.2"); records each item that is not a string.
  template <typename F>
  void EachString(std::string_view key, bool required, F&& take) {
    const json* v = Array(key, required);
    for (std::size_t i = 0; v && i < v->size(); ++i) {
      std::string path = std::string(key) + "." + std::to_string(i);
      if ((*v)[i].is_string()) {
        take((*v)[i].get_ref<const std::string&>(), path);
      } else {
        Fail(path, "must be a string");
      }
    }
  }

  std::vector<std::string> StringList(std::string_view key, bool required) {
    std::vector<std::string> out;
    EachString(key, required, [&out](const std::string& text, const std::string&) { out.push_back(text); });
    return out;
  }

  Quantities QuantitiesField(std::string_view key) {
    ObjectReader values = Object(key);
    Quantities q;
    for (const QuantityField& f : kQuantityFields) {
      const json* v = values.Find(f.name);
      if (!v) continue;
      if (!v->is_number()) {
        values.Fail(f.name, "must be a number");
        continue;
      }
      double d = v->get<double>();
      if (!std::isfinite(d)) {
        values.Fail(f.name, "must be a finite number");
        continue;
      }
      q.*f.member = d;
    }
    values.Finish();
    return q;
  }

  void Finish() {
    if (!object_) return;
    for (const auto& [key, value] : object_->items()) {
      if (std::find(read_.begin(), read_.end(), key) == read_.end()) {
        Fail(key, "is not a known field");
      }
    }
  }

 private:
  // `object` null: a missing object, of which nothing is read or recorded.
  ObjectReader(const json* object, std::string path, Violations& found)
      : object_(object), path_(std::move(path)), found_(found) {
    if (object_ && !object_->is_object()) {
      Fail("", "must be an object");
      object_ = nullptr;
    }
  }

  const json* object_;  // null when there is nothing to read
  std::string path_;
  Violations& found_;
  // The keys asked for: the mapping's own names (literals and the tables'
  // names, which outlive the reader), a few per object.
  std::vector<std::string_view> read_;
};

// Runs a mapping over a body's top-level reader; fails with every field it
// found invalid.
template <typename T, typename F>
Result<T> Map(const json& body, F&& map) {
  Violations found;
  ObjectReader r(body, "", found);
  T value = map(r);
  r.Finish();
  if (Status s = std::move(found).status(); !s.ok()) return s.error();
  return value;
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
    frames_.push_back(Frame{false, {}, 0, {}, {}});
    return dom_.start_object(n);
  }
  bool key(std::string& k) {
    Frame& f = frames_.back();
    if (!f.Insert(k)) {
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
    frames_.push_back(Frame{true, {}, 0, {}, {}});
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
    // The object's keys so far: a few in a vector searched in turn, past
    // kFew in a set (a body may hold an object of a hundred thousand keys).
    std::vector<std::string> few;
    std::set<std::string> many;

    static constexpr std::size_t kFew = 32;
    // False when `k` is already a key of the object.
    bool Insert(const std::string& k) {
      if (many.empty()) {
        if (std::find(few.begin(), few.end(), k) != few.end()) return false;
        if (few.size() < kFew) {
          few.push_back(k);
          return true;
        }
        many.insert(few.begin(), few.end());
        few.clear();
      }
      return many.insert(k).second;
    }
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
  return Map<ProgrammeLaunched>(body, [&](ObjectReader& r) {
    ProgrammeLaunched e;
    e.id = r.String("id");
    e.name = r.String("name");
    e.region = r.String("region");
    e.department = r.String("department");
    e.zone = r.OptionalString("zone");
    e.facilitator_org = r.String("facilitator_org");
    e.started_on = r.DateField("started_on");
    return e;
  });
}

Result<CompanyEnrolled> ToCompanyEnrolled(const json& body) {
  return Map<CompanyEnrolled>(body, [&](ObjectReader& r) {
    CompanyEnrolled e;
    e.id = r.String("id");
    e.name = r.String("name");
    e.siret = r.OptionalString("siret");
    e.nace = r.OptionalString("nace");
    e.employees = r.OptionalInteger("employees");
    return e;
  });
}

Result<CompanyWithdrew> ToCompanyWithdrew(const json& body, std::string company_id) {
  return Map<CompanyWithdrew>(body, [&](ObjectReader& r) {
    CompanyWithdrew e;
    e.company_id = std::move(company_id);
    e.occurred_on = r.DateField("occurred_on");
    e.reason = r.String("reason");
    return e;
  });
}

Result<DiagnosticRecorded> ToDiagnosticRecorded(const json& body) {
  return Map<DiagnosticRecorded>(body, [&](ObjectReader& r) {
    DiagnosticRecorded e;
    e.company_id = r.String("company_id");
    e.performed_on = r.DateField("performed_on");
    r.EachString("resources", true, [&](const std::string& text, const std::string& path) {
      if (std::optional<Resource> res = ParseEnum<Resource>(text)) {
        e.resources.push_back(*res);
      } else {
        r.Fail(path, "'" + text + "' is not an accepted value");
      }
    });
    return e;
  });
}

Result<SynergyIdentified> ToSynergyIdentified(const json& body, std::string programme,
                                              const std::string& new_id) {
  return Map<SynergyIdentified>(body, [&](ObjectReader& r) {
    SynergyIdentified e;
    e.id = r.OptionalString("id").value_or(new_id);
    e.programme = std::move(programme);
    e.title = r.String("title");
    e.kind = r.EnumField<SynergyKind>("kind");
    e.resource = r.EnumField<Resource>("resource");
    const json* participants = r.Array("participants", true);
    for (std::size_t i = 0; participants && i < participants->size(); ++i) {
      ObjectReader p = r.Child((*participants)[i], "participants." + std::to_string(i));
      Participant participant;
      participant.company_id = p.String("company_id");
      participant.role = p.EnumField<ParticipantRole>("role");
      p.Finish();
      e.participants.push_back(std::move(participant));
    }
    e.ewc_code = r.OptionalString("ewc_code");
    e.description = r.OptionalString("description");
    e.occurred_on = r.DateField("occurred_on");
    return e;
  });
}

Result<FeasibilityStudied> ToFeasibilityStudied(const json& body) {
  return Map<FeasibilityStudied>(body, [&](ObjectReader& r) {
    FeasibilityStudied e;
    e.occurred_on = r.DateField("occurred_on");
    ObjectReader aspects = r.Object("aspects");
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
    return e;
  });
}

Result<SynergyOperational> ToSynergyOperational(const json& body) {
  return Map<SynergyOperational>(body, [&](ObjectReader& r) {
    SynergyOperational e;
    e.occurred_on = r.DateField("occurred_on");
    e.note = r.OptionalString("note");
    return e;
  });
}

Result<BenefitsMeasured> ToBenefitsMeasured(const json& body, const std::string& new_id) {
  return Map<BenefitsMeasured>(body, [&](ObjectReader& r) {
    BenefitsMeasured e;
    e.id = r.OptionalString("id").value_or(new_id);
    e.period_from = r.DateField("period_from");
    e.period_to = r.DateField("period_to");
    e.values = r.QuantitiesField("values");
    e.method = r.EnumField<MeasurementMethod>("method");
    e.source = r.OptionalString("source");
    e.verified_by = r.OptionalString("verified_by");
    e.co2e_factor_source = r.OptionalString("co2e_factor_source");
    return e;
  });
}

Result<MeasurementCorrected> ToMeasurementCorrected(const json& body,
                                                    std::string measurement_id) {
  return Map<MeasurementCorrected>(body, [&](ObjectReader& r) {
    MeasurementCorrected e;
    e.measurement_id = std::move(measurement_id);
    e.values = r.QuantitiesField("values");
    e.reason = r.String("reason");
    return e;
  });
}

Result<SynergyAbandoned> ToSynergyAbandoned(const json& body) {
  return Map<SynergyAbandoned>(body, [&](ObjectReader& r) {
    SynergyAbandoned e;
    e.occurred_on = r.DateField("occurred_on");
    e.reason_code = r.EnumField<ReasonCode>("reason_code");
    e.note = r.OptionalString("note");
    return e;
  });
}

Result<TokenRequest> ToTokenRequest(const json& body) {
  return Map<TokenRequest>(body, [&](ObjectReader& r) {
    TokenRequest t;
    std::optional<std::string> name = r.Text("name", true);
    if (name && (name->empty() || name->size() > 128 ||
                 name->find_first_of(std::string_view("\0\r\n", 3)) != std::string::npos)) {
      r.Fail("name", "must be 1 to 128 characters on one line");
    }
    t.name = name.value_or("");
    std::optional<std::string> role = r.Text("role", true);
    if (role && !IsRoleName(*role)) {
      r.Fail("role", "must be admin, facilitator, manager or funder");
    }
    t.role = role.value_or("");
    r.EachString("programmes", true, [&](const std::string& id, const std::string& path) {
      if (!IsValidId(id)) r.Fail(path, "must match ^[a-z0-9][a-z0-9-]{0,63}$");
      t.programmes.push_back(id);
    });
    return t;
  });
}

}  // namespace synergy::api
