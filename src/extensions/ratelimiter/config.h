// Configuration of the `ratelimiter` extension: token buckets per key, referenced by receivers' middlewares.
// The limit keys are shared with the `ratelimit` processor (add_limit_keys).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/schema.h"
#include "core/component_config.h"
#include "core/limiter.h"
#include "platform/go_duration.h"

namespace otlpd::ratelimiter {

// A key with its own limits: `match` gives a value for every one of metadata_keys.
struct OverrideConfig {
  std::map<std::string, std::string> match;  // metadata key (lower-cased at parse) → value
  double rate = 0;
  double burst = 0;  // 0: the override's rate (at least 1)
};

// What to do with a request over the limit: refuse it (with a retry hint), or wait for the tokens up to
// max_delay and refuse it only then.
enum class ThrottleBehavior { error, delay };

// The limits, as both components read them.
struct LimitSettings {
  double rate = 0;
  double burst = 0;
  RateLimiter::Strategy strategy = RateLimiter::Strategy::requests;
  std::vector<std::string> metadata_keys;
  std::vector<std::string> trusted_proxies;
  std::vector<OverrideConfig> overrides;
  uint64_t max_keys = 10000;
  ThrottleBehavior throttle_behavior = ThrottleBehavior::error;
  Duration max_delay = std::chrono::seconds(1);
};

struct RateLimiterConfig : ComponentConfig, LimitSettings {
  RateLimiterConfig() { metadata_keys = {"client.address"}; }
};

const Schema<OverrideConfig>& override_schema();
// The cross-field rules of LimitSettings (rate above 0, metadata_keys lower-cased and distinct, proxies
// parsed, overrides matching metadata_keys).
void validate_limits(LimitSettings& c, const SchemaInput& in);

namespace detail {
template <typename Cfg, typename T>
T Cfg::*member(T LimitSettings::*p) {
  return static_cast<T Cfg::*>(p);
}
}  // namespace detail

// The keys of LimitSettings but the throttle ones, and their rules, in the schema of a config that derives
// from it.
template <typename Cfg>
Schema<Cfg>& add_limit_keys(Schema<Cfg>& s) {
  using detail::member;
  using S = LimitSettings;
  return s
      .key("rate", member<Cfg>(&S::rate), "tokens added per second to each key's bucket, above 0", required<double>())
      .key("burst", member<Cfg>(&S::burst), "bucket size (tokens a key may spend at once); 0: rate (at least 1)",
           at_least(0.0))
      .choice("strategy", member<Cfg>(&S::strategy),
              {{"requests", RateLimiter::Strategy::requests},
               {"bytes", RateLimiter::Strategy::bytes},
               {"records", RateLimiter::Strategy::records}},
              "what a token is: a request, a wire byte (before decompression), or a record (from the wire walk)")
      .key("metadata_keys", member<Cfg>(&S::metadata_keys),
           "what the key is made of: client.address, auth.principal, auth.<attribute>, or request header names; "
           "[] : one key")
      .key("trusted_proxies", member<Cfg>(&S::trusted_proxies),
           "proxy addresses/CIDRs whose X-Forwarded-For / Forwarded give client.address")
      .block("overrides", "list of maps", "limits of particular keys: {match, rate, burst}", override_schema(),
             [](const ConfigNode& n, Cfg& c) {
               if (!n.is_sequence()) n.fail("overrides must be a list of {match, rate, burst}");
               for (const auto& item : n.items()) c.overrides.push_back(*override_schema().parse(item));
             })
      .key("max_keys", member<Cfg>(&S::max_keys),
           "keys (buckets) held at most; beyond, the least recently used is dropped", between<uint64_t>(1, 10'000'000))
      .validate([](Cfg& c, const SchemaInput& in) { validate_limits(c, in); });
}

// throttle_behavior and max_delay, for a component that can wait for tokens.
template <typename Cfg>
Schema<Cfg>& add_throttle_keys(Schema<Cfg>& s) {
  using detail::member;
  using S = LimitSettings;
  return s
      .choice("throttle_behavior", member<Cfg>(&S::throttle_behavior),
              {{"error", ThrottleBehavior::error}, {"delay", ThrottleBehavior::delay}},
              "over the limit: error refuses at once with a retry hint; delay waits for the tokens (up to max_delay)")
      .key("max_delay", member<Cfg>(&S::max_delay),
           "throttle_behavior delay: the longest a request waits for its tokens; longer waits are refused at once",
           at_least(Duration::zero()));
}

const Schema<RateLimiterConfig>& schema();
std::unique_ptr<RateLimiterConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::ratelimiter
