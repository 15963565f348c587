// Named threads: the name `top -H`, `ps -L`, perf and gdb show for a
// thread. Linux keeps the first 15 bytes. The process's main thread keeps
// the program's name, which `ps`, `pkill` and the like look for.
#ifndef SYNERGY_INFRA_THREAD_NAME_H_
#define SYNERGY_INFRA_THREAD_NAME_H_

#include <pthread.h>

#include <string>
#include <thread>
#include <utility>

namespace synergy {

// A thread that names itself `name`, then runs `body`.
template <typename Body>
std::thread NamedThread(std::string name, Body body) {
  return std::thread([name = std::move(name), body = std::move(body)]() mutable {
    pthread_setname_np(pthread_self(), name.c_str());
    body();
  });
}

}  // namespace synergy

#endif  // SYNERGY_INFRA_THREAD_NAME_H_
