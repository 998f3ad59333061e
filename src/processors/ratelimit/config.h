// Configuration of the `ratelimit` processor: Elastic's ratelimitprocessor keys (metadata_keys, strategy, rate,
// burst, throttle_behavior, overrides) over the ratelimiter extension's buckets.
#pragma once

#include <memory>

#include "config/schema.h"
#include "core/component_config.h"
#include "extensions/ratelimiter/config.h"

namespace otlpd::ratelimit_processor {

// metadata_keys default to none (one bucket for all), as Elastic's processor.
struct RateLimitConfig : ComponentConfig, ratelimiter::LimitSettings {};

const Schema<RateLimitConfig>& schema();
std::unique_ptr<RateLimitConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::ratelimit_processor
