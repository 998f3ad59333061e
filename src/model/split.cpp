// Moving the front items of a request into a new one, signal by signal.
#include "model/split.h"

#include <algorithm>

namespace otlpd {

namespace {

using opentelemetry::proto::metrics::v1::Metric;

// Copies up to `n - moved` elements from the front of `from` to `to`, removes them from `from`.
template <typename T>
void take_items(google::protobuf::RepeatedPtrField<T>& from, size_t n, size_t& moved,
                google::protobuf::RepeatedPtrField<T>& to) {
  const int take = static_cast<int>(std::min<size_t>(static_cast<size_t>(from.size()), n - moved));
  to.Reserve(to.size() + take);
  for (int i = 0; i < take; ++i) *to.Add() = from.Get(i);
  from.DeleteSubrange(0, take);
  moved += static_cast<size_t>(take);
}

// The generic walk: resources → scopes → leaves. `Scopes(resource)` gives the scope list, `copy_header` copies
// a container without its children, `move_leaves(scope, out_scope)` moves items and says whether `scope` is
// now empty.
template <typename Resources, typename ScopesOf, typename CopyResource, typename MoveScope>
size_t walk(Resources& from, Resources& to, size_t n, ScopesOf scopes_of, CopyResource copy_resource,
            MoveScope move_scope) {
  size_t moved = 0;
  int resources_done = 0;
  for (int i = 0; i < from.size() && moved < n; ++i) {
    auto& res = *from.Mutable(i);
    auto* out_res = to.Add();
    copy_resource(res, *out_res);
    auto& scopes = scopes_of(res);
    int scopes_done = 0;
    for (int j = 0; j < scopes.size() && moved < n; ++j) {
      if (move_scope(*scopes.Mutable(j), *scopes_of(*out_res).Add(), moved)) scopes_done = j + 1;
    }
    scopes.DeleteSubrange(0, scopes_done);
    if (scopes.empty()) resources_done = i + 1;
  }
  from.DeleteSubrange(0, resources_done);
  return moved;
}

}  // namespace

size_t move_front(otlp_trace::ExportTraceServiceRequest& src, size_t n, otlp_trace::ExportTraceServiceRequest& dst) {
  using RS = opentelemetry::proto::trace::v1::ResourceSpans;
  using SS = opentelemetry::proto::trace::v1::ScopeSpans;
  return walk(
      *src.mutable_resource_spans(), *dst.mutable_resource_spans(), n,
      [](RS & rs) -> auto& { return *rs.mutable_scope_spans(); },
      [](const RS& from, RS& to) {
        *to.mutable_resource() = from.resource();
        to.set_schema_url(from.schema_url());
      },
      [n](SS& from, SS& to, size_t& moved) {
        *to.mutable_scope() = from.scope();
        to.set_schema_url(from.schema_url());
        take_items(*from.mutable_spans(), n, moved, *to.mutable_spans());
        return from.spans().empty();
      });
}

size_t move_front(otlp_logs::ExportLogsServiceRequest& src, size_t n, otlp_logs::ExportLogsServiceRequest& dst) {
  using RL = opentelemetry::proto::logs::v1::ResourceLogs;
  using SL = opentelemetry::proto::logs::v1::ScopeLogs;
  return walk(
      *src.mutable_resource_logs(), *dst.mutable_resource_logs(), n,
      [](RL & rl) -> auto& { return *rl.mutable_scope_logs(); },
      [](const RL& from, RL& to) {
        *to.mutable_resource() = from.resource();
        to.set_schema_url(from.schema_url());
      },
      [n](SL& from, SL& to, size_t& moved) {
        *to.mutable_scope() = from.scope();
        to.set_schema_url(from.schema_url());
        take_items(*from.mutable_log_records(), n, moved, *to.mutable_log_records());
        return from.log_records().empty();
      });
}

size_t move_front(otlp_metrics::ExportMetricsServiceRequest& src, size_t n,
                  otlp_metrics::ExportMetricsServiceRequest& dst) {
  using RM = opentelemetry::proto::metrics::v1::ResourceMetrics;
  using SM = opentelemetry::proto::metrics::v1::ScopeMetrics;
  // A metric whose points are divided appears in both pieces, each with its name, unit and type settings.
  auto move_metric = [n](Metric& from, Metric& to, size_t& moved) {
    to.set_name(from.name());
    to.set_description(from.description());
    to.set_unit(from.unit());
    *to.mutable_metadata() = from.metadata();
    switch (from.data_case()) {
      case Metric::kGauge:
        take_items(*from.mutable_gauge()->mutable_data_points(), n, moved, *to.mutable_gauge()->mutable_data_points());
        return from.gauge().data_points().empty();
      case Metric::kSum: {
        auto* s = to.mutable_sum();
        s->set_aggregation_temporality(from.sum().aggregation_temporality());
        s->set_is_monotonic(from.sum().is_monotonic());
        take_items(*from.mutable_sum()->mutable_data_points(), n, moved, *s->mutable_data_points());
        return from.sum().data_points().empty();
      }
      case Metric::kHistogram: {
        auto* h = to.mutable_histogram();
        h->set_aggregation_temporality(from.histogram().aggregation_temporality());
        take_items(*from.mutable_histogram()->mutable_data_points(), n, moved, *h->mutable_data_points());
        return from.histogram().data_points().empty();
      }
      case Metric::kExponentialHistogram: {
        auto* h = to.mutable_exponential_histogram();
        h->set_aggregation_temporality(from.exponential_histogram().aggregation_temporality());
        take_items(*from.mutable_exponential_histogram()->mutable_data_points(), n, moved, *h->mutable_data_points());
        return from.exponential_histogram().data_points().empty();
      }
      case Metric::kSummary:
        take_items(*from.mutable_summary()->mutable_data_points(), n, moved,
                   *to.mutable_summary()->mutable_data_points());
        return from.summary().data_points().empty();
      case Metric::DATA_NOT_SET:
        break;
    }
    return true;  // no points: goes with the piece as it is
  };
  return walk(
      *src.mutable_resource_metrics(), *dst.mutable_resource_metrics(), n,
      [](RM & rm) -> auto& { return *rm.mutable_scope_metrics(); },
      [](const RM& from, RM& to) {
        *to.mutable_resource() = from.resource();
        to.set_schema_url(from.schema_url());
      },
      [n, move_metric](SM& from, SM& to, size_t& moved) {
        *to.mutable_scope() = from.scope();
        to.set_schema_url(from.schema_url());
        auto& metrics = *from.mutable_metrics();
        int metrics_done = 0;
        for (int k = 0; k < metrics.size() && moved < n; ++k)
          if (move_metric(*metrics.Mutable(k), *to.add_metrics(), moved)) metrics_done = k + 1;
        metrics.DeleteSubrange(0, metrics_done);
        return metrics.empty();
      });
}

}  // namespace otlpd
