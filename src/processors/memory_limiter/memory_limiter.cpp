// memory_limiter: the shared memory checker and the processor.
#include "processors/memory_limiter/memory_limiter.h"

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "platform/sanitizer.h"

#if defined(OTLPD_ASAN_ALLOCATOR)
// Declared here rather than from <sanitizer/allocator_interface.h>: Debian's gcc ships the
// sanitizer runtime (libasan) without that header; only clang's resource directory has it.
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

#include <fstream>
#include <map>

#include "core/registry.h"
#include "model/batch.h"
#include "platform/allocator.h"
#include "platform/telemetry.h"
#include "processors/common/processor_helper.h"

namespace otlpd::memory_limiter {

uint64_t resident_bytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

uint64_t heap_in_use_bytes() {
#if defined(OTLPD_ASAN_ALLOCATOR)
  return __sanitizer_get_current_allocated_bytes();
#else
  struct mallinfo2 m = mallinfo2();
  return static_cast<uint64_t>(m.uordblks) + static_cast<uint64_t>(m.hblkhd);
#endif
}

MemoryChecker::MemoryChecker(std::string id, uint64_t hard_limit, uint64_t soft_limit, Duration interval,
                             std::function<uint64_t()> read_bytes, const MemoryBudget* budget)
    : id_(std::move(id)),
      hard_(hard_limit),
      soft_(soft_limit),
      interval_(interval),
      read_(read_bytes ? std::move(read_bytes) : heap_in_use_bytes),
      budget_(budget ? budget : &MemoryBudget::global()) {}

MemoryChecker::~MemoryChecker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MemoryChecker::start() {
  std::lock_guard lock(mu_);
  if (users_++ > 0) return;
  stop_ = false;
  check();  // the state is known before the first batch arrives
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, interval_, [&] { return stop_; })) {
      lock.unlock();
      check();
      lock.lock();
    }
  });
}

void MemoryChecker::stop() {
  std::thread t;
  {
    std::lock_guard lock(mu_);
    if (users_ == 0 || --users_ > 0) return;
    stop_ = true;
    t = std::move(thread_);
  }
  cv_.notify_all();
  if (t.joinable()) t.join();
}

void MemoryChecker::check() {
  const uint64_t held = budget_->held();
  uint64_t used = read_();
  if (used > soft_) {
    release_free_memory();
    used = read_();
  }
  sampled_held_.store(held, std::memory_order_relaxed);
  sampled_used_.store(used, std::memory_order_relaxed);
  const bool was = refusing_.load(std::memory_order_relaxed);
  const bool now = used > soft_;
  if (now == was) return;
  refusing_.store(now, std::memory_order_relaxed);
  if (now)
    spdlog::warn("memory_limiter {}: memory use {} MiB is above the soft limit {} MiB (hard {} MiB); refusing data",
                 id_, used >> 20, soft_ >> 20, hard_ >> 20);
  else
    spdlog::info("memory_limiter {}: memory use {} MiB is below the soft limit again; accepting data", id_, used >> 20);
}

bool MemoryChecker::admits() const {
  if (refusing_.load(std::memory_order_relaxed)) return false;
  const uint64_t sampled_held = sampled_held_.load(std::memory_order_relaxed);
  const uint64_t held = budget_->held();
  const uint64_t grown = held > sampled_held ? held - sampled_held : 0;
  return sampled_used_.load(std::memory_order_relaxed) + grown <= soft_;
}

namespace {

std::mutex checkers_mu;
std::map<std::string, std::weak_ptr<MemoryChecker>>& checkers() {
  static std::map<std::string, std::weak_ptr<MemoryChecker>> m;
  return m;
}

std::shared_ptr<MemoryChecker> checker_for(const std::string& id, const MemoryLimiterConfig& c) {
  std::lock_guard lock(checkers_mu);
  if (auto existing = checkers()[id].lock()) return existing;
  const uint64_t total = total_memory_bytes();
  uint64_t hard = c.limit_mib > 0 ? c.limit_mib << 20 : total / 100 * c.limit_percentage;
  uint64_t spike = c.spike_limit_mib > 0          ? c.spike_limit_mib << 20
                   : c.spike_limit_percentage > 0 ? total / 100 * c.spike_limit_percentage
                                                  : hard / 5;
  auto checker = std::make_shared<MemoryChecker>(id, hard, hard - spike, c.check_interval);
  checkers()[id] = checker;
  return checker;
}

template <typename B>
class MemoryLimiterProcessor final : public processors::ProcessorBase<B> {
 public:
  MemoryLimiterProcessor(const CreateSettings& s, const MemoryLimiterConfig& c, Consumer<B>* next)
      : processors::ProcessorBase<B>(s, next),
        checker_(checker_for(s.id.str(), c)),
        refused_(&s.telemetry().counter("otelcol_processor_refused_" + std::string(item_name(B::signal)),
                                        {{"processor", s.id.str()}})) {}

  void start(Host&) override { checker_->start(); }
  void shutdown(Deadline) override { checker_->stop(); }

 private:
  Status process(B b) override {
    if (!checker_->admits()) {
      refused_->add(b.item_count());
      // Retryable with a hint, so that OTLP clients back off (RESOURCE_EXHAUSTED + RetryInfo / HTTP 429).
      return Status::retryable("data refused due to high memory usage", std::chrono::seconds(1), true);
    }
    return this->forward(std::move(b));
  }

  std::shared_ptr<MemoryChecker> checker_;
  Counter* refused_;
};

class MemoryLimiterFactory final : public processors::ProcessorFactoryOf<MemoryLimiterConfig, MemoryLimiterProcessor> {
 public:
  MemoryLimiterFactory() : ProcessorFactoryOf("memory_limiter", parse_memory_limiter_config) {}
};

}  // namespace

}  // namespace otlpd::memory_limiter

using otlpd::memory_limiter::MemoryLimiterFactory;
OTLPD_REGISTER_FACTORY(MemoryLimiterFactory)
