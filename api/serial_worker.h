// A thread of its own for requests that take long (a backup, a walk of the
// whole hash chain, a list of every synergy), so that they never hold up
// the HTTP threads and the connections those serve (the first HTTP thread
// also accepts every new connection).
#ifndef SYNERGY_API_SERIAL_WORKER_H_
#define SYNERGY_API_SERIAL_WORKER_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "infra/thread_name.h"

namespace synergy::api {

// Runs the tasks given to Run() one after another, in order, on one thread.
// Thread-safe. The destructor runs every task already given, then joins.
class SerialWorker {
 public:
  // `name` names the thread (15 characters at most show).
  explicit SerialWorker(std::string name) : thread_(NamedThread(std::move(name), [this] { Loop(); })) {}
  ~SerialWorker() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  SerialWorker(const SerialWorker&) = delete;
  SerialWorker& operator=(const SerialWorker&) = delete;

  void Run(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping, and nothing left
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::thread thread_;                       // last: starts once the rest exists
};

}  // namespace synergy::api

#endif  // SYNERGY_API_SERIAL_WORKER_H_
