// Configuration of the `memory_limiter` processor, with the OpenTelemetry Collector's keys.
#pragma once

#include <cstdint>
#include <memory>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::memory_limiter {

struct MemoryLimiterConfig : ComponentConfig {
  Duration check_interval{0};    // required, > 0
  uint64_t limit_mib = 0;        // hard limit; or limit_percentage of total memory
  uint64_t spike_limit_mib = 0;  // soft limit = limit - spike; default 20% of limit
  uint32_t limit_percentage = 0;
  uint32_t spike_limit_percentage = 0;
};

// The key table (for `otlpd components --describe memory_limiter`) and the strict parse it drives.
const Schema<MemoryLimiterConfig>& schema();
std::unique_ptr<MemoryLimiterConfig> parse_memory_limiter_config(const ConfigNode& node);

}  // namespace otlpd::memory_limiter
