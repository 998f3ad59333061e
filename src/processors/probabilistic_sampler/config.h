// Configuration of the `probabilistic_sampler` processor, with the OpenTelemetry Collector's keys.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::probabilistic_sampler {

struct ProbabilisticSamplerConfig : ComponentConfig {
  enum class AttributeSource { trace_id, record };
  enum class Mode { hash_seed };

  // Percentage of traces (or logs) kept; 0 drops all, >= 100 keeps all (the Collector clamps above 100).
  float sampling_percentage = 0;
  // Seeds the hash; collectors of one tier must share it for consistent decisions.
  uint32_t hash_seed = 0;
  // Only the Collector's hash_seed mode; proportional and equalizing are refused.
  Mode mode = Mode::hash_seed;
  // Items without randomness (no trace id, no `from_attribute`) are dropped when true, kept when false.
  bool fail_closed = true;
  // Hex digits of a threshold in the Collector's consistent modes; accepted and validated (1-14), unused by
  // the hash_seed mode.
  int sampling_precision = 4;
  // Logs only: hash the record's trace id, or the `from_attribute` attribute of the record.
  AttributeSource attribute_source = AttributeSource::trace_id;
  std::string from_attribute;
  // Logs only: an attribute holding a percentage that raises the record's sampling probability.
  std::string sampling_priority;
};

// The key table (for `otlpd components --describe`) and the strict parse it drives.
const Schema<ProbabilisticSamplerConfig>& schema();
std::unique_ptr<ProbabilisticSamplerConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::probabilistic_sampler
