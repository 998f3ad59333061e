// OTLP metrics to Prometheus remote-write 1.0 requests: series named and labelled as the prometheus exporter does
// (exporters/prometheus/translate.h), and WriteRequests bounded by max_batch_size_bytes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/batch.h"
#include "prometheus/remote.pb.h"

namespace otlpd::prometheusremotewrite_exporter {

struct TranslateOptions {
  std::string namespace_;
  std::map<std::string, std::string> external_labels;  // added where a series has no label of that name
  bool resource_to_telemetry_conversion = false;
  bool target_info = true;
  bool add_metric_suffixes = true;
  bool send_metadata = false;
};

struct Translated {
  std::vector<prometheus::TimeSeries> series;
  std::vector<prometheus::MetricMetadata> metadata;
  // Metrics that were not translated, with the reason: delta sums and histograms (as the Collector, which
  // refuses them), exponential histograms.
  std::vector<std::pair<std::string, std::string>> dropped;
};

// The series of every data point: gauges and sums as one sample, histograms as _bucket (cumulative, with le,
// +Inf last), _sum and _count, summaries as quantile series with _sum and _count; target_info per resource with
// job or instance. A data point flagged "no recorded value" becomes Prometheus's stale marker. Timestamps are
// the points' times in milliseconds (`now_ms` when a point has none).
Translated translate(const MetricBatch& batch, const TranslateOptions& options, int64_t now_ms);

// Serialized WriteRequests holding every series (then every metadata entry) in order, each at most `max_bytes`
// long; a single series longer than that goes alone.
std::vector<std::string> split_requests(const Translated& t, size_t max_bytes);

// The stale marker's bit pattern (a NaN Prometheus reads as "series ended").
double stale_nan();

}  // namespace otlpd::prometheusremotewrite_exporter
