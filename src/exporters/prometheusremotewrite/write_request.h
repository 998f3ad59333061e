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
  // Metrics (or points) that were not translated, with the reason: delta sums, histograms and exponential
  // histograms (as the Collector, which refuses them), exponential histograms of a scale below -4.
  std::vector<std::pair<std::string, std::string>> dropped;
};

// The series of every data point: gauges and sums as one sample, histograms as _bucket (cumulative, with le,
// +Inf last), _sum and _count, exponential histograms as one series of native histograms, summaries as quantile
// series with _sum and _count; target_info per resource with job or instance. A data point flagged "no recorded value"
// becomes Prometheus's stale marker. Timestamps are the points' times in milliseconds (`now_ms` when a point has none).
Translated translate(const MetricBatch& batch, const TranslateOptions& options, int64_t now_ms);

// An exponential histogram point as a Prometheus native histogram, as the Collector converts it: a scale above 8
// is reduced to 8 (2^(scale-8) neighbouring buckets merged), one below -4 cannot be expressed (false, with the
// reason in `error`); buckets as spans of populated indexes (gaps of up to two buckets filled with zeros, longer
// ones start a new span) with delta-encoded integer counts, Prometheus's index being OTLP's plus one; the point's
// zero threshold (1e-128 when unset), zero count, count, sum, time in milliseconds (`now_ms` when it has none)
// and reset hint "unknown". A point flagged "no recorded value" carries the stale marker as sum and count.
bool native_histogram(const opentelemetry::proto::metrics::v1::ExponentialHistogramDataPoint& dp, int64_t now_ms,
                      prometheus::Histogram& out, std::string& error);

// Serialized WriteRequests holding every series (then every metadata entry) in order, each at most `max_bytes`
// long; a single series longer than that goes alone. Series of native histograms come last, in requests of their
// own, so that a receiver refusing them has stored the samples first.
std::vector<std::string> split_requests(const Translated& t, size_t max_bytes);

// The stale marker's bit pattern (a NaN Prometheus reads as "series ended").
double stale_nan();

}  // namespace otlpd::prometheusremotewrite_exporter
