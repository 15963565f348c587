// The floor of the HTTP benchmark: a server that does nothing but answer
// every request with the same bytes (a 200 with a body of BODY_BYTES), on
// THREADS threads of its own epoll loop, keep-alive. Under the same wrk
// command it tells what this machine allows a reply of that size at all,
// whatever the server does: what is left above it is synergyd's own cost.
// With LOG_FILE, the floor of a durable command: each request's bytes are
// appended to LOG_FILE and answered once fdatasync'd, by one thread that
// takes every request waiting, writes them at once and syncs once (group
// commit, as synergyd's writer does, with nothing else to do).
//   http_floor PORT BODY_BYTES [THREADS [LOG_FILE]]     (PORT 0: a free port)
// Prints "listening on http://127.0.0.1:PORT" when ready; runs until killed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

// Writes all of `reply`, waiting out a full socket (wrk keeps one request
// in flight per connection, so this does not happen in practice).
bool WriteAll(int fd, std::string_view reply) {
  while (!reply.empty()) {
    ssize_t n = write(fd, reply.data(), reply.size());
    if (n < 0 && errno != EAGAIN) return false;
    if (n > 0) reply.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Group commit: the serving threads queue each request (its connection and
// its bytes); one thread writes every queued request to the log in one
// write, fdatasyncs, then answers them. A connection is never closed with
// a request queued: wrk keeps its connections.
class Durable {
 public:
  Durable(const char* path, const std::string& reply) : reply_(reply) {
    log_ = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_ < 0) {
      std::perror("http_floor: log file");
      std::exit(1);
    }
    std::thread([this] { Run(); }).detach();
  }
  void Submit(int fd, std::string_view request) {
    std::lock_guard lock(mu_);
    bytes_.append(request);
    fds_.push_back(fd);
    ready_.notify_one();
  }

 private:
  void Run() {
    std::string bytes;
    std::vector<int> fds;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        ready_.wait(lock, [this] { return !fds_.empty(); });
        bytes.swap(bytes_);
        fds.swap(fds_);
      }
      if (!WriteAll(log_, bytes) || fdatasync(log_) != 0) {
        std::perror("http_floor: log write");
        std::exit(1);
      }
      for (int fd : fds) WriteAll(fd, reply_);
      bytes.clear();
      fds.clear();
    }
  }
  const std::string& reply_;
  int log_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::string bytes_;    // guarded by mu_
  std::vector<int> fds_;  // guarded by mu_
};

// Listens on 127.0.0.1:port (0: any free port) with SO_REUSEPORT, so that
// each thread has a listener of its own on the same port.
int Listen(int port) {
  const int one = 1;
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  setsockopt(listener, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener, SOMAXCONN) != 0) {
    std::perror("http_floor: listen");
    std::exit(1);
  }
  return listener;
}

int PortOf(int listener) {
  sockaddr_in address{};
  socklen_t size = sizeof address;
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &size);
  return ntohs(address.sin_port);
}

// Serves what `listener` accepts, answering at once, or through `durable`
// when there is one. Requests are counted by their blank line (the bodies
// the benchmark sends hold none), and wrk sends each in one piece (one
// split across two reads would go unanswered and show as a wrk timeout).
void Serve(int listener, const std::string& reply, Durable* durable) {
  const int one = 1;
  int poll = epoll_create1(0);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = listener;
  epoll_ctl(poll, EPOLL_CTL_ADD, listener, &event);
  std::vector<epoll_event> ready(256);
  char buffer[16384];
  for (;;) {
    int n = epoll_wait(poll, ready.data(), static_cast<int>(ready.size()), -1);
    for (int i = 0; i < n; ++i) {
      const int fd = ready[static_cast<std::size_t>(i)].data.fd;
      if (fd == listener) {
        for (int c; (c = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event e{};
          e.events = EPOLLIN;
          e.data.fd = c;
          epoll_ctl(poll, EPOLL_CTL_ADD, c, &e);
        }
        continue;
      }
      ssize_t got = read(fd, buffer, sizeof buffer);
      if (got <= 0) {
        close(fd);
        continue;
      }
      std::string_view data(buffer, static_cast<std::size_t>(got));
      if (durable) {
        durable->Submit(fd, data);  // wrk sends one request at a time
        continue;
      }
      for (std::size_t at = data.find("\r\n\r\n"); at != std::string_view::npos;
           at = data.find("\r\n\r\n", at + 4)) {
        if (!WriteAll(fd, reply)) break;
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: http_floor PORT BODY_BYTES [THREADS [LOG_FILE]]\n");
    return 2;
  }
  const std::size_t body = std::strtoul(argv[2], nullptr, 10);
  const int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  const std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                            std::to_string(body) + "\r\n\r\n" + std::string(body, 'x');
  std::unique_ptr<Durable> durable;
  if (argc > 4) durable = std::make_unique<Durable>(argv[4], reply);
  std::vector<int> listeners = {Listen(std::atoi(argv[1]))};
  const int port = PortOf(listeners.front());
  while (static_cast<int>(listeners.size()) < threads) listeners.push_back(Listen(port));
  std::vector<std::thread> pool;
  for (int listener : listeners) pool.emplace_back(Serve, listener, std::cref(reply), durable.get());
  std::printf("listening on http://127.0.0.1:%d\n", port);
  std::fflush(stdout);
  for (auto& t : pool) t.join();
}
