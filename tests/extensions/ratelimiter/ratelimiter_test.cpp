// The ratelimiter extension: token buckets, the bounded key table, client addresses behind trusted proxies,
// keys from headers and principals, overrides, counters and config errors.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "config/node.h"
#include "core/limiter.h"
#include "core/registry.h"
#include "extensions/ratelimiter/buckets.h"
#include "extensions/ratelimiter/client_key.h"
#include "platform/telemetry.h"

namespace otlpd::ratelimiter {

using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

struct MapHeaders final : RequestHeaders {
  std::map<std::string, std::string> values;
  std::optional<std::string_view> get(std::string_view name) const override {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return std::string_view(it->second);
  }
};

struct NoHost : Host {
  Extension* extension(const ComponentId&) const override { return nullptr; }
};

// A started ratelimiter "ratelimiter/unit" from `yaml`, counting into `telemetry`.
ExtensionPtr make_limiter(const std::string& yaml, Telemetry& telemetry) {
  const auto* f = dynamic_cast<const ExtensionFactory*>(Registry::instance().find(Kind::extension, "ratelimiter"));
  REQUIRE(f);
  auto cfg = f->parse(ConfigNode(YAML::Load(yaml), "extensions::ratelimiter"));
  CreateSettings s{ComponentId{"ratelimiter", "unit"}, {}, &telemetry};
  auto e = f->create(s, *cfg);
  NoHost host;
  e->start(host);
  return e;
}

RateLimiter& as_limiter(const ExtensionPtr& e) {
  auto* l = dynamic_cast<RateLimiter*>(e.get());
  REQUIRE(l);
  return *l;
}

std::string parse_error(const std::string& yaml) {
  const auto* f = Registry::instance().find(Kind::extension, "ratelimiter");
  try {
    f->parse(ConfigNode(YAML::Load(yaml), "extensions::ratelimiter"));
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("token bucket: a burst at once, then the rate", "[ratelimit]") {
  const auto t0 = Clock::now();
  TokenBucket b({10, 3}, t0);  // 10 per second, 3 at once
  CHECK(b.take(1, t0) == Clock::duration::zero());
  CHECK(b.take(1, t0) == Clock::duration::zero());
  CHECK(b.take(1, t0) == Clock::duration::zero());
  auto wait = b.take(1, t0);
  CHECK(wait > 90ms);  // one token takes 100 ms
  CHECK(wait <= 100ms);
  CHECK(b.take(1, t0 + 50ms) > Clock::duration::zero());  // half a token
  CHECK(b.take(1, t0 + 100ms) == Clock::duration::zero());
  // Refilled up to the burst only, however long it was idle.
  CHECK(b.take(3, t0 + 1h) == Clock::duration::zero());
  CHECK(b.take(1, t0 + 1h) > Clock::duration::zero());
}

TEST_CASE("token bucket: a cost above the burst needs a full bucket and leaves it in debt", "[ratelimit]") {
  const auto t0 = Clock::now();
  TokenBucket b({100, 50}, t0);
  CHECK(b.take(10, t0) == Clock::duration::zero());
  auto wait = b.take(200, t0);  // not full: wait until it is (10 tokens at 100/s)
  CHECK(wait > 99ms);
  CHECK(wait <= 100ms);
  CHECK(b.take(200, t0 + 100ms) == Clock::duration::zero());
  CHECK(b.tokens() == Approx(-150));
  // The debt is paid off 1.6 s after t0 (150 tokens at 100/s from t0 + 100 ms); a small request waits until then.
  CHECK(b.take(1, t0 + 1s) > 500ms);
  CHECK(b.take(1, t0 + 1700ms) == Clock::duration::zero());
}

TEST_CASE("bucket table: 100,000 distinct keys stay within max_keys", "[ratelimit]") {
  BucketTable table(1000, {1, 1});
  const auto now = Clock::now();
  std::string key;
  for (int i = 0; i < 100000; ++i) {
    key = "spoofed-";
    key += std::to_string(i);
    CHECK_FALSE(table.take(key, 1, now) > Clock::duration::zero());  // each new key starts full
  }
  CHECK(table.size() <= 1000);
  CHECK(table.size() == table.capacity());
  CHECK(table.capacity() > 900);
  CHECK(table.evictions() == 100000 - table.size());
}

TEST_CASE("bucket table: an evicted key starts again full, a kept one keeps its state", "[ratelimit]") {
  BucketTable table(1, {1, 1});  // one shard, one key
  const auto now = Clock::now();
  CHECK(table.take("a", 1, now) == Clock::duration::zero());
  CHECK(table.take("a", 1, now) > Clock::duration::zero());   // kept: throttled
  CHECK(table.take("b", 1, now) == Clock::duration::zero());  // evicts a
  CHECK(table.size() == 1);
  CHECK(table.take("a", 1, now) == Clock::duration::zero());  // a fresh bucket
}

TEST_CASE("bucket table: overrides give a key its own limits", "[ratelimit]") {
  BucketTable table(100, {1, 1});
  table.set_override("vip", {1, 5});
  const auto now = Clock::now();
  for (int i = 0; i < 5; ++i) CHECK(table.take("vip", 1, now) == Clock::duration::zero());
  CHECK(table.take("vip", 1, now) > Clock::duration::zero());
  CHECK(table.take("other", 1, now) == Clock::duration::zero());
  CHECK(table.take("other", 1, now) > Clock::duration::zero());
}

TEST_CASE("client address: the peer, or behind trusted proxies the forwarded client", "[ratelimit]") {
  const std::vector<Cidr> trusted = {*Cidr::parse("10.0.0.0/8"), *Cidr::parse("::1")};
  MapHeaders h;
  h.values["x-forwarded-for"] = "203.0.113.7, 198.51.100.2, 10.1.2.3";
  // An untrusted peer's headers are ignored.
  CHECK(client_address("192.0.2.1:5555", &h, trusted) == "192.0.2.1");
  // From a trusted proxy: the rightmost address that is not a trusted proxy.
  CHECK(client_address("10.9.9.9:443", &h, trusted) == "198.51.100.2");
  CHECK(client_address("[::1]:443", &h, trusted) == "198.51.100.2");
  // Forwarded wins over X-Forwarded-For; quoted IPv6 with a port.
  h.values["forwarded"] = R"(for=192.0.2.60;proto=http, for="[2001:db8::17]:4711")";
  CHECK(client_address("10.0.0.1:1", &h, trusted) == "2001:db8::17");
  // Every hop trusted: the leftmost.
  MapHeaders all;
  all.values["x-forwarded-for"] = "10.0.0.5, 10.0.0.6";
  CHECK(client_address("10.0.0.1:1", &all, trusted) == "10.0.0.5");
  // No headers, no trusted proxies, unix sockets.
  CHECK(client_address("10.0.0.1:1", nullptr, trusted) == "10.0.0.1");
  CHECK(client_address("10.0.0.1:1", &h, {}) == "10.0.0.1");
  CHECK(client_address("[2001:db8::1]:80", &h, {}) == "2001:db8::1");
  CHECK(client_address("unix", &h, trusted) == "unix");
  CHECK_FALSE(Cidr::parse("10.0.0.0/33"));
  CHECK_FALSE(Cidr::parse("example.com"));
  CHECK(Cidr::parse("192.168.0.0/16")->contains(*parse_ip("192.168.4.5")));
  CHECK_FALSE(Cidr::parse("192.168.0.0/16")->contains(*parse_ip("192.169.4.5")));
}

TEST_CASE("ratelimiter keyed by a header: one key throttled, another served, counted per outcome", "[ratelimit]") {
  Telemetry telemetry;
  auto e = make_limiter("rate: 1\nburst: 3\nmetadata_keys: [X-Api-Key]\n", telemetry);
  auto& limiter = as_limiter(e);
  CHECK(limiter.strategy() == RateLimiter::Strategy::requests);
  MapHeaders flood, calm;
  flood.values["x-api-key"] = "flood";
  calm.values["x-api-key"] = "calm";
  int throttled = 0;
  for (int i = 0; i < 20; ++i) {
    Status st = limiter.limit({"127.0.0.1:1", "", &flood, 1});
    if (st.is_ok()) continue;
    ++throttled;
    CHECK(st.is_retryable());
    CHECK(st.exhausted());
    CHECK(st.retry_after() > 0ms);
    CHECK(st.retry_after() <= 1000ms);
    CHECK_THAT(st.message(), !Contains("flood"));
  }
  CHECK(throttled >= 16);
  CHECK(limiter.limit({"127.0.0.1:1", "", &calm, 1}).is_ok());
  const Labels accepted{{"limiter", "ratelimiter/unit"}, {"outcome", "accepted"}};
  const Labels refused{{"limiter", "ratelimiter/unit"}, {"outcome", "throttled"}};
  CHECK(telemetry.counter_value("otlpd_ratelimit_requests", refused) == static_cast<uint64_t>(throttled));
  CHECK(telemetry.counter_value("otlpd_ratelimit_requests", accepted) == static_cast<uint64_t>(21 - throttled));
  CHECK(telemetry.gauge_value("otlpd_ratelimit_keys", {{"limiter", "ratelimiter/unit"}}) == 2);
}

TEST_CASE("ratelimiter: combined keys, principal, overrides and the default client.address", "[ratelimit]") {
  Telemetry telemetry;
  SECTION("client.address by default: ports do not matter") {
    auto e = make_limiter("rate: 1\n", telemetry);
    auto& l = as_limiter(e);
    CHECK(l.limit({"192.0.2.1:1000", "", nullptr, 1}).is_ok());
    CHECK_FALSE(l.limit({"192.0.2.1:2000", "", nullptr, 1}).is_ok());
    CHECK(l.limit({"192.0.2.2:1000", "", nullptr, 1}).is_ok());
  }
  SECTION("principal and tenant together, with an override") {
    auto e = make_limiter(R"(
rate: 1
strategy: records
metadata_keys: [auth.principal, x-tenant]
overrides:
  - match: {auth.principal: alice, X-Tenant: big}
    rate: 100
    burst: 1000
)",
                          telemetry);
    auto& l = as_limiter(e);
    CHECK(l.strategy() == RateLimiter::Strategy::records);
    MapHeaders big;
    big.values["x-tenant"] = "big";
    CHECK(l.limit({"1.1.1.1:1", "alice", &big, 900}).is_ok());  // the override's burst
    CHECK(l.limit({"1.1.1.1:1", "bob", &big, 1}).is_ok());      // bob's own bucket, the default burst 1
    CHECK_FALSE(l.limit({"1.1.1.1:1", "bob", &big, 1}).is_ok());
    CHECK(l.limit({"1.1.1.1:1", "alice", nullptr, 1}).is_ok());  // no tenant: another key
  }
  SECTION("an attribute the authenticator vouched for, and a metadata.-prefixed header") {
    auto e = make_limiter("rate: 0.01\nmetadata_keys: [auth.username, metadata.x-tenant]\n", telemetry);
    auto& l = as_limiter(e);
    AuthData alice{"alice", {{"username", "alice"}}}, bob{"bob", {{"username", "bob"}}};
    MapHeaders t;
    t.values["x-tenant"] = "t1";
    CHECK(l.limit({"1.1.1.1:1", "", &t, 1, &alice}).is_ok());
    CHECK_FALSE(l.limit({"2.2.2.2:1", "", &t, 1, &alice}).is_ok());  // same user and tenant, any address
    CHECK(l.limit({"1.1.1.1:1", "", &t, 1, &bob}).is_ok());
    CHECK(l.limit({"1.1.1.1:1", "", nullptr, 1, &bob}).is_ok());  // bob without a tenant
  }
}

TEST_CASE("ratelimiter config errors name the key", "[ratelimit]") {
  CHECK_THAT(parse_error("burst: 3\n"), Contains("rate"));
  CHECK_THAT(parse_error("rate: 0\n"), Contains("rate must be above 0"));
  CHECK_THAT(parse_error("rate: 1\nstrategy: spans\n"), Contains("valid values are: requests, bytes, records"));
  CHECK_THAT(parse_error("rate: 1\ntrusted_proxies: [proxy.local]\n"), Contains("not an IP address or CIDR"));
  CHECK_THAT(parse_error("rate: 1\nmetadata_keys: [x-api-key]\noverrides: [{match: {x-tenant: a}, rate: 2}]\n"),
             Contains("must give exactly the metadata_keys"));
  CHECK_THAT(parse_error("rate: 1\nmax_keys: 0\n"), Contains("max_keys"));
  CHECK(parse_error("rate: 1\nmetadata_keys: [client.address]\ntrusted_proxies: [10.0.0.0/8, \"::1\"]\n").empty());
}

}  // namespace otlpd::ratelimiter
