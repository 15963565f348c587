// Request bodies: strict JSON parsing and the mapping of each command's
// body onto its domain event.
#ifndef SYNERGY_API_JSON_INPUT_H_
#define SYNERGY_API_JSON_INPUT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "domain/events.h"
#include "domain/result.h"

namespace synergy::api {

inline constexpr int kMaxJsonDepth = 64;

// Parses a request body that must be one JSON object. Fails with
// kMalformedJson for invalid JSON or UTF-8, a lone surrogate, a duplicate key
// in an object, nesting deeper than kMaxJsonDepth, or a non-object.
Result<nlohmann::json> ParseBody(std::string_view body);

// Each maps a parsed body onto an event, failing with kValidation naming
// the field (dotted path) that is missing, of the wrong type, unknown, or
// not a valid value. Ids the body may omit come from `new_id`.
Result<ProgrammeLaunched> ToProgrammeLaunched(const nlohmann::json& body);
Result<CompanyEnrolled> ToCompanyEnrolled(const nlohmann::json& body);
Result<CompanyWithdrew> ToCompanyWithdrew(const nlohmann::json& body, std::string company_id);
Result<DiagnosticRecorded> ToDiagnosticRecorded(const nlohmann::json& body);
Result<SynergyIdentified> ToSynergyIdentified(const nlohmann::json& body, std::string programme,
                                              const std::string& new_id);
Result<FeasibilityStudied> ToFeasibilityStudied(const nlohmann::json& body);
Result<SynergyOperational> ToSynergyOperational(const nlohmann::json& body);
Result<BenefitsMeasured> ToBenefitsMeasured(const nlohmann::json& body, const std::string& new_id);
Result<MeasurementCorrected> ToMeasurementCorrected(const nlohmann::json& body,
                                                    std::string measurement_id);
Result<SynergyAbandoned> ToSynergyAbandoned(const nlohmann::json& body);

struct TokenRequest {
  std::string name;
  std::string role;
  std::vector<std::string> programmes;
};
Result<TokenRequest> ToTokenRequest(const nlohmann::json& body);

}  // namespace synergy::api

#endif  // SYNERGY_API_JSON_INPUT_H_
