// memory_limiter: refuses (retryable, with a hint) above the soft limit, passes data below it.
#include <catch2/catch.hpp>

#include "config/config.h"
#include "processors/memory_limiter/memory_limiter.h"
#include "service/service.h"
#include "support/daemon.h"
#include "support/otlp_client.h"
#include "support/test_components.h"

using namespace otlpd;
using namespace otlpd::test;
using Catch::Matchers::Contains;

namespace {

std::unique_ptr<Service> build(const std::string& limits) {
  return Service::build(parse_config(YAML::Load(R"(
receivers:
  test_receiver:
processors:
  memory_limiter:
    check_interval: 100ms
)" + limits + R"(
exporters:
  capture:
service:
  pipelines:
    traces: {receivers: [test_receiver], processors: [memory_limiter], exporters: [capture]}
    logs: {receivers: [test_receiver], processors: [memory_limiter], exporters: [capture]}
)")));
}

TraceBatch traces() {
  auto b = TraceBatch::make();
  b.first() = full_traces(4, 1);
  return b;
}

}  // namespace

TEST_CASE("memory_limiter refuses data above its limit with a retryable, resource-exhausted status",
          "[memory_limiter]") {
  clear_captured();
  auto in_use = std::make_unique<char[]>(4 << 20);  // the heap in use is above the 1 MiB soft limit
  std::fill_n(in_use.get(), 4 << 20, 'x');
  auto svc = build("    limit_mib: 2\n    spike_limit_mib: 1\n");
  svc->start();
  auto in = test_receiver_consumers("test_receiver");
  auto st = in.traces->consume(traces());
  CHECK(st.is_retryable());
  CHECK(st.exhausted());
  CHECK(st.retry_after() == std::chrono::seconds(1));
  CHECK_THAT(st.message(), Contains("high memory usage"));
  CHECK(in.logs->consume(LogBatch::make()).is_retryable());
  with_captured("capture", [](Captured& c) { CHECK(c.traces.empty()); });
  svc->shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

TEST_CASE("memory_limiter passes data through below its limit", "[memory_limiter]") {
  clear_captured();
  auto svc = build("    limit_mib: 100000\n");
  svc->start();
  CHECK(test_receiver_consumers("test_receiver").traces->consume(traces()).is_ok());
  with_captured("capture", [](Captured& c) { CHECK(c.traces.size() == 1); });
  svc->shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

TEST_CASE("the memory checker follows the soft limit both ways", "[memory_limiter]") {
  std::atomic<uint64_t> used{10};
  memory_limiter::MemoryChecker checker("m", 100, 80, std::chrono::hours(1), [&] { return used.load(); });
  checker.check();
  CHECK_FALSE(checker.refusing());
  used = 90;
  checker.check();
  CHECK(checker.refusing());
  used = 70;
  checker.check();
  CHECK_FALSE(checker.refusing());
}

TEST_CASE("the checker thread samples on its own, every check_interval", "[memory_limiter]") {
  std::atomic<uint64_t> used{10};
  std::atomic<int> samples{0};
  memory_limiter::MemoryChecker checker("m", 100, 80, std::chrono::milliseconds(10), [&] {
    ++samples;
    return used.load();
  });
  checker.start();
  used = 95;
  CHECK(wait_until([&] { return checker.refusing(); }, std::chrono::seconds(5)));
  used = 5;
  CHECK(wait_until([&] { return !checker.refusing(); }, std::chrono::seconds(5)));
  checker.stop();
  CHECK(samples.load() >= 2);
}

TEST_CASE("memory_limiter config needs an interval and one kind of limit", "[memory_limiter]") {
  auto err = [](const std::string& body) {
    try {
      memory_limiter::parse_memory_limiter_config(ConfigNode(YAML::Load(body), "processors::memory_limiter"));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(err("limit_mib: 10"), Contains("check_interval must be greater than zero"));
  CHECK_THAT(err("check_interval: 1s"), Contains("set limit_mib or limit_percentage"));
  CHECK_THAT(err("check_interval: 1s\nlimit_mib: 10\nlimit_percentage: 50"), Contains("not both"));
  CHECK_THAT(err("check_interval: 1s\nlimit_mib: 10\nspike_limit_mib: 10"), Contains("smaller than limit_mib"));
  CHECK(err("check_interval: 1s\nlimit_percentage: 80\nspike_limit_percentage: 20") == "no error");
}

TEST_CASE("between two samples, a request is checked against the sample plus what the budget admitted since",
          "[memory_limiter]") {
  MemoryBudget budget(0);
  memory_limiter::MemoryChecker checker(
      "m", 100, 80, std::chrono::hours(1), [] { return uint64_t{50}; }, &budget);
  checker.check();
  CHECK(checker.admits());
  {
    auto burst = budget.admit(40);  // 50 sampled + 40 admitted since > 80
    CHECK_FALSE(checker.admits());
    CHECK_FALSE(checker.refusing());
  }
  CHECK(checker.admits());  // delivered: the bytes are released
  auto held = budget.admit(40);
  checker.check();  // the sample now includes those bytes: only growth since then counts
  CHECK(checker.admits());
}

TEST_CASE("a refusing checker trims and samples again at every check, so memory given back reopens it",
          "[memory_limiter]") {
  // Resident memory that falls only once freed heap is trimmed: the second read of a check is after
  // malloc_trim.
  std::atomic<uint64_t> before_trim{90}, after_trim{90};
  int reads = 0;
  memory_limiter::MemoryChecker checker("m", 100, 80, std::chrono::hours(1),
                                        [&] { return ++reads % 2 == 1 ? before_trim.load() : after_trim.load(); });
  checker.check();
  CHECK(checker.refusing());
  after_trim = 30;  // the data was delivered; only the allocator still keeps the pages
  checker.check();
  CHECK_FALSE(checker.refusing());
  CHECK(checker.admits());
}

TEST_CASE("heap in use falls when memory is freed", "[memory_limiter]") {
  const uint64_t before = memory_limiter::heap_in_use_bytes();
  auto block = std::make_unique<char[]>(64 << 20);
  std::fill_n(block.get(), 64 << 20, 'x');
  const uint64_t with = memory_limiter::heap_in_use_bytes();
  CHECK(with >= before + (60 << 20));
  block.reset();
  CHECK(memory_limiter::heap_in_use_bytes() + (60 << 20) <= with);
}
