#include "api/render.h"

#include "infra/hash_chain.h"

namespace synergy::api {

using nlohmann::json;

namespace {

json Opt(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }
json Opt(const std::optional<Date>& v) { return v ? json(v->ToString()) : json(nullptr); }

json RenderParticipants(const std::vector<Participant>& participants) {
  json out = json::array();
  for (const Participant& p : participants) {
    out.push_back({{"company_id", p.company_id}, {"role", ToString(p.role)}});
  }
  return out;
}

json RenderAspects(const StudyAspects& a) {
  return {{"organisational", Opt(a.organisational)}, {"technical", Opt(a.technical)},
          {"economic", Opt(a.economic)},             {"logistic", Opt(a.logistic)},
          {"legal", Opt(a.legal)}};
}

json RenderStudy(const FeasibilityStudied& s) {
  return {{"occurred_on", s.occurred_on.ToString()},
          {"decision", ToString(s.decision)},
          {"aspects", RenderAspects(s.aspects)},
          {"success_factors", s.success_factors},
          {"obstacles", s.obstacles},
          {"levers", s.levers},
          {"estimated", RenderQuantities(s.estimated)}};
}

json RenderMeasurementFields(const BenefitsMeasured& m) {
  return {{"id", m.id},
          {"period_from", m.period_from.ToString()},
          {"period_to", m.period_to.ToString()},
          {"values", RenderQuantities(m.values)},
          {"method", ToString(m.method)},
          {"source", Opt(m.source)},
          {"verified_by", Opt(m.verified_by)},
          {"co2e_factor_source", Opt(m.co2e_factor_source)}};
}

}  // namespace

json RenderQuantities(const Quantities& q) {
  json out = json::object();
  for (const QuantityField& f : kQuantityFields) out[std::string(f.name)] = q.*f.member;
  return out;
}

json RenderProgramme(const ProgrammeView& view) {
  const ProgrammeState& p = view.state;
  json companies = json::array();
  for (const auto& [id, c] : p.companies) {
    auto enrolled = view.enrolled_on.find(id);
    companies.push_back(
        {{"id", id},
         {"name", c.enrolment.name},
         {"siret", Opt(c.enrolment.siret)},
         {"nace", Opt(c.enrolment.nace)},
         {"employees", c.enrolment.employees ? json(*c.enrolment.employees) : json(nullptr)},
         {"enrolled_on", enrolled != view.enrolled_on.end() ? json(enrolled->second.ToString())
                                                            : json(nullptr)},
         {"withdrawn_on", Opt(c.withdrawn_on)}});
  }
  return {{"id", p.launch.id},
          {"name", p.launch.name},
          {"region", p.launch.region},
          {"department", p.launch.department},
          {"zone", Opt(p.launch.zone)},
          {"facilitator_org", p.launch.facilitator_org},
          {"started_on", p.launch.started_on.ToString()},
          {"version", p.version},
          {"companies", std::move(companies)},
          {"diagnostics", p.diagnostics}};
}

json RenderSynergy(const SynergyState& s) {
  const SynergyIdentified& id = s.identification;
  json measurements = json::array();
  for (const MeasurementState& m : s.measurements) {
    json rendered = RenderMeasurementFields(m.Measured());
    rendered["corrected"] = m.corrected;
    measurements.push_back(std::move(rendered));
  }
  json abandonment = nullptr;
  if (s.abandonment) {
    abandonment = {{"occurred_on", s.abandonment->occurred_on.ToString()},
                   {"reason_code", ToString(s.abandonment->reason_code)},
                   {"note", Opt(s.abandonment->note)}};
  }
  return {{"id", id.id},
          {"programme", id.programme},
          {"title", id.title},
          {"kind", ToString(id.kind)},
          {"resource", ToString(id.resource)},
          {"ewc_code", Opt(id.ewc_code)},
          {"description", Opt(id.description)},
          {"stage", ToString(s.stage)},
          {"version", s.version},
          {"identified_on", id.occurred_on.ToString()},
          {"participants", RenderParticipants(id.participants)},
          {"study", s.study ? RenderStudy(*s.study) : json(nullptr)},
          {"operational_since",
           s.operation ? json(s.operation->occurred_on.ToString()) : json(nullptr)},
          {"abandonment", std::move(abandonment)},
          {"measurements", std::move(measurements)}};
}

json RenderEventData(const Event& event) {
  struct Visitor {
    json operator()(const ProgrammeLaunched& e) const {
      return {{"id", e.id}, {"name", e.name}, {"region", e.region},
              {"department", e.department}, {"zone", Opt(e.zone)},
              {"facilitator_org", e.facilitator_org}, {"started_on", e.started_on.ToString()}};
    }
    json operator()(const CompanyEnrolled& e) const {
      return {{"id", e.id}, {"name", e.name}, {"siret", Opt(e.siret)}, {"nace", Opt(e.nace)},
              {"employees", e.employees ? json(*e.employees) : json(nullptr)}};
    }
    json operator()(const CompanyWithdrew& e) const {
      return {{"company_id", e.company_id}, {"occurred_on", e.occurred_on.ToString()},
              {"reason", e.reason}};
    }
    json operator()(const DiagnosticRecorded& e) const {
      json resources = json::array();
      for (Resource r : e.resources) resources.push_back(ToString(r));
      return {{"company_id", e.company_id}, {"performed_on", e.performed_on.ToString()},
              {"resources", std::move(resources)}};
    }
    json operator()(const SynergyIdentified& e) const {
      return {{"id", e.id}, {"programme", e.programme}, {"title", e.title},
              {"kind", ToString(e.kind)}, {"resource", ToString(e.resource)},
              {"participants", RenderParticipants(e.participants)},
              {"ewc_code", Opt(e.ewc_code)}, {"description", Opt(e.description)},
              {"occurred_on", e.occurred_on.ToString()}};
    }
    json operator()(const FeasibilityStudied& e) const { return RenderStudy(e); }
    json operator()(const SynergyOperational& e) const {
      return {{"occurred_on", e.occurred_on.ToString()}, {"note", Opt(e.note)}};
    }
    json operator()(const BenefitsMeasured& e) const { return RenderMeasurementFields(e); }
    json operator()(const MeasurementCorrected& e) const {
      return {{"measurement_id", e.measurement_id}, {"values", RenderQuantities(e.values)},
              {"reason", e.reason}};
    }
    json operator()(const SynergyAbandoned& e) const {
      return {{"occurred_on", e.occurred_on.ToString()},
              {"reason_code", ToString(e.reason_code)}, {"note", Opt(e.note)}};
    }
  };
  return std::visit(Visitor{}, event);
}

json RenderEnvelope(const RecordedEvent& e) {
  return {{"position", e.position},
          {"stream", e.stream},
          {"version", e.version},
          {"type", EventType(e.event)},
          {"occurred_on", e.occurred_on.ToString()},
          {"recorded_at", e.recorded_at.ToString()},
          {"actor", e.actor},
          {"data", RenderEventData(e.event)},
          {"hash", ToHex(e.hash)}};
}

int StatusOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMalformedJson: return 400;
    case ErrorCode::kValidation: return 422;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kInvalidTransition: return 409;
    case ErrorCode::kVersionConflict: return 412;
    case ErrorCode::kDuplicate: return 409;
    case ErrorCode::kIdempotencyMismatch: return 422;
    case ErrorCode::kUnauthorized: return 401;
    case ErrorCode::kForbidden: return 403;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kUnsupportedMediaType: return 415;
    case ErrorCode::kMethodNotAllowed: return 405;
    case ErrorCode::kUnavailable: return 503;
  }
  return 500;
}

namespace {

std::string_view TitleOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMalformedJson: return "Malformed request";
    case ErrorCode::kValidation: return "Invalid values";
    case ErrorCode::kNotFound: return "Not found";
    case ErrorCode::kInvalidTransition: return "Transition not allowed";
    case ErrorCode::kVersionConflict: return "Version conflict";
    case ErrorCode::kDuplicate: return "Already exists";
    case ErrorCode::kIdempotencyMismatch: return "Idempotency-Key reused with another request";
    case ErrorCode::kUnauthorized: return "Unauthorized";
    case ErrorCode::kForbidden: return "Forbidden";
    case ErrorCode::kPayloadTooLarge: return "Payload too large";
    case ErrorCode::kUnsupportedMediaType: return "Unsupported media type";
    case ErrorCode::kMethodNotAllowed: return "Method not allowed";
    case ErrorCode::kUnavailable: return "Storage unavailable";
  }
  return "Error";
}

}  // namespace

HttpResponse Problem(const Error& error) { return Problem(error, StatusOf(error.code)); }

HttpResponse Problem(const Error& error, int status) {
  json body = {{"type", ProblemType(error.code)},
               {"title", TitleOf(error.code)},
               {"status", status},
               {"detail", error.message},
               {"errors", json::array()}};
  if (!error.field.empty()) {
    body["errors"].push_back({{"field", error.field}, {"message", error.message}});
  }
  if (!error.more.empty()) {
    std::string fields = error.field;
    for (const FieldMessage& m : error.more) {
      body["errors"].push_back({{"field", m.field}, {"message", m.message}});
      fields += ", " + m.field;
    }
    body["detail"] = std::to_string(error.more.size() + 1) + " invalid fields: " + fields;
  }
  HttpResponse r;
  r.status = status;
  r.Set("Content-Type", "application/problem+json");
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  if (error.code == ErrorCode::kUnavailable) r.Set("Retry-After", "1");
  return r;
}

std::string RenderJson(const json& body) {
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHexDigits[static_cast<unsigned char>(c) >> 4];
          out += kHexDigits[static_cast<unsigned char>(c) & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

HttpResponse JsonResponse(int status, const json& body) {
  return JsonResponse(status, RenderJson(body));
}

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.Set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

HttpResponse JsonResponse(int status, std::shared_ptr<const std::string> body) {
  HttpResponse r = JsonResponse(status, std::string());
  r.shared_body = std::move(body);
  return r;
}

}  // namespace synergy::api
