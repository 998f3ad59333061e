// Configuration of the `deltatocumulative` processor, with the OpenTelemetry Collector's (contrib) keys.
#pragma once

#include <cstdint>
#include <memory>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::deltatocumulative {

struct DeltaToCumulativeConfig : ComponentConfig {
  // A stream without a new point for this long is forgotten (its next point starts a new total).
  Duration max_stale = std::chrono::minutes(5);
  // Streams tracked at most; points of further new streams are dropped. 0: no limit.
  uint64_t max_streams = 0;
};

const Schema<DeltaToCumulativeConfig>& schema();
std::unique_ptr<DeltaToCumulativeConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::deltatocumulative
