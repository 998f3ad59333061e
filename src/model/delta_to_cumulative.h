// Delta → cumulative: the running totals of delta sums and histograms per stream, shared by the
// `deltatocumulative` processor and the `prometheus` exporter.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/metrics/v1/metrics.pb.h"

namespace otlpd {

// Streams are identified as the Collector's deltatocumulative processor does: resource, scope, metric (name,
// unit, type, monotonicity) and the point's attributes. Each delta point is added to its stream's total and
// rewritten in place as the cumulative point (start time of the stream's first point, the new point's time);
// the metric's temporality becomes cumulative. Points the total cannot take are removed: a point not newer than
// the stream's last one (out of order), or a new stream beyond `max_streams`. Cumulative metrics pass unchanged.
class DeltaToCumulative {
 public:
  using Clock = std::chrono::steady_clock;
  struct Result {
    size_t accumulated = 0;   // delta points turned into cumulative ones
    size_t out_of_order = 0;  // removed: not newer than the stream's last point
    size_t over_limit = 0;    // removed: a new stream while max_streams are tracked
  };

  // `max_streams` 0: no limit.
  DeltaToCumulative(Clock::duration max_stale, size_t max_streams) : max_stale_(max_stale), max_streams_(max_streams) {}

  Result accumulate(opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& request,
                    Clock::time_point now);
  // Forgets streams without a point for max_stale; returns how many.
  size_t expire(Clock::time_point now);
  size_t streams() const { return streams_.size(); }

  // A stream's running total: the last cumulative point of its kind, with its first start time.
  struct Stream {
    opentelemetry::proto::metrics::v1::NumberDataPoint number;
    opentelemetry::proto::metrics::v1::HistogramDataPoint histogram;
    opentelemetry::proto::metrics::v1::ExponentialHistogramDataPoint exponential;
    Clock::time_point seen;
  };

 private:
  Clock::duration max_stale_;
  size_t max_streams_;
  std::unordered_map<std::string, Stream> streams_;
};

}  // namespace otlpd
