// Fuzz target: an HTTP request, already split by the server (method,
// target, headers, body), through the service: routing, auth, queries,
// commands, reads, against an in-memory store. The input is
//   METHOD SP TARGET LF (NAME: VALUE LF)* LF BODY
// and an admin token is added unless the input names an Authorization.
// A long poll (wait=) is left out: it would only make the run slow.
#include <cstddef>
#include <cstdint>
#include <future>
#include <string>
#include <string_view>

#include "api/service.h"
#include "infra/hash_chain.h"
#include "infra/memory_store.h"

namespace {

using namespace synergy;

api::Service& TheService() {
  static std::unique_ptr<LogStore> store = NewMemoryStore();
  static MemoryTokenStore tokens;
  static api::Service* service = [] {
    (void)tokens.Create(Sha256("fuzz-admin"), TokenRecord{"fuzz", "admin", {}});
    (void)tokens.Create(Sha256("fuzz-funder"), TokenRecord{"funder", "funder", {"ziri"}});
    auto* s = new api::Service(*store, tokens, [](std::function<void()> f) { f(); });
    (void)s->Start();
    s->WaitUntilReady();
    return s;
  }();
  return *service;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  api::HttpRequest request;
  std::size_t line_end = in.find('\n');
  std::string_view line = in.substr(0, line_end);
  std::size_t space = line.find(' ');
  if (space == std::string_view::npos) return 0;
  request.method = std::string(line.substr(0, space));
  request.target = std::string(line.substr(space + 1));
  if (request.target.find("wait=") != std::string::npos) return 0;
  in = line_end == std::string_view::npos ? std::string_view() : in.substr(line_end + 1);
  bool authorization = false;
  while (!in.empty() && in.front() != '\n') {
    line_end = in.find('\n');
    line = in.substr(0, line_end);
    in = line_end == std::string_view::npos ? std::string_view() : in.substr(line_end + 1);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    authorization = authorization || name == "authorization";
    request.headers.emplace_back(std::move(name), std::string(value));
  }
  if (!in.empty()) in.remove_prefix(1);
  request.body = std::string(in);
  if (!authorization) request.headers.emplace_back("authorization", "Bearer fuzz-admin");
  std::promise<api::HttpResponse> answered;
  auto answer = answered.get_future();
  TheService().Handle(std::move(request),
                      [&answered](api::HttpResponse r) { answered.set_value(std::move(r)); },
                      size > (1u << 20));
  api::HttpResponse response = answer.get();
  if (response.status < 200 || response.status > 599) __builtin_trap();
  return 0;
}
