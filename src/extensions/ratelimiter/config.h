// Configuration of the `ratelimiter` extension: token buckets per key, referenced by receivers' middlewares.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/schema.h"
#include "core/component_config.h"
#include "core/limiter.h"

namespace otlpd::ratelimiter {

// A key with its own limits: `match` gives a value for every one of metadata_keys.
struct OverrideConfig {
  std::map<std::string, std::string> match;  // metadata key (lower-cased at parse) → value
  double rate = 0;
  double burst = 0;  // 0: the override's rate (at least 1)
};

struct RateLimiterConfig : ComponentConfig {
  double rate = 0;   // tokens per second per key; required
  double burst = 0;  // bucket size; 0: rate (at least 1)
  RateLimiter::Strategy strategy = RateLimiter::Strategy::requests;
  std::vector<std::string> metadata_keys = {"client.address"};  // lower-cased at parse
  std::vector<std::string> trusted_proxies;                     // CIDRs whose X-Forwarded-For/Forwarded are believed
  std::vector<OverrideConfig> overrides;
  uint64_t max_keys = 10000;
};

const Schema<RateLimiterConfig>& schema();
std::unique_ptr<RateLimiterConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::ratelimiter
