// The `ratelimit` processor's config schema: the ratelimiter's limit keys plus throttle_behavior.
#include "processors/ratelimit/config.h"

namespace otlpd::ratelimit_processor {

const Schema<RateLimitConfig>& schema() {
  static const auto s = [] {
    Schema<RateLimitConfig> s;
    ratelimiter::add_limit_keys(s);
    ratelimiter::add_throttle_keys(s);
    return s.ignored("throttle_interval", "it applies to Elastic's gubernator type only; otlpd limits in memory");
  }();
  return s;
}

std::unique_ptr<RateLimitConfig> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::ratelimit_processor

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::processor, "ratelimit", ::otlpd::ratelimit_processor::schema)
