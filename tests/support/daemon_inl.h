// Template definitions for support/daemon.h.
#pragma once

#include <thread>

namespace otlpd::test {

template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace otlpd::test
