// core/cpus.h: I/O threads follow the CPUs the process may use (taskset, a container's cpuset).
#include <sched.h>
#include <catch2/catch.hpp>

#include <thread>

#include "platform/cpus.h"

using namespace otlpd;

namespace {

struct Seen {
  int usable = 0, threads = 0, threads_floor_1 = 0, threads_floor_2 = 0, threads_cap_1 = 0;
};

// What cpus.h reports on a new thread restricted to the first `n` CPUs of this thread's affinity mask.
// (Assertions stay on the test's thread: Catch2 is not thread-safe.)
Seen with_cpus(int n) {
  cpu_set_t mine;
  CPU_ZERO(&mine);
  REQUIRE(sched_getaffinity(0, sizeof mine, &mine) == 0);
  cpu_set_t want;
  CPU_ZERO(&want);
  int taken = 0;
  for (int c = 0; c < CPU_SETSIZE && taken < n; ++c)
    if (CPU_ISSET(c, &mine)) {
      CPU_SET(c, &want);
      ++taken;
    }
  REQUIRE(taken == n);
  Seen seen;
  bool pinned = false;
  std::thread t([&] {
    pinned = sched_setaffinity(0, sizeof want, &want) == 0;  // this thread only
    seen = {usable_cpus(), io_threads(), io_threads(1), io_threads(2), io_threads(1, 1)};
  });
  t.join();
  REQUIRE(pinned);
  return seen;
}

}  // namespace

TEST_CASE("usable_cpus counts the affinity mask, not the machine", "[cpus]") {
  Seen one = with_cpus(1);
  CHECK(one.usable == 1);
  CHECK(one.threads == 1);
  CHECK(one.threads_floor_1 == 1);
  CHECK(one.threads_floor_2 == 2);
  if (usable_cpus() >= 2) {
    Seen two = with_cpus(2);
    CHECK(two.usable == 2);
    CHECK(two.threads == 2);
    CHECK(two.threads_floor_1 == 2);
    CHECK(two.threads_cap_1 == 1);
  }
  CHECK(io_threads() >= 1);
  CHECK(io_threads() <= 4);
}
