// The OpenAPI 3.1 document served at /v1/openapi.json.
#ifndef SYNERGY_API_OPENAPI_H_
#define SYNERGY_API_OPENAPI_H_

#include <nlohmann/json.hpp>

namespace synergy::api {

// Built once; every path of the API with its methods, parameters, request
// bodies and replies.
const nlohmann::json& OpenApiDocument();

}  // namespace synergy::api

#endif  // SYNERGY_API_OPENAPI_H_
