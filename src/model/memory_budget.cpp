// The process-wide memory budget: admission per request, shares held by batches, the default limit.
#include "model/memory_budget.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "platform/telemetry.h"

namespace otlpd {

namespace {

thread_local MemoryBudget::Admission* current_admission = nullptr;

// A cgroup limit file's value; 0 when unreadable or unlimited ("max" in v2, a huge number in v1).
uint64_t read_cgroup_limit(const char* path, uint64_t physical) {
  std::ifstream in(path);
  std::string v;
  if (!(in >> v) || v == "max") return 0;
  try {
    uint64_t n = std::stoull(v);
    return n > 0 && n < physical ? n : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

uint64_t total_memory_bytes() {
  const uint64_t physical =
      static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"})
    if (uint64_t limit = read_cgroup_limit(path, physical)) return limit;
  return physical;
}

// The bytes of one admission, shared by every batch received under it; released when the last share is gone.
struct MemoryBudget::Admission::Grant {
  Grant(MemoryBudget* b, uint64_t n) : budget(b), bytes(n) {}
  MemoryBudget* budget;
  std::atomic<uint64_t> bytes;
  ~Grant() { budget->release(bytes.load(std::memory_order_relaxed)); }
};

MemoryBudget::Admission::Admission(MemoryBudget* budget, uint64_t bytes, bool granted)
    : budget_(budget), asked_(bytes), previous_(current_admission) {
  if (!granted) return;
  grant_ = std::make_shared<Grant>(budget, bytes);
  current_admission = this;
}

MemoryBudget::Admission::~Admission() {
  if (grant_) current_admission = previous_;
}

Status MemoryBudget::Admission::refusal() const {
  return Status::retryable("otlpd is over its memory budget (" + std::to_string(budget_->held() >> 20) +
                               " MiB of received data not yet delivered, limit " +
                               std::to_string(budget_->limit() >> 20) + " MiB, request " + std::to_string(asked_) +
                               " bytes); retry later",
                           std::chrono::seconds(1));
}

MemoryBudget::MemoryBudget(uint64_t limit, bool telemetry) : limit_(limit) {
  if (telemetry) {
    auto& t = Telemetry::global();
    refused_requests_ = &t.counter("otlpd_memory_budget_refused_requests", {});
    refused_bytes_ = &t.counter("otlpd_memory_budget_refused_bytes", {});
    held_gauge_ = &t.gauge("otlpd_memory_budget_held_bytes", {});
    limit_gauge_ = &t.gauge("otlpd_memory_budget_limit_bytes", {});
    limit_gauge_->set(static_cast<int64_t>(limit));
  }
}

MemoryBudget& MemoryBudget::global() {
  // Never destroyed: batches in other static objects may release their bytes during exit.
  static MemoryBudget* budget = std::make_unique<MemoryBudget>(default_limit(), true).release();
  return *budget;
}

uint64_t MemoryBudget::default_limit() {
  return std::clamp<uint64_t>(total_memory_bytes() / 4, uint64_t{32} << 20, uint64_t{512} << 20);
}

void MemoryBudget::set_limit(uint64_t limit) {
  limit_.store(limit, std::memory_order_relaxed);
  if (limit_gauge_) limit_gauge_->set(static_cast<int64_t>(limit));
}

MemoryBudget::Admission MemoryBudget::admit(uint64_t bytes) {
  const uint64_t limit = limit_.load(std::memory_order_relaxed);
  uint64_t held = held_.load(std::memory_order_relaxed);
  do {
    if (limit > 0 && held > 0 && held + bytes > limit) {
      if (refused_requests_) {
        refused_requests_->add();
        refused_bytes_->add(bytes);
      }
      return Admission(this, bytes, false);
    }
  } while (!held_.compare_exchange_weak(held, held + bytes, std::memory_order_relaxed));
  if (held_gauge_) held_gauge_->set(static_cast<int64_t>(held + bytes));
  return Admission(this, bytes, true);
}

std::shared_ptr<const void> MemoryBudget::hold_received(uint64_t bytes) {
  Admission* a = current_admission;
  if (!a) return nullptr;
  // The reservation covers the request as it arrived, or all bytes received under it once they are more
  // (decompressed, transcoded): counted as they are, the next requests see them.
  a->received_ += bytes;
  uint64_t reserved = a->grant_->bytes.load(std::memory_order_relaxed);
  if (a->received_ > reserved) {
    a->budget_->take(a->received_ - reserved);
    a->grant_->bytes.store(a->received_, std::memory_order_relaxed);
  }
  return a->grant_;
}

void MemoryBudget::take(uint64_t bytes) {
  const uint64_t held = held_.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  if (held_gauge_) held_gauge_->set(static_cast<int64_t>(held));
}

void MemoryBudget::release(uint64_t bytes) {
  // The gauge is left to the next admission: releases also happen during exit, after telemetry is gone.
  held_.fetch_sub(bytes, std::memory_order_relaxed);
}

}  // namespace otlpd
