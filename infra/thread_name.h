// NameThisThread: the name `top -H`, `ps -L`, perf and gdb show for the
// calling thread. Linux keeps the first 15 bytes. The process's main thread
// keeps the program's name, which `ps`, `pkill` and the like look for.
#ifndef SYNERGY_INFRA_THREAD_NAME_H_
#define SYNERGY_INFRA_THREAD_NAME_H_

#include <pthread.h>

namespace synergy {

inline void NameThisThread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace synergy

#endif  // SYNERGY_INFRA_THREAD_NAME_H_
