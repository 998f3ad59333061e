// Routing: one pass that finds each item's backend, and a copy into per-backend requests only when they differ.
#include "exporters/loadbalancing/router.h"

#include <optional>
#include <string_view>

namespace otlpd::loadbalancing_exporter {

namespace {

using opentelemetry::proto::resource::v1::Resource;

std::string_view service_name(const Resource& r) {
  for (const auto& kv : r.attributes())
    if (kv.key() == "service.name") return kv.value().string_value();
  return {};
}

// How to walk each signal's request: resources, scopes, items, and an item's trace id.
struct TraceWalk {
  static auto& resources(const otlp_trace::ExportTraceServiceRequest& r) { return r.resource_spans(); }
  static auto* add_resource(otlp_trace::ExportTraceServiceRequest& r) { return r.add_resource_spans(); }
  template <typename R>
  static auto& scopes(const R& rs) {
    return rs.scope_spans();
  }
  template <typename R>
  static auto* add_scope(R& rs) {
    return rs->add_scope_spans();
  }
  template <typename S>
  static auto& items(const S& ss) {
    return ss.spans();
  }
  template <typename S>
  static auto* add_item(S& ss) {
    return ss->add_spans();
  }
  template <typename I>
  static std::string_view trace_id(const I& i) {
    return i.trace_id();
  }
};

struct LogWalk {
  static auto& resources(const otlp_logs::ExportLogsServiceRequest& r) { return r.resource_logs(); }
  static auto* add_resource(otlp_logs::ExportLogsServiceRequest& r) { return r.add_resource_logs(); }
  template <typename R>
  static auto& scopes(const R& rs) {
    return rs.scope_logs();
  }
  template <typename R>
  static auto* add_scope(R& rs) {
    return rs->add_scope_logs();
  }
  template <typename S>
  static auto& items(const S& ss) {
    return ss.log_records();
  }
  template <typename S>
  static auto* add_item(S& ss) {
    return ss->add_log_records();
  }
  template <typename I>
  static std::string_view trace_id(const I& i) {
    return i.trace_id();
  }
};

struct MetricWalk {
  static auto& resources(const otlp_metrics::ExportMetricsServiceRequest& r) { return r.resource_metrics(); }
  static auto* add_resource(otlp_metrics::ExportMetricsServiceRequest& r) { return r.add_resource_metrics(); }
  template <typename R>
  static auto& scopes(const R& rs) {
    return rs.scope_metrics();
  }
  template <typename R>
  static auto* add_scope(R& rs) {
    return rs->add_scope_metrics();
  }
  template <typename S>
  static auto& items(const S& ss) {
    return ss.metrics();
  }
  template <typename S>
  static auto* add_item(S& ss) {
    return ss->add_metrics();
  }
  template <typename I>
  static std::string_view trace_id(const I&) {
    return {};
  }
};

template <typename Walk, typename B>
std::vector<std::pair<size_t, B>> route_batch(B batch, const HashRing& ring, RoutingKey key,
                                              const TraceIdRoute* by_trace_id) {
  std::vector<std::pair<size_t, B>> out;
  const auto& parts = batch.read_parts();

  // Each item's backend, in walk order.
  std::vector<uint32_t> backend;
  bool uniform = true;
  for (const auto& p : parts) {
    for (const auto& rs : Walk::resources(*p.request)) {
      const auto service = service_name(rs.resource());
      const uint32_t by_service = static_cast<uint32_t>(ring.find(service));
      for (const auto& ss : Walk::scopes(rs)) {
        for (const auto& item : Walk::items(ss)) {
          uint32_t b = by_service;
          if (key == RoutingKey::trace_id) {
            const auto id = Walk::trace_id(item);
            if (!id.empty()) b = static_cast<uint32_t>(by_trace_id ? (*by_trace_id)(id) : ring.find(id));
          }
          if (!backend.empty() && b != backend.front()) uniform = false;
          backend.push_back(b);
        }
      }
    }
  }
  if (backend.empty()) return out;  // nothing to send
  if (uniform) {
    const size_t b = backend.front();
    out.emplace_back(b, std::move(batch));
    return out;
  }

  // Copies: per backend, one request with the resource and scope headers its items need.
  const size_t n = ring.endpoints().size();
  std::vector<std::optional<B>> by_backend(n);
  std::vector<size_t> order;
  using Request = typename B::RequestType;
  size_t next = 0;
  for (const auto& p : parts) {
    for (const auto& rs : Walk::resources(*p.request)) {
      using ResourceOut = std::remove_pointer_t<decltype(Walk::add_resource(std::declval<Request&>()))>;
      std::vector<ResourceOut*> rs_out(n, nullptr);
      for (const auto& ss : Walk::scopes(rs)) {
        using ScopeOut = std::remove_pointer_t<decltype(Walk::add_scope(std::declval<ResourceOut*&>()))>;
        std::vector<ScopeOut*> ss_out(n, nullptr);
        for (const auto& item : Walk::items(ss)) {
          const uint32_t b = backend[next++];
          if (!ss_out[b]) {
            if (!rs_out[b]) {
              if (!by_backend[b]) {
                by_backend[b].emplace(B::make(batch.context()));
                order.push_back(b);
              }
              rs_out[b] = Walk::add_resource(by_backend[b]->first());
              rs_out[b]->mutable_resource()->CopyFrom(rs.resource());
              rs_out[b]->set_schema_url(rs.schema_url());
            }
            ss_out[b] = Walk::add_scope(rs_out[b]);
            ss_out[b]->mutable_scope()->CopyFrom(ss.scope());
            ss_out[b]->set_schema_url(ss.schema_url());
          }
          Walk::add_item(ss_out[b])->CopyFrom(item);
        }
      }
    }
  }
  out.reserve(order.size());
  for (size_t b : order) out.emplace_back(b, std::move(*by_backend[b]));
  return out;
}

}  // namespace

std::vector<std::pair<size_t, TraceBatch>> route(TraceBatch batch, const HashRing& ring, RoutingKey key) {
  return route_batch<TraceWalk>(std::move(batch), ring, key, nullptr);
}

std::vector<std::pair<size_t, TraceBatch>> route(TraceBatch batch, const HashRing& ring, RoutingKey key,
                                                 const TraceIdRoute& by_trace_id) {
  return route_batch<TraceWalk>(std::move(batch), ring, key, &by_trace_id);
}

std::vector<std::pair<size_t, LogBatch>> route(LogBatch batch, const HashRing& ring, RoutingKey key,
                                               const TraceIdRoute& by_trace_id) {
  return route_batch<LogWalk>(std::move(batch), ring, key, &by_trace_id);
}

std::vector<std::pair<size_t, LogBatch>> route(LogBatch batch, const HashRing& ring, RoutingKey key) {
  return route_batch<LogWalk>(std::move(batch), ring, key, nullptr);
}

std::vector<std::pair<size_t, MetricBatch>> route(MetricBatch batch, const HashRing& ring, RoutingKey key) {
  return route_batch<MetricWalk>(std::move(batch), ring, key, nullptr);
}

}  // namespace otlpd::loadbalancing_exporter
