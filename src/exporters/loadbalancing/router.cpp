// Routing: one pass that finds each item's backend, and a copy into per-backend requests only when they differ.
#include "exporters/loadbalancing/router.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>

#include "codec/wire_reader.h"
#include "model/any_value.h"
#include "model/metric_points.h"

namespace otlpd::loadbalancing_exporter {

namespace {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::InstrumentationScope;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::metrics::v1::Metric;
using opentelemetry::proto::resource::v1::Resource;
using Attributes = google::protobuf::RepeatedPtrField<KeyValue>;

std::string_view service_name(const Resource& r) {
  for (const auto& kv : r.attributes())
    if (kv.key() == "service.name") return kv.value().string_value();
  return {};
}

// --- Keys made of attribute values: the Collector's attribute-routing encoding ---------------------------------

// Every attribute, sorted by key, "k:v" separated by commas (a map value's encoding).
void append_attributes(std::string& out, const Attributes& kvs) {
  std::vector<const KeyValue*> sorted;
  sorted.reserve(static_cast<size_t>(kvs.size()));
  for (const auto& kv : kvs) sorted.push_back(&kv);
  std::sort(sorted.begin(), sorted.end(), [](const KeyValue* a, const KeyValue* b) { return a->key() < b->key(); });
  bool first = true;
  for (const auto* kv : sorted) {
    if (!first) out += ',';
    first = false;
    out += kv->key();
    out += ':';
    out += any_value_as_string(kv->value());
  }
}

const AnyValue* find_attribute(const Attributes& kvs, std::string_view name) {
  for (const auto& kv : kvs)
    if (kv.key() == name) return &kv.value();
  return nullptr;
}

// "name=value|" for each routing attribute, from the resource, the scope, then `own` (the item's or data
// point's attributes); `pseudo` answers the item's named fields (span.kind...) first.
template <typename Pseudo>
std::string attributes_key(const std::vector<std::string>& names, const Resource& resource,
                           const InstrumentationScope& scope, const Attributes& own, Pseudo pseudo) {
  std::string key;
  for (const auto& name : names) {
    key += name;
    key += '=';
    if (!pseudo(name, key)) {
      const AnyValue* v = find_attribute(resource.attributes(), name);
      if (!v) v = find_attribute(scope.attributes(), name);
      if (!v) v = find_attribute(own, name);
      if (v) key += any_value_as_string(*v);
    }
    key += '|';
  }
  return key;
}

std::string item_key(const std::vector<std::string>& names, const Resource& r, const InstrumentationScope& s,
                     const opentelemetry::proto::trace::v1::Span& span) {
  return attributes_key(names, r, s, span.attributes(), [&](const std::string& n, std::string& out) {
    if (n == "span.kind") {
      out += std::to_string(static_cast<int>(span.kind()));
      return true;
    }
    if (n == "span.name") {
      out += span.name();
      return true;
    }
    return false;
  });
}

std::string item_key(const std::vector<std::string>& names, const Resource& r, const InstrumentationScope& s,
                     const opentelemetry::proto::logs::v1::LogRecord& log) {
  return attributes_key(names, r, s, log.attributes(), [&](const std::string& n, std::string& out) {
    if (n == "log.severity") {
      out += std::to_string(static_cast<int>(log.severity_number()));
      return true;
    }
    if (n == "log.body") {
      out += any_value_as_string(log.body());
      return true;
    }
    return false;
  });
}

// The backend of each data point of `m` (streamID or attributes routing).
std::vector<uint32_t> point_backends(const HashRing& ring, RoutingKey key, const std::vector<std::string>& names,
                                     const Resource& r, const InstrumentationScope& s, std::string_view stream_prefix,
                                     const Metric& m) {
  std::vector<uint32_t> out;
  with_points(m, [&](const auto& points) {
    out.reserve(static_cast<size_t>(points.size()));
    for (const auto& p : points) {
      std::string k;
      if (key == RoutingKey::stream_id) {
        k = stream_prefix;
        append_attributes(k, p.attributes());
      } else {
        k = attributes_key(names, r, s, p.attributes(), [](const std::string&, std::string&) { return false; });
      }
      out.push_back(static_cast<uint32_t>(ring.find(k)));
    }
  });
  return out;
}

// Routing by data point: a metric whose points go to several backends is replaced, in place, by one copy per
// backend holding that backend's points. `backend` gets each metric's backend in walk order (a metric without
// points goes by its resource's service.name).
void split_metric_points(MetricBatch& batch, const HashRing& ring, RoutingKey key,
                         const std::vector<std::string>& names, std::vector<uint32_t>& backend) {
  for (auto& part : batch.mutable_parts()) {
    for (auto& rm : *part.request->mutable_resource_metrics()) {
      std::string resource_text;
      append_attributes(resource_text, rm.resource().attributes());
      const auto by_service = static_cast<uint32_t>(ring.find(service_name(rm.resource())));
      for (auto& sm : *rm.mutable_scope_metrics()) {
        google::protobuf::RepeatedPtrField<Metric> out;
        for (auto& m : *sm.mutable_metrics()) {
          std::string prefix;
          if (key == RoutingKey::stream_id)
            prefix = resource_text + "|" + sm.scope().name() + "|" + sm.scope().version() + "|" + m.name() + "|" +
                     m.unit() + "|" + std::to_string(static_cast<int>(m.data_case())) + "|";
          auto points = point_backends(ring, key, names, rm.resource(), sm.scope(), prefix, m);
          std::vector<uint32_t> distinct;
          for (uint32_t b : points)
            if (std::find(distinct.begin(), distinct.end(), b) == distinct.end()) distinct.push_back(b);
          if (distinct.size() <= 1) {
            backend.push_back(distinct.empty() ? by_service : distinct.front());
            out.Add()->Swap(&m);
            continue;
          }
          for (uint32_t b : distinct) {
            Metric* copy = out.Add();
            copy->CopyFrom(m);
            with_points(*copy, [&](auto& pts) {
              int kept = 0;
              for (int i = 0; i < pts.size(); ++i)
                if (points[static_cast<size_t>(i)] == b) pts.SwapElements(kept++, i);
              pts.DeleteSubrange(kept, pts.size() - kept);
            });
            backend.push_back(b);
          }
        }
        sm.mutable_metrics()->Swap(&out);
      }
    }
  }
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

// --- On the wire: received bytes are split by copying byte ranges, nothing decoded ----------------------------
// Every signal nests the same way: request { 1: resource entry } → resource entry { 1: resource, 2: scope entry,
// other fields } → scope entry { 2: item, other fields } (ResourceSpans/ScopeSpans/Span, ResourceLogs/ScopeLogs/
// LogRecord, ResourceMetrics/ScopeMetrics/Metric). An item's trace id is field 1 of a Span, 9 of a LogRecord.

using otlp_wire::Field;
using otlp_wire::Reader;
using otlp_wire::WireType;

// service.name of a Resource's bytes: attributes (1) are KeyValue { 1: key, 2: AnyValue { 1: string_value } }.
std::string_view wire_service_name(std::string_view resource) {
  Reader r(resource);
  Field f;
  while (r.next(f)) {
    if (f.number != 1 || f.type != WireType::len) continue;
    Reader kv(f.body);
    Field g;
    std::string_view key, value;
    bool has_value = false;
    while (kv.next(g)) {
      if (g.type != WireType::len) continue;
      if (g.number == 1) key = g.body;
      if (g.number == 2) {
        Reader av(g.body);
        Field h;
        has_value = false;
        while (av.next(h))
          if (h.number == 1 && h.type == WireType::len) {
            value = h.body;
            has_value = true;
          }
      }
    }
    if (key == "service.name") return has_value ? value : std::string_view{};
  }
  return {};
}

// The trace id of an item's bytes (the last occurrence wins, as protobuf merges it); empty when none.
// Encoders write fields in number order, so a span's trace id (field 1) comes first: it is taken without reading
// the rest of the span. Otherwise every field is read and the last occurrence wins, as a decoder would. (A span
// that starts with its trace id and repeats it later is routed by the first, where a decoder keeps the last: no
// encoder writes that, and only the sender's own trace can be split by it.)
std::string_view wire_trace_id(std::string_view item, uint32_t field) {
  Reader r(item);
  Field f;
  if (field == 1 && r.next(f) && f.number == 1 && f.type == WireType::len) return f.body;
  r = Reader(item);
  std::string_view id;
  while (r.next(f))
    if (f.number == field && f.type == WireType::len) id = f.body;
  return id;
}

struct WireScope {
  std::vector<std::string_view> headers;  // every field but the items, as they came
  size_t header_bytes = 0;
  size_t first_item = 0, end_item = 0;
};
struct WireResource {
  std::vector<std::string_view> headers;  // every field but the scope entries
  size_t header_bytes = 0;
  size_t first_scope = 0, end_scope = 0;
  size_t part = 0;  // the batch part it came from (for its memory hold)
};

void append_len_tag(std::string& out, uint32_t number, size_t len) {
  otlp_wire::append_varint(out, uint64_t(number) << 3 | 2);
  otlp_wire::append_varint(out, len);
}
size_t len_field_size(size_t body) { return 1 + otlp_wire::varint_size(body) + body; }

// Routes a batch whose parts all have received bytes; nullopt when one has none, or its bytes hold something
// this walk does not expect (the decoded path then handles it).
// Backends a route may name: the ring's, and those a TraceIdRoute picks beyond it (backends that left the ring
// and still serve the traces they had).
size_t backend_count(const HashRing& ring, const std::vector<uint32_t>& backend) {
  size_t n = ring.endpoints().size();
  for (uint32_t b : backend) n = std::max(n, static_cast<size_t>(b) + 1);
  return n;
}

template <typename B>
std::optional<std::vector<std::pair<size_t, B>>> route_wire(B& batch, const HashRing& ring, RoutingKey key,
                                                            const TraceIdRoute* by_trace_id, uint32_t trace_id_field) {
  if (key != RoutingKey::trace_id && key != RoutingKey::service) return std::nullopt;
  const auto& parts = batch.raw_parts();
  for (const auto& p : parts)
    if (!p.wire) return std::nullopt;
  std::vector<WireResource> resources;
  std::vector<WireScope> scopes;
  std::vector<std::string_view> items;  // each item's whole field (tag, length, bytes)
  std::vector<uint32_t> backend;
  size_t expected = 0;  // items, where the receiver counted them: the vectors below grow once
  for (const auto& p : parts)
    if (p.items != B::kUnknownItems) expected += p.items;
  items.reserve(expected);
  backend.reserve(expected);
  std::vector<std::string_view> ids;  // per item of the resource being read
  std::string_view last_id;           // the trace id routed last (empty: none), and its backend
  uint32_t last_backend = 0;
  bool uniform = true;
  for (size_t pi = 0; pi < parts.size(); ++pi) {
    Reader top(*parts[pi].wire);
    Field f;
    while (top.next(f)) {
      if (f.number != 1 || f.type != WireType::len) return std::nullopt;
      WireResource res;
      res.part = pi;
      res.first_scope = scopes.size();
      const size_t first_item = items.size();
      ids.clear();
      std::string_view resource_body;
      Reader rr(f.body);
      Field g;
      while (rr.next(g)) {
        if (g.number == 2 && g.type == WireType::len) {
          WireScope sc;
          sc.first_item = items.size();
          Reader sr(g.body);
          Field h;
          while (sr.next(h)) {
            if (h.number == 2 && h.type == WireType::len) {
              items.push_back(h.raw);
              ids.push_back(trace_id_field && key == RoutingKey::trace_id ? wire_trace_id(h.body, trace_id_field)
                                                                          : std::string_view{});
            } else {
              sc.headers.push_back(h.raw);
              sc.header_bytes += h.raw.size();
            }
          }
          if (sr.error()) return std::nullopt;
          sc.end_item = items.size();
          scopes.push_back(std::move(sc));
        } else {
          if (g.number == 1 && g.type == WireType::len) resource_body = g.body;
          res.headers.push_back(g.raw);
          res.header_bytes += g.raw.size();
        }
      }
      if (rr.error()) return std::nullopt;
      res.end_scope = scopes.size();
      // The resource is whole now: its service name is known, so its items can be routed. Spans of one trace
      // usually come one after another: a repeated trace id reuses the backend of the one before.
      std::optional<uint32_t> by_service;
      for (size_t i = first_item; i < items.size(); ++i) {
        const auto id = ids[i - first_item];
        if (id.empty()) {
          if (!by_service) by_service = static_cast<uint32_t>(ring.find(wire_service_name(resource_body)));
          last_backend = *by_service;
          last_id = {};
        } else if (id != last_id) {
          last_backend = static_cast<uint32_t>(by_trace_id ? (*by_trace_id)(id) : ring.find(id));
          last_id = id;
        }
        if (!backend.empty() && last_backend != backend.front()) uniform = false;
        backend.push_back(last_backend);
      }
      resources.push_back(std::move(res));
    }
    if (top.error()) return std::nullopt;
  }
  std::vector<std::pair<size_t, B>> out;
  if (backend.empty()) return out;  // nothing to send
  if (uniform) {
    out.emplace_back(backend.front(), std::move(batch));
    return out;
  }
  // Sizes first (each scope's and resource's body per backend), then exact-size buffers filled in order.
  const size_t n = backend_count(ring, backend);
  std::vector<size_t> scope_size(scopes.size() * n, 0);
  std::vector<size_t> resource_size(resources.size() * n, 0);
  for (size_t ri = 0; ri < resources.size(); ++ri) {
    const auto& res = resources[ri];
    for (size_t si = res.first_scope; si < res.end_scope; ++si) {
      const auto& sc = scopes[si];
      for (size_t i = sc.first_item; i < sc.end_item; ++i) {
        scope_size[si * n + backend[i]] += items[i].size();
      }
      for (size_t b = 0; b < n; ++b) {
        size_t& body = scope_size[si * n + b];
        if (body == 0) continue;
        body += sc.header_bytes;
        resource_size[ri * n + b] += len_field_size(body);
      }
    }
    for (size_t b = 0; b < n; ++b) {
      size_t& body = resource_size[ri * n + b];
      if (body == 0) continue;
      body += res.header_bytes;
    }
  }
  // The parts keep the receiver's memory hold of what they were cut from until they are gone.
  std::shared_ptr<const void> hold;
  if (parts.size() == 1) {
    hold = parts.front().hold;
  } else {
    auto all = std::make_shared<std::vector<std::shared_ptr<const void>>>();
    for (const auto& p : parts)
      if (p.hold) all->push_back(p.hold);
    if (!all->empty()) hold = std::move(all);
  }
  // One part per resource entry and backend: parts of a few tens of KiB come from the allocator's free lists, where
  // one buffer of MiBs per backend would be fresh pages (a page fault per 4 KiB) every time. The sender hands
  // every part to gRPC as its own slice, without copying them together.
  std::vector<std::optional<B>> by_backend(n);
  std::vector<size_t> order;  // backends in the order their first resource entry came
  for (size_t ri = 0; ri < resources.size(); ++ri) {
    const auto& res = resources[ri];
    for (size_t b = 0; b < n; ++b) {
      const size_t rbody = resource_size[ri * n + b];
      if (rbody == 0) continue;
      std::string o;
      o.reserve(len_field_size(rbody));
      append_len_tag(o, 1, rbody);
      for (auto h : res.headers) o.append(h);
      size_t in_part = 0;
      for (size_t si = res.first_scope; si < res.end_scope; ++si) {
        const size_t sbody = scope_size[si * n + b];
        if (sbody == 0) continue;
        const auto& sc = scopes[si];
        append_len_tag(o, 2, sbody);
        for (auto h : sc.headers) o.append(h);
        for (size_t i = sc.first_item; i < sc.end_item; ++i)
          if (backend[i] == b) {
            o.append(items[i]);
            ++in_part;
          }
      }
      B part = B::adopt_wire(std::move(o), in_part, batch.context());
      if (hold) part.raw_parts().front().hold = hold;
      if (!by_backend[b]) {
        by_backend[b].emplace(std::move(part));
        order.push_back(b);
      } else {
        by_backend[b]->append(std::move(part));
      }
    }
  }
  out.reserve(order.size());
  for (size_t b : order) out.emplace_back(b, std::move(*by_backend[b]));
  return out;
}

template <typename Walk, typename B>
std::vector<std::pair<size_t, B>> route_batch(B batch, const HashRing& ring, RoutingKey key,
                                              const TraceIdRoute* by_trace_id,
                                              const std::vector<std::string>& routing_attributes) {
  constexpr uint32_t trace_id_field = std::is_same_v<Walk, TraceWalk> ? 1 : std::is_same_v<Walk, LogWalk> ? 9 : 0;
  if (auto wire = route_wire(batch, ring, key, by_trace_id, trace_id_field)) return std::move(*wire);
  std::vector<std::pair<size_t, B>> out;

  // Each item's backend, in walk order.
  std::vector<uint32_t> backend;
  bool by_point = false;
  if constexpr (std::is_same_v<Walk, MetricWalk>) {
    by_point = key == RoutingKey::stream_id || key == RoutingKey::attributes;
    if (by_point) split_metric_points(batch, ring, key, routing_attributes, backend);
  }
  const auto& parts = batch.read_parts();
  for (const auto& p : parts) {
    if (by_point) break;
    for (const auto& rs : Walk::resources(*p.request)) {
      uint32_t by_resource = 0;
      if (key == RoutingKey::resource) {
        std::string text;
        append_attributes(text, rs.resource().attributes());
        by_resource = static_cast<uint32_t>(ring.find(text));
      } else {
        by_resource = static_cast<uint32_t>(ring.find(service_name(rs.resource())));
      }
      for (const auto& ss : Walk::scopes(rs)) {
        for (const auto& item : Walk::items(ss)) {
          uint32_t b = by_resource;
          if (key == RoutingKey::trace_id) {
            const auto id = Walk::trace_id(item);
            if (!id.empty()) b = static_cast<uint32_t>(by_trace_id ? (*by_trace_id)(id) : ring.find(id));
          } else if constexpr (std::is_same_v<Walk, MetricWalk>) {
            if (key == RoutingKey::metric) b = static_cast<uint32_t>(ring.find(item.name()));
          } else {
            if (key == RoutingKey::attributes)
              b = static_cast<uint32_t>(ring.find(item_key(routing_attributes, rs.resource(), ss.scope(), item)));
          }
          backend.push_back(b);
        }
      }
    }
  }
  if (backend.empty()) return out;  // nothing to send
  const bool uniform = std::all_of(backend.begin(), backend.end(), [&](uint32_t b) { return b == backend.front(); });
  if (uniform) {
    const size_t b = backend.front();
    out.emplace_back(b, std::move(batch));
    return out;
  }

  // Copies: per backend, one request with the resource and scope headers its items need.
  const size_t n = backend_count(ring, backend);
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
              if (rs.has_resource()) rs_out[b]->mutable_resource()->CopyFrom(rs.resource());
              rs_out[b]->set_schema_url(rs.schema_url());
            }
            ss_out[b] = Walk::add_scope(rs_out[b]);
            if (ss.has_scope()) ss_out[b]->mutable_scope()->CopyFrom(ss.scope());
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

std::vector<std::pair<size_t, TraceBatch>> route(TraceBatch batch, const HashRing& ring, RoutingKey key,
                                                 const std::vector<std::string>& routing_attributes) {
  return route_batch<TraceWalk>(std::move(batch), ring, key, nullptr, routing_attributes);
}

std::vector<std::pair<size_t, TraceBatch>> route(TraceBatch batch, const HashRing& ring, RoutingKey key,
                                                 const TraceIdRoute& by_trace_id) {
  return route_batch<TraceWalk>(std::move(batch), ring, key, &by_trace_id, {});
}

std::vector<std::pair<size_t, LogBatch>> route(LogBatch batch, const HashRing& ring, RoutingKey key,
                                               const TraceIdRoute& by_trace_id) {
  return route_batch<LogWalk>(std::move(batch), ring, key, &by_trace_id, {});
}

std::vector<std::pair<size_t, LogBatch>> route(LogBatch batch, const HashRing& ring, RoutingKey key,
                                               const std::vector<std::string>& routing_attributes) {
  return route_batch<LogWalk>(std::move(batch), ring, key, nullptr, routing_attributes);
}

std::vector<std::pair<size_t, MetricBatch>> route(MetricBatch batch, const HashRing& ring, RoutingKey key,
                                                  const std::vector<std::string>& routing_attributes) {
  return route_batch<MetricWalk>(std::move(batch), ring, key, nullptr, routing_attributes);
}

}  // namespace otlpd::loadbalancing_exporter
