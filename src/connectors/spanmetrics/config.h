// Configuration of the `spanmetrics` connector, with the OpenTelemetry Collector's keys and defaults.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::spanmetrics {

// An extra dimension: the span's attribute `name` (else the resource's), else `default_value`, else omitted.
struct Dimension {
  std::string name;
  std::optional<std::string> default_value;
};

enum class Temporality { cumulative, delta };
enum class DurationUnit { ms, s };

struct HistogramConfig {
  bool disable = false;
  DurationUnit unit = DurationUnit::ms;
  bool exponential = false;
  int exponential_max_size = 160;         // histogram.exponential.max_size
  std::vector<Duration> explicit_bounds;  // histogram.explicit.buckets; empty: the default buckets
};

struct ExemplarsConfig {
  bool enabled = false;
  int max_per_data_point = 5;
};

struct SpanMetricsConfig : ComponentConfig {
  std::vector<Dimension> dimensions;
  std::vector<std::string> exclude_dimensions;
  std::vector<std::string> resource_metrics_key_attributes;
  Temporality aggregation_temporality = Temporality::cumulative;
  HistogramConfig histogram;
  ExemplarsConfig exemplars;
  Duration metrics_flush_interval = std::chrono::seconds(60);
  Duration metrics_expiration = Duration::zero();  // 0: series never expire
  std::string namespace_ = "traces.span.metrics";
  int64_t aggregation_cardinality_limit = 0;  // series per metric and resource; 0: no limit
};

// The Collector's default explicit buckets, in milliseconds.
const std::vector<double>& default_bounds_ms();

const Schema<SpanMetricsConfig>& schema();

}  // namespace otlpd::spanmetrics
