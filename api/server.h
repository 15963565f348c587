// The HTTP server: Boost.Beast, an io_context per thread and a thread per core,
// in the listener/session shape of the Boost 1.74 examples. The only
// translation unit of the project that includes Beast or Asio.
#ifndef SYNERGY_API_SERVER_H_
#define SYNERGY_API_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/service.h"

namespace synergy::api {

struct ServerOptions {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port
  int threads = 0;            // 0: one per core
  std::size_t max_connections = 1024;
  std::size_t max_pipelined = 16;  // queued responses per connection
};

class Server {
 public:
  // `service_factory` makes the service once the server can post work.
  using ServiceFactory = std::function<std::unique_ptr<Service>(Service::Post post)>;
  Server(ServerOptions options, ServiceFactory service_factory);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; fails with a message when the address is taken.
  Status Listen();
  // The port actually bound (after Listen).
  std::uint16_t port() const;
  Service& service();
  // Serves until SIGTERM or SIGINT, then stops accepting, lets in-flight
  // requests finish (10 s at most) and returns.
  void RunUntilSignalled();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One blocking HTTP/1.1 request to a server (the command line's way of
// asking a running synergyd): the reply's status and body, or kUnavailable
// when the server cannot be reached.
struct ClientReply {
  int status = 0;
  std::string body;
};
Result<ClientReply> HttpCall(const std::string& host, std::uint16_t port, const std::string& method,
                             const std::string& target, const std::string& bearer_token,
                             const std::string& json_body);

}  // namespace synergy::api

#endif  // SYNERGY_API_SERVER_H_
