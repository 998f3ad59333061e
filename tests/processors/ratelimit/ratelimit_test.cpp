// The ratelimit processor: keys from the batch's context (auth.*, metadata, client.address), the three
// strategies, throttle_behavior error and delay, and config errors.
#include <catch2/catch.hpp>

#include <chrono>

#include "processors/harness.h"
#include "support/component_config.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace std::chrono_literals;

namespace {

RequestContext user(const std::string& name, const std::string& tenant = "") {
  RequestContext c;
  c.client_address = "192.0.2.1:4000";
  c.auth.principal = name;
  c.auth.attributes = {{"username", name}};
  if (!tenant.empty()) c.metadata = {{"x-tenant", tenant}};
  return c;
}

}  // namespace

TEST_CASE("ratelimit processor: a key per auth attribute, refusals carry a retry hint", "[ratelimit][processors]") {
  Capture<TraceBatch> sink;
  auto p = make_processor<TraceBatch>("ratelimit", "rate: 0.01\nburst: 2\nmetadata_keys: [auth.username]\n", sink);
  auto& in = input<TraceBatch>(*p);
  CHECK(in.consume(spans(1, "svc", "a", user("alice"))).is_ok());
  CHECK(in.consume(spans(1, "svc", "a", user("alice"))).is_ok());
  Status refused = in.consume(spans(1, "svc", "a", user("alice")));
  REQUIRE(refused.is_retryable());
  CHECK(refused.exhausted());
  CHECK(refused.retry_after() > 1s);                             // a token every 100 s
  CHECK(in.consume(spans(1, "svc", "b", user("bob"))).is_ok());  // bob has his own bucket
  CHECK(sink.batch_count() == 3);
  CHECK_FALSE(in.may_block());  // error: never waits
}

TEST_CASE("ratelimit processor: records and bytes strategies, a header key, overrides", "[ratelimit][processors]") {
  Capture<TraceBatch> sink;
  SECTION("records") {
    auto p = make_processor<TraceBatch>("ratelimit", R"(
rate: 0.01
burst: 10
strategy: records
metadata_keys: [x-tenant]
overrides:
  - {match: {x-tenant: big}, rate: 0.01, burst: 100}
)",
                                        sink);
    auto& in = input<TraceBatch>(*p);
    CHECK(in.consume(spans(8, "svc", "s", user("a", "small"))).is_ok());
    CHECK_FALSE(in.consume(spans(3, "svc", "s", user("a", "small"))).is_ok());  // 2 left
    CHECK(in.consume(spans(2, "svc", "s", user("a", "small"))).is_ok());
    CHECK(in.consume(spans(90, "svc", "s", user("a", "big"))).is_ok());  // the override
    CHECK(sink.items() == 100);
  }
  SECTION("bytes") {
    auto p = make_processor<TraceBatch>("ratelimit", "rate: 0.01\nburst: 100\nstrategy: bytes\n", sink);
    auto& in = input<TraceBatch>(*p);
    CHECK(in.consume(spans(1)).is_ok());  // a few dozen bytes
    CHECK_FALSE(in.consume(spans(10)).is_ok());
  }
}

TEST_CASE("ratelimit processor: delay waits for tokens up to max_delay, then refuses", "[ratelimit][processors]") {
  Capture<TraceBatch> sink;
  auto p = make_processor<TraceBatch>(
      "ratelimit", "rate: 20\nburst: 1\nthrottle_behavior: delay\nmax_delay: 500ms\nmetadata_keys: []\n", sink);
  auto& in = input<TraceBatch>(*p);
  CHECK(in.may_block());  // receivers call it from their blocking pool
  CHECK(in.consume(spans(1)).is_ok());
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(in.consume(spans(1)).is_ok());  // waited for the next token (50 ms)
  CHECK(std::chrono::steady_clock::now() - t0 >= 40ms);

  // A wait beyond max_delay is refused at once.
  auto slow = make_processor<TraceBatch>(
      "ratelimit", "rate: 1\nburst: 1\nthrottle_behavior: delay\nmax_delay: 100ms\nmetadata_keys: []\n", sink);
  auto& slow_in = input<TraceBatch>(*slow);
  CHECK(slow_in.consume(spans(1)).is_ok());
  const auto t1 = std::chrono::steady_clock::now();
  CHECK(slow_in.consume(spans(1)).is_retryable());
  CHECK(std::chrono::steady_clock::now() - t1 < 100ms);
}

TEST_CASE("ratelimit processor config errors name the key", "[ratelimit][processors][config]") {
  auto err = [](const std::string& yaml) { return component_error(Kind::processor, "ratelimit", yaml); };
  CHECK_THAT(err("burst: 3\n"), Catch::Contains("rate"));
  CHECK_THAT(err("rate: 1\nthrottle_behavior: wait\n"), Catch::Contains("valid values are: error, delay"));
  CHECK_THAT(err("rate: 1\nmetadata_keys: [auth.]\n"), Catch::Contains("empty name"));
  CHECK_THAT(err("rate: 1\nmetadata_keys: [a]\noverrides: [{match: {b: x}, rate: 2}]\n"),
             Catch::Contains("must give exactly the metadata_keys"));
  CHECK(err("rate: 1\nburst: 5\nstrategy: records\nthrottle_behavior: delay\nmax_delay: 2s\nthrottle_interval: 1s\n")
            .empty());
  // The extension refuses a delay it cannot do.
  CHECK_THAT(component_error(Kind::extension, "ratelimiter", "rate: 1\nthrottle_behavior: delay\n"),
             Catch::Contains("not supported by otlpd"));
}
