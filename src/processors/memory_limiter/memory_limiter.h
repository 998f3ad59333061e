// The `memory_limiter` processor: refuses data (retryable) while the process is above its memory limit.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/component.h"
#include "model/memory_budget.h"
#include "processors/memory_limiter/config.h"

namespace otlpd::memory_limiter {

// Samples memory use on its own thread and says whether data must be refused. One checker per
// memory_limiter id, shared by every pipeline that lists it, as in the Collector. Between two samples, a
// request is checked against the last sample plus what the memory budget admitted since
// (core/memory_budget.h), so that a burst cannot overshoot while the thread sleeps.
class MemoryChecker {
 public:
  // `read_bytes` returns the memory in use (default: heap_in_use_bytes()); `budget`: whose admitted bytes
  // count between samples (default: the process's).
  MemoryChecker(std::string id, uint64_t hard_limit, uint64_t soft_limit, Duration interval,
                std::function<uint64_t()> read_bytes = {}, const MemoryBudget* budget = nullptr);
  ~MemoryChecker();

  void start();
  void stop();
  // True while the last sample was above the soft limit (and until a sample is below it again).
  bool refusing() const { return refusing_.load(std::memory_order_relaxed); }
  // Whether a request may pass now: not refusing, and the last sample plus the bytes admitted since then stay
  // within the soft limit.
  bool admits() const;
  // Samples now (also done by the thread every interval). Above the soft limit, freed heap is given back to
  // the system first (malloc_trim), every time: what the allocator keeps must not keep the limiter closed.
  void check();

  uint64_t hard_limit() const { return hard_; }
  uint64_t soft_limit() const { return soft_; }

 private:
  std::string id_;
  uint64_t hard_, soft_;
  Duration interval_;
  std::function<uint64_t()> read_;
  const MemoryBudget* budget_;
  std::atomic<bool> refusing_{false};
  std::atomic<uint64_t> sampled_used_{0};
  std::atomic<uint64_t> sampled_held_{0};  // the budget's admitted bytes when the sample was taken
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  int users_ = 0;
  std::thread thread_;
};

// Bytes the allocator has handed out and not got back (glibc mallinfo2: arenas plus mmapped blocks). Unlike
// the resident set, it falls as soon as delivered data is freed.
uint64_t heap_in_use_bytes();
uint64_t resident_bytes();

}  // namespace otlpd::memory_limiter
