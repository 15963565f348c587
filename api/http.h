// Plain HTTP messages: what the server hands the service and gets back.
// Beast stays in server.cc; everything else in api/ works on these.
#ifndef SYNERGY_API_HTTP_H_
#define SYNERGY_API_HTTP_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace synergy::api {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as received
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;

  // The first header named `name` (lower-case), if any.
  std::optional<std::string_view> Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return std::string_view(v);
    }
    return std::nullopt;
  }
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Type among them
  std::string body;
  // When set, sent after `body`: a rendered body (or its larger part) shared
  // with a cache, written from there rather than copied for each reply.
  std::shared_ptr<const std::string> shared_body;
  std::string actor;  // the token's name, for the request log; not sent

  // The whole body as sent.
  std::string Body() const { return shared_body ? body + *shared_body : body; }

  void Set(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

// Called exactly once with the response, from any thread.
using Reply = std::function<void(HttpResponse)>;

}  // namespace synergy::api

#endif  // SYNERGY_API_HTTP_H_
