// How many CPUs this process may run on, for sizing its I/O threads.
#pragma once

#include <sched.h>

#include <algorithm>
#include <thread>

namespace otlpd {

// The CPUs in this process's affinity mask (taskset, a container's cpuset), at least 1. Unlike
// std::thread::hardware_concurrency() this is what the process can actually use.
inline int usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// I/O threads for a server: one per usable CPU, at least `floor`, at most `cap`. Each runs its own event loop, so
// a connection's work stays on one thread instead of being handed between threads that share a loop. (A call
// whose consumer may block is answered from a separate pool; see Consumer::may_block.)
inline int io_threads(int floor = 1, int cap = 4) { return std::clamp(usable_cpus(), floor, std::max(floor, cap)); }

// Threads of the pool from which a receiver answers calls whose consumer may block (Consumer::may_block): that
// many calls wait on a backend at once, further ones queue.
constexpr int kBlockingThreads = 16;

}  // namespace otlpd
