#include "api/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/optional.hpp>
#include <chrono>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/render.h"
#include "infra/thread_name.h"

namespace synergy::api {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kBodyLimit = 1 << 20;
constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kTargetLimit = 8 * 1024;
constexpr auto kHeaderTimeout = std::chrono::seconds(10);
constexpr auto kBodyTimeout = std::chrono::seconds(30);
constexpr auto kIdleTimeout = std::chrono::seconds(60);
constexpr auto kWriteTimeout = std::chrono::seconds(30);

void Fail(beast::error_code ec, const char* what) {
  if (ec == net::error::operation_aborted || ec == beast::error::timeout ||
      ec == http::error::end_of_stream || ec == net::error::eof) {
    return;
  }
  spdlog::debug("{}: {}", what, ec.message());
}

// A reply's body: its own part, then a part shared with a cache, written
// from where they are (see DoWrite). Beast only sizes it (prepare_payload);
// it never serializes it.
struct SharedBody {
  struct value_type {
    std::string own;
    std::shared_ptr<const std::string> shared;
  };
  static std::uint64_t size(const value_type& body) {
    return body.own.size() + (body.shared ? body.shared->size() : 0);
  }
};

using Response = http::response<SharedBody>;
// A connection's stream and socket name their io_context's executor type:
// the type-erased default (any_io_executor) copies and destroys an erased
// executor in every handler.
using Executor = net::io_context::executor_type;
using Socket = tcp::socket::rebind_executor<Executor>::other;
using Stream = beast::basic_stream<tcp, Executor>;

// The header as Beast's serializer writes it (status line, the fields in
// order, a blank line), in one piece: the reply is then written as three
// plain buffers, header and the body's two parts, without the serializer's
// buffer-sequence machinery (9 % of synergyd's samples for a GET).
std::string HeaderText(const Response& r) {
  std::string out;
  out.reserve(256);
  out += r.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(r.result_int());
  out += ' ';
  auto text = [](beast::string_view v) { return std::string_view(v.data(), v.size()); };
  out += text(r.reason().empty() ? http::obsolete_reason(r.result()) : r.reason());
  out += "\r\n";
  for (const auto& field : r) {
    out.append(text(field.name_string())).append(": ").append(text(field.value())).append("\r\n");
  }
  out += "\r\n";
  return out;
}

Response ToBeast(HttpResponse r, unsigned version, bool keep_alive) {
  Response out{static_cast<http::status>(r.status), version};
  out.set(http::field::server, "synergyd");
  for (auto& [name, value] : r.headers) out.set(name, value);
  out.body() = {std::move(r.body), std::move(r.shared_body)};
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

// 414 and 431 are `payload-too-large` with a status of their own.
HttpResponse LimitProblem(int status, std::string detail) {
  return Problem(MakeError(ErrorCode::kPayloadTooLarge, std::move(detail)), status);
}

struct Shared {
  Service* service = nullptr;
  std::atomic<std::size_t> connections{0};
  std::atomic<bool> stopping{false};
  std::size_t max_pipelined = 16;
};

// One connection. Reads requests (pipelined up to a cap), hands each to the
// service, and writes the replies back in request order.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket&& socket, Shared& shared) : stream_(std::move(socket)), shared_(shared) {}

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::DoRead, shared_from_this()));
  }

  // Closes the connection once the replies it owes are written.
  void Stop() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (self->slots_.empty() && !self->writing_) {
        beast::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.close();
      }
    });
  }

 private:
  struct Slot {
    std::optional<Response> response;
    std::string method, target;
    std::chrono::steady_clock::time_point started;
    std::string header = {};  // the response's header as written
  };

  void DoRead() {
    if (closing_ || reading_ || slots_.size() >= shared_.max_pipelined) return;
    reading_ = true;
    parser_.emplace();
    // The header limit covers the request line too; 414 and 431 are told
    // apart once the header is in.
    parser_->header_limit(static_cast<std::uint32_t>(kHeaderLimit + kTargetLimit + 64));
    // No body limit while the header is read: Beast would stop at the
    // Content-Length field and leave the headers after it unparsed, and the
    // 413 comes after the checks that need them (401, 404, 405).
    // (Not boost::none: Beast 1.74 compares the length against the optional
    // itself, and every length is then over the limit.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    // While replies are owed (a long poll, a command waiting for its fsync)
    // the next request may take its time; the timer is the stream's, shared
    // with the writes, and re-armed when the last reply is out.
    if (slots_.empty()) {
      stream_.expires_after(first_ ? kHeaderTimeout : kIdleTimeout);
    } else {
      stream_.expires_never();
    }
    first_ = false;
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    if (ec == http::error::header_limit) {
      // Whether the request line itself is too long: no line end in sight.
      std::string_view data(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      std::size_t line_end = data.find("\r\n");
      bool target_too_long = line_end == std::string_view::npos || line_end > kTargetLimit + 16;
      reading_ = false;
      return RespondAndClose(target_too_long ? LimitProblem(414, "the request target is over 8 KiB")
                                             : LimitProblem(431, "the header section is over 16 KiB"));
    }
    if (ec) {
      reading_ = false;
      return Fail(ec, "read header");
    }
    auto& header = parser_->get();
    if (header.target().size() > kTargetLimit) {
      return RespondAndClose(LimitProblem(414, "the request target is over 8 KiB"));
    }
    std::size_t header_bytes = 0;
    for (const auto& field : header) header_bytes += field.name_string().size() + field.value().size() + 4;
    if (header_bytes > kHeaderLimit) {
      return RespondAndClose(LimitProblem(431, "the header section is over 16 KiB"));
    }
    // A declared body over the limit is refused before it is read.
    if (parser_->content_length() && *parser_->content_length() > kBodyLimit) {
      return TooLarge();
    }
    // No body (a GET): the request is whole; Beast's read would only post
    // its completion.
    if (parser_->is_done()) return OnRead({}, 0);
    parser_->body_limit(kBodyLimit);  // a chunked body stops here
    if (slots_.empty()) stream_.expires_after(kBodyTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    reading_ = false;
    if (ec == http::error::body_limit) return TooLarge();
    if (ec) return Fail(ec, "read");
    http::request<http::string_body> req = parser_->release();
    keep_alive_ = req.keep_alive();
    Dispatch(ToPlain(req), false);
    if (keep_alive_) DoRead();
  }

  // 413 after the checks that come first (401, 404, 405), then close: the
  // unread body cannot be skipped.
  void TooLarge() {
    reading_ = false;
    keep_alive_ = false;
    closing_ = true;
    Dispatch(ToPlain(parser_->get()), true);
  }

  void RespondAndClose(HttpResponse r) {
    reading_ = false;
    keep_alive_ = false;
    closing_ = true;
    slots_.push_back(Slot{ToBeast(std::move(r), 11, false), "-", "-", std::chrono::steady_clock::now()});
    DoWrite();
  }

  template <typename Message>
  static HttpRequest ToPlain(Message& m) {
    HttpRequest r;
    r.method = std::string(m.method_string());
    r.target = std::string(m.target());
    for (const auto& field : m) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto same = std::find_if(r.headers.begin(), r.headers.end(),
                               [&name](const auto& header) { return header.first == name; });
      if (same == r.headers.end()) {
        r.headers.emplace_back(std::move(name), std::string(field.value()));
      } else {
        same->second.append(", ").append(field.value().data(), field.value().size());
      }
    }
    if constexpr (requires { m.body(); }) r.body = std::move(m.body());
    return r;
  }

  void Dispatch(HttpRequest request, bool too_large) {
    std::uint64_t id = next_id_++;
    slots_.push_back(Slot{std::nullopt, request.method, request.target,
                          std::chrono::steady_clock::now()});
    unsigned version = parser_->get().version();
    bool keep_alive = keep_alive_;
    auto self = shared_from_this();
    shared_.service->Handle(
        std::move(request),
        [self, id, version, keep_alive](Answer answer) {
          // Any thread. On the connection's thread already (a read answered
          // at once) the reply is completed inline; from another thread (the
          // writer, after its fsync) it is posted to the connection's thread,
          // which makes the response if it came as a maker.
          net::dispatch(self->stream_.get_executor(),
                    [self, id, version, keep_alive, answer = std::move(answer)]() mutable {
                      self->Complete(id, Made(std::move(answer)), version, keep_alive);
                    });
        },
        too_large);
  }

  void Complete(std::uint64_t id, HttpResponse response, unsigned version, bool keep_alive) {
    std::size_t index = static_cast<std::size_t>(id - first_id_);
    Slot& slot = slots_[index];
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - slot.started).count();
    spdlog::info("{} {} {} {}us {}", slot.method, slot.target.substr(0, slot.target.find('?')),
                 response.status, micros, response.actor.empty() ? "-" : response.actor);
    slot.response = ToBeast(std::move(response), version, keep_alive && !closing_);
    DoWrite();
  }

  void DoWrite() {
    if (writing_ || slots_.empty() || !slots_.front().response) return;
    writing_ = true;
    stream_.expires_after(kWriteTimeout);
    Slot& slot = slots_.front();
    slot.header = HeaderText(*slot.response);
    // A reply to HEAD is its header alone, Content-Length still the body's.
    const bool head = slot.method == "HEAD";
    const SharedBody::value_type& body = slot.response->body();
    const std::array<net::const_buffer, 3> buffers = {
        net::buffer(slot.header), head ? net::const_buffer() : net::buffer(body.own),
        body.shared && !head ? net::buffer(*body.shared) : net::const_buffer()};
    net::async_write(stream_, buffers,
                     beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec) return Fail(ec, "write");
    bool close = !slots_.front().response->keep_alive();
    slots_.pop_front();
    ++first_id_;
    if (close || (closing_ && slots_.empty())) return LingeringClose();
    if (slots_.empty()) {
      stream_.expires_after(kIdleTimeout);
    } else {
      stream_.expires_never();
    }
    DoWrite();
    DoRead();  // a full pipeline may have paused reading
  }

  // Sends FIN, then reads and drops what the client still sends for a
  // moment: closing with unread bytes would reset the connection and could
  // destroy the reply (a 413 to a client still sending its body).
  void LingeringClose() {
    beast::error_code ignored;
    if (reading_) {
      // A stop came while the next request's header was awaited: there is no
      // unread request to drain, and a second read on the stream is not
      // allowed. Closing cancels the pending read.
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.close();
      return;
    }
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(2));
    Drain();
  }
  void Drain() {
    stream_.async_read_some(net::buffer(drain_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > (64u << 20)) {
                                self->stream_.close();
                                return;
                              }
                              self->Drain();
                            });
  }

 public:
  ~Session() { --shared_.connections; }

 private:
  Stream stream_;
  beast::flat_buffer buffer_;
  boost::optional<http::request_parser<http::string_body>> parser_;
  Shared& shared_;
  std::deque<Slot> slots_;
  std::uint64_t next_id_ = 0, first_id_ = 0;
  std::array<char, 16384> drain_;
  std::size_t drained_ = 0;
  bool reading_ = false, writing_ = false, closing_ = false, keep_alive_ = true, first_ = true;
};

// One io_context per thread, each run by its own thread alone: a connection
// lives on one of them, so its handlers need no strand and never hop between
// threads. The first also runs the acceptor, the signals and the server's
// timers.
class Contexts {
 public:
  explicit Contexts(int threads) {
    for (int i = 0; i < threads; ++i) {
      all_.push_back(std::make_unique<net::io_context>(1));
      keep_running_.push_back(net::make_work_guard(*all_.back()));
    }
  }

  net::io_context& first() { return *all_.front(); }
  // The contexts in turn; any thread.
  net::io_context& Next() { return *all_[next_++ % all_.size()]; }

  // Runs every context, the first on the calling thread, until StopAll().
  void RunAll() {
    std::vector<std::thread> pool;
    for (std::size_t i = 1; i < all_.size(); ++i) {
      pool.push_back(
          NamedThread("http-" + std::to_string(i), [context = all_[i].get()] { context->run(); }));
    }
    first().run();
    for (auto& t : pool) t.join();
  }
  void StopAll() {
    for (auto& context : all_) context->stop();
  }

 private:
  std::vector<std::unique_ptr<net::io_context>> all_;
  // Each context runs until stopped, with or without work.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running_;
  std::atomic<std::size_t> next_{0};
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Accepts on the first context and hands connections to the contexts in
  // turn.
  Listener(Contexts& contexts, Shared& shared, std::size_t max_connections)
      : contexts_(contexts), acceptor_(contexts.first()), shared_(shared),
        max_connections_(max_connections) {}

  Status Open(const std::string& address, std::uint16_t port) {
    beast::error_code ec;
    auto ip = net::ip::make_address(address, ec);
    if (ec) return MakeError(ErrorCode::kUnavailable, "bad bind address " + address);
    tcp::endpoint endpoint{ip, port};
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return MakeError(ErrorCode::kUnavailable,
                       "cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message());
    }
    return OkStatus();
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void Run() { DoAccept(); }
  void Stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

  std::vector<std::weak_ptr<Session>> sessions;
  std::mutex sessions_mu;

 private:
  void DoAccept() {
    acceptor_.async_accept(contexts_.Next(),
                           beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
  }

  void OnAccept(beast::error_code ec, Socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || shared_.stopping) return;
      Fail(ec, "accept");
    } else if (shared_.connections.load() >= max_connections_) {
      // Over the cap: refuse at once rather than queue without bound.
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      ++shared_.connections;
      auto session = std::make_shared<Session>(std::move(socket), shared_);
      {
        std::lock_guard lock(sessions_mu);
        std::erase_if(sessions, [](const std::weak_ptr<Session>& w) { return w.expired(); });
        sessions.push_back(session);
      }
      session->Run();
    }
    if (!shared_.stopping) DoAccept();
  }

  Contexts& contexts_;
  tcp::acceptor acceptor_;
  Shared& shared_;
  std::size_t max_connections_;
};

}  // namespace

struct Server::Impl {
  ServerOptions options;
  // Before the contexts: a session a context still holds when it is
  // destroyed counts itself out of `shared`.
  Shared shared;
  Contexts contexts;
  std::unique_ptr<Service> service;
  std::shared_ptr<Listener> listener;

  net::steady_timer drained{contexts.first()};
  // Created with the server, so that SIGTERM and SIGINT are caught from
  // before "listening" is announced.
  net::signal_set signals{contexts.first(), SIGINT, SIGTERM};

  // Stops the io_contexts as soon as no connection is left.
  void StopWhenDrained() {
    if (shared.connections.load() == 0) {
      spdlog::info("every connection closed");
      contexts.StopAll();
      return;
    }
    drained.expires_after(std::chrono::milliseconds(20));
    drained.async_wait([this](beast::error_code ec) {
      if (!ec) StopWhenDrained();
    });
  }

  Impl(ServerOptions o, const ServiceFactory& factory)
      : options(std::move(o)),
        contexts(options.threads > 0
                     ? options.threads
                     : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))) {
    shared.max_pipelined = options.max_pipelined;
    service = factory([this](std::function<void()> task) {
      net::post(contexts.Next(), std::move(task));
    });
    shared.service = service.get();
  }
};

Server::Server(ServerOptions options, ServiceFactory factory)
    : impl_(std::make_unique<Impl>(std::move(options), factory)) {}

Server::~Server() = default;

Status Server::Listen() {
  impl_->listener = std::make_shared<Listener>(impl_->contexts, impl_->shared, impl_->options.max_connections);
  SYNERGY_RETURN_IF_ERROR(impl_->listener->Open(impl_->options.bind, impl_->options.port));
  impl_->listener->Run();
  return OkStatus();
}

std::uint16_t Server::port() const { return impl_->listener->port(); }
Service& Server::service() { return *impl_->service; }

void Server::RunUntilSignalled() {
  net::steady_timer grace(impl_->contexts.first());
  impl_->signals.async_wait([this, &grace](beast::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: no new connections; finishing in-flight requests", signal);
    impl_->shared.stopping = true;
    impl_->listener->Stop();
    impl_->service->StopWaiting();
    {
      std::lock_guard lock(impl_->listener->sessions_mu);
      for (auto& weak : impl_->listener->sessions) {
        if (auto s = weak.lock()) s->Stop();
      }
    }
    grace.expires_after(std::chrono::seconds(10));
    grace.async_wait([this](beast::error_code cancelled) {
      if (cancelled) return;
      spdlog::warn("{} connections still open after 10 s; stopping anyway",
                   impl_->shared.connections.load());
      impl_->contexts.StopAll();
    });
    impl_->StopWhenDrained();
  });
  impl_->contexts.RunAll();
}

Result<ClientReply> HttpCall(const std::string& host, std::uint16_t port, const std::string& method,
                             const std::string& target, const std::string& bearer_token,
                             const std::string& json_body) {
  try {
    net::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::minutes(10));  // a backup of a large log takes a while
    stream.connect(resolver.resolve(host, std::to_string(port)));
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, host);
    req.set(http::field::authorization, "Bearer " + bearer_token);
    if (!json_body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = json_body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return ClientReply{static_cast<int>(res.result_int()), res.body()};
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot reach " + host + ":" + std::to_string(port) + ": " + e.what());
  }
}

}  // namespace synergy::api
