// Starts a real synergyd on a free loopback port in a temporary data
// directory, waits until it is ready (/readyz: its read models have caught
// up with the log), and stops it (SIGTERM, then waits) when destroyed.
#ifndef SYNERGY_TESTS_HTTP_SERVER_PROCESS_H_
#define SYNERGY_TESTS_HTTP_SERVER_PROCESS_H_

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/http/http_client.h"
#include "tests/infra/store_fixtures.h"

namespace synergy::testing {

// Runs `args` (synergyd's) to completion and returns its stdout (and its
// stderr with `with_stderr`).
inline std::string RunSynergyd(const std::vector<std::string>& args, int* status = nullptr,
                               bool with_stderr = false) {
  std::string command = SYNERGYD_PATH;
  for (const std::string& a : args) command += " '" + a + "'";
  if (with_stderr) command += " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed");
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  int rc = ::pclose(pipe);
  if (status) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

class ServerProcess {
 public:
  // Creates an admin token, runs `prepare` on the data directory (an
  // import, say), then starts `synergyd serve --port 0`.
  explicit ServerProcess(const std::function<void(const std::string& data_dir)>& prepare = {}) {
    admin_token_ = RunSynergyd({"token", "create", "--data-dir", data_dir(), "--name", "admin",
                                "--role", "admin"});
    while (!admin_token_.empty() && admin_token_.back() == '\n') admin_token_.pop_back();
    if (prepare) prepare(data_dir());
    Start();
  }
  ~ServerProcess() { Stop(); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts `synergyd serve` on the data directory, with `extra` arguments.
  void Start(const std::vector<std::string>& extra = {}) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    std::vector<std::string> args = {SYNERGYD_PATH, "serve", "--data-dir", data_dir(), "--port", "0",
                                     "--bind", "127.0.0.1"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      // Dies with the test, even when the test crashes: an orphan would
      // hold the output pipe and hang ctest.
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(SYNERGYD_PATH, argv.data());
      std::_Exit(127);
    }
    ::close(out[1]);
    stdout_ = ::fdopen(out[0], "r");
    char line[256];
    while (std::fgets(line, sizeof line, stdout_)) {
      std::string l = line;
      if (l.starts_with("listening on http://127.0.0.1:")) {
        port_ = std::stoi(l.substr(std::string("listening on http://127.0.0.1:").size()));
        WaitUntilReady();
        return;
      }
    }
    throw std::runtime_error("synergyd did not start");
  }

  // Commands are refused (503) until the read models have caught up.
  void WaitUntilReady() {
    for (int attempt = 0; attempt < 3000; ++attempt) {
      Connection c(port_);
      if (c.Request("GET", "/readyz").status == 200) return;
      ::usleep(10'000);
    }
    throw std::runtime_error("synergyd did not become ready within 30 s");
  }

  // SIGTERM, then the exit status (0 for a clean stop).
  int Stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (stdout_) std::fclose(stdout_);
    stdout_ = nullptr;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  bool Alive() const { return pid_ > 0 && ::kill(pid_, 0) == 0; }
  int port() const { return port_; }
  const std::string& admin_token() const { return admin_token_; }
  std::string data_dir() const { return dir_.path().string(); }

 private:
  TempDir dir_;
  std::string admin_token_;
  pid_t pid_ = -1;
  FILE* stdout_ = nullptr;
  int port_ = 0;
};

}  // namespace synergy::testing

#endif  // SYNERGY_TESTS_HTTP_SERVER_PROCESS_H_
