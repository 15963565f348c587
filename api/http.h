// Plain HTTP messages: what the server hands the service and gets back.
// Beast stays in server.cc; everything else in api/ works on these.
#ifndef SYNERGY_API_HTTP_H_
#define SYNERGY_API_HTTP_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace synergy::api {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as received
  // Names lower-case, each once: a field sent on several lines arrives as
  // one, its values joined in order by ", " (RFC 9110, 5.3), so that a
  // list (If-None-Match, Accept) is read whole and a repeated single value
  // (If-Match, Authorization) is refused as the list it became.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The header named `name` (lower-case), if any.
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

// A response, or the function that makes it: a thread that should not
// spend its time on a response (the store's writer, whose loop every
// command waits on) hands over the function, which then runs where the
// answer goes (the connection's thread).
using ResponseMaker = std::function<HttpResponse()>;
using Answer = std::variant<HttpResponse, ResponseMaker>;

// The response of `answer`, made now if it is a maker.
inline HttpResponse Made(Answer answer) {
  if (ResponseMaker* make = std::get_if<ResponseMaker>(&answer)) return (*make)();
  return std::get<HttpResponse>(std::move(answer));
}

// Where a request's answer goes: called exactly once, from any thread.
class Reply {
 public:
  Reply() = default;
  // From a callback that takes answers as they come (a connection, which
  // makes a response on its own thread).
  template <typename F>
    requires std::is_invocable_v<F&, Answer>
  Reply(F f) : answer_(std::move(f)) {}  // NOLINT: implicit, as for std::function
  // From a callback of responses: a maker runs on the thread that answers.
  template <typename F>
    requires(!std::is_invocable_v<F&, Answer> && std::is_invocable_v<F&, HttpResponse>)
  Reply(F f)  // NOLINT: implicit, as for std::function
      : answer_([f = std::move(f)](Answer a) mutable { f(Made(std::move(a))); }) {}

  void operator()(HttpResponse response) const { answer_(std::move(response)); }
  void Later(ResponseMaker make) const { answer_(std::move(make)); }

 private:
  std::function<void(Answer)> answer_;
};

}  // namespace synergy::api

#endif  // SYNERGY_API_HTTP_H_
