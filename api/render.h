// Replies' JSON: programmes, synergies, envelopes, problems.
#ifndef SYNERGY_API_RENDER_H_
#define SYNERGY_API_RENDER_H_

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "api/http.h"
#include "domain/event_store.h"
#include "domain/result.h"
#include "projections/read_models.h"

namespace synergy::api {

nlohmann::json RenderProgramme(const ProgrammeView& programme);
nlohmann::json RenderSynergy(const SynergyState& synergy);
nlohmann::json RenderEventData(const Event& event);
nlohmann::json RenderEnvelope(const RecordedEvent& event);
nlohmann::json RenderQuantities(const Quantities& q);

// An application/problem+json reply for `error`, with the status its code
// maps to.
HttpResponse Problem(const Error& error);
// The same with a status the contract sets apart from the type: 400 for an
// invalid query parameter or header (`validation`), 414 and 431
// (`payload-too-large`).
HttpResponse Problem(const Error& error, int status);
int StatusOf(ErrorCode code);

// The body's text as every reply renders it (invalid UTF-8 replaced).
std::string RenderJson(const nlohmann::json& body);
// Appends `text` as a JSON string, escaped as RenderJson escapes it (a
// quote, a backslash and the control characters; \b \f \n \r \t by name,
// the others as \u00xx), the rest as it is. `text` must be valid UTF-8
// (RenderJson would replace what is not): for replies made by hand from
// values the API has validated.
void AppendJsonString(std::string& out, std::string_view text);
HttpResponse JsonResponse(int status, const nlohmann::json& body);
// A JSON reply whose body is already rendered.
HttpResponse JsonResponse(int status, std::string body);
HttpResponse JsonResponse(int status, std::shared_ptr<const std::string> body);

}  // namespace synergy::api

#endif  // SYNERGY_API_RENDER_H_
