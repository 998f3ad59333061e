// The process-wide memory budget: received bytes not yet delivered, checked per request before decoding.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "platform/status.h"

namespace otlpd {

class Counter;
class Gauge;

// Bounds the bytes that receivers admitted and that some batch still holds (in a processor, a queue, a
// retry). A receiver asks for a request's size before it decompresses or decodes it; a refusal is retryable,
// so clients back off instead of the process growing. The bytes are released when the last batch holding them
// is gone (delivered, dropped or refused). One instance serves the whole process (global()); tests may make
// their own.
class MemoryBudget {
 public:
  // `limit` 0: no bound (bytes are still counted). `telemetry`: publish the otlpd_memory_budget_*
  // instruments.
  explicit MemoryBudget(uint64_t limit, bool telemetry = false);
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // The process's budget; its limit starts at default_limit().
  static MemoryBudget& global();
  // A quarter of the memory the process may use (cgroup limit, else physical memory), between 32 MiB and 512
  // MiB.
  static uint64_t default_limit();

  // A reservation for one request, alive while the receiver handles it. While it lives, batches received on
  // this thread (Batch::adopt_wire) take a share of it: the bytes stay counted until the last of them is
  // gone.
  class Admission {
   public:
    Admission(const Admission&) = delete;
    Admission& operator=(const Admission&) = delete;
    ~Admission();

    // False when the budget refused the request.
    explicit operator bool() const { return grant_ != nullptr; }
    // What to answer a refused request: retryable (gRPC UNAVAILABLE with RetryInfo, HTTP 503 with
    // Retry-After).
    Status refusal() const;

   private:
    friend class MemoryBudget;
    struct Grant;
    Admission(MemoryBudget* budget, uint64_t bytes, bool granted);

    MemoryBudget* budget_;
    uint64_t asked_;
    std::shared_ptr<Grant> grant_;
    uint64_t received_ = 0;  // bytes of batches received under this admission so far
    Admission* previous_;    // the thread's admission before this one (normally none)
  };

  // Reserves `bytes` for a request when the bytes held stay within the limit. A request is admitted whatever
  // its size when nothing else is held, so that one larger than the budget is not refused for ever.
  Admission admit(uint64_t bytes);

  // A share of the admission alive on this thread for `bytes` received (its reservation grows to cover all
  // the bytes received under it); null when there is none. Batch::adopt_wire keeps it with the batch's parts.
  static std::shared_ptr<const void> hold_received(uint64_t bytes);

  uint64_t held() const { return held_.load(std::memory_order_relaxed); }
  uint64_t limit() const { return limit_.load(std::memory_order_relaxed); }
  void set_limit(uint64_t limit);

 private:
  void take(uint64_t bytes);
  void release(uint64_t bytes);

  std::atomic<uint64_t> limit_;
  std::atomic<uint64_t> held_{0};
  Counter* refused_requests_ = nullptr;
  Counter* refused_bytes_ = nullptr;
  Gauge* held_gauge_ = nullptr;
  Gauge* limit_gauge_ = nullptr;
};

// The memory this process may use: the cgroup's limit (v2 memory.max, v1 memory.limit_in_bytes) when one is
// set, else physical memory.
uint64_t total_memory_bytes();

}  // namespace otlpd
