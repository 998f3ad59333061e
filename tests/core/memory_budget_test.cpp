// The memory budget: admission per request, bytes held by batches until the last holder is gone, the config
// key.
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>

#include "config/config.h"
#include "model/batch.h"
#include "model/memory_budget.h"

using namespace otlpd;
using Catch::Matchers::Contains;

namespace {

TraceBatch received(size_t bytes) { return TraceBatch::adopt_wire(std::string(bytes, '\0'), 1); }

}  // namespace

TEST_CASE("the memory budget refuses a request that would pass its limit, retryably", "[memory_budget]") {
  MemoryBudget budget(1000);
  auto first = budget.admit(600);
  REQUIRE(first);
  CHECK(budget.held() == 600);
  auto second = budget.admit(500);
  CHECK_FALSE(second);
  Status st = second.refusal();
  CHECK(st.is_retryable());
  CHECK_FALSE(st.exhausted());  // UNAVAILABLE / 503: every OTLP client retries it
  CHECK(st.retry_after() == std::chrono::seconds(1));
  CHECK_THAT(st.message(), Contains("memory budget"));
  CHECK(budget.held() == 600);
}

TEST_CASE("the memory budget admits a request larger than itself when nothing else is held", "[memory_budget]") {
  MemoryBudget budget(100);
  {
    auto big = budget.admit(5000);
    CHECK(big);
    CHECK_FALSE(budget.admit(1));
  }
  CHECK(budget.held() == 0);
  CHECK(budget.admit(1));
}

TEST_CASE("a received batch holds its admission's bytes until the batch and its clones are gone", "[memory_budget]") {
  MemoryBudget budget(10000);
  std::optional<TraceBatch> batch;
  {
    auto admission = budget.admit(300);  // the request as it arrived (say, compressed)
    REQUIRE(admission);
    batch = received(2000);  // decompressed: the reservation grows to cover it
    CHECK(budget.held() == 2000);
  }
  CHECK(budget.held() == 2000);  // the request is handled; the batch still holds its bytes
  TraceBatch clone = batch->clone();
  batch.reset();
  CHECK(budget.held() == 2000);  // a fan-out clone shares them
  {
    TraceBatch merged = clone.merged();  // decoded copies keep their sources counted
    TraceBatch moved;
    moved.append(std::move(clone));
    moved.raw_parts().clear();
    CHECK(budget.held() == 2000);
  }
  CHECK(budget.held() == 0);
}

TEST_CASE("a batch received without an admission holds nothing, and a refused admission grants nothing",
          "[memory_budget]") {
  MemoryBudget budget(1000);
  auto outside = received(100);
  CHECK(outside.raw_parts().front().hold == nullptr);
  auto taken = budget.admit(900);
  {
    auto refused = budget.admit(500);
    REQUIRE_FALSE(refused);
    auto b = received(500);  // the refused request is not counted (the receiver answers before decoding)
    CHECK(b.raw_parts().front().hold != nullptr);  // it belongs to the admission still open on this thread
  }
  CHECK(budget.held() == 900);
}

TEST_CASE("the default budget is a quarter of the memory limit, between 32 MiB and 512 MiB", "[memory_budget]") {
  uint64_t total = total_memory_bytes();
  CHECK(total > 0);
  uint64_t expected = std::clamp<uint64_t>(total / 4, uint64_t{32} << 20, uint64_t{512} << 20);
  CHECK(MemoryBudget::default_limit() == expected);
}

TEST_CASE("memory.budget sets the budget, other keys under memory are errors", "[memory_budget][config]") {
  const std::string pipelines = R"(
receivers: {otlp: {protocols: {grpc: {endpoint: "127.0.0.1:0"}}}}
exporters: {debug: {}}
service: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}
)";
  CHECK_FALSE(parse_config(YAML::Load(pipelines)).memory_budget);
  CHECK(parse_config(YAML::Load(pipelines + "memory: {budget: 64MiB}\n")).memory_budget == (uint64_t{64} << 20));
  CHECK_THROWS_WITH(parse_config(YAML::Load(pipelines + "memory: {limit: 64MiB}\n")), Contains("limit"));
}
