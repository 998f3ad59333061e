// A metric's data points whatever its type: the one switch over Metric's data oneof that code iterating points uses.
#pragma once

#include <cstddef>
#include <type_traits>

#include "opentelemetry/proto/metrics/v1/metrics.pb.h"

namespace otlpd {

// Calls f(points) with the data points of `m` (a RepeatedPtrField of its point type, mutable when `m` is); nothing
// for a metric without data.
template <typename M, typename F>
void with_points(M& m, F&& f) {
  using Metric = opentelemetry::proto::metrics::v1::Metric;
  constexpr bool mut = !std::is_const_v<M>;
  switch (m.data_case()) {
    case Metric::kGauge:
      if constexpr (mut)
        f(*m.mutable_gauge()->mutable_data_points());
      else
        f(m.gauge().data_points());
      break;
    case Metric::kSum:
      if constexpr (mut)
        f(*m.mutable_sum()->mutable_data_points());
      else
        f(m.sum().data_points());
      break;
    case Metric::kHistogram:
      if constexpr (mut)
        f(*m.mutable_histogram()->mutable_data_points());
      else
        f(m.histogram().data_points());
      break;
    case Metric::kExponentialHistogram:
      if constexpr (mut)
        f(*m.mutable_exponential_histogram()->mutable_data_points());
      else
        f(m.exponential_histogram().data_points());
      break;
    case Metric::kSummary:
      if constexpr (mut)
        f(*m.mutable_summary()->mutable_data_points());
      else
        f(m.summary().data_points());
      break;
    case Metric::DATA_NOT_SET:
      break;
  }
}

// The number of data points of `m`.
inline size_t metric_points(const opentelemetry::proto::metrics::v1::Metric& m) {
  size_t n = 0;
  with_points(m, [&](const auto& points) { n = static_cast<size_t>(points.size()); });
  return n;
}

}  // namespace otlpd
