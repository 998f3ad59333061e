// Routing a batch over the ring: every item once, each at its key's backend, with its resource and scope.
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>

#include "exporters/loadbalancing/router.h"

using namespace otlpd;
using namespace otlpd::loadbalancing_exporter;

namespace {

std::string trace_id(int t) {
  std::string id(16, 'x');
  id[0] = static_cast<char>(t);
  id[1] = static_cast<char>(t >> 8);
  return id;
}

// Two resources (services a and b), two scopes each, spans of traces 0..9 interleaved over them.
TraceBatch mixed_batch() {
  auto batch = TraceBatch::make();
  auto& req = batch.first();
  int span = 0;
  for (const char* service : {"a", "b"}) {
    auto* rs = req.add_resource_spans();
    auto* attr = rs->mutable_resource()->add_attributes();
    attr->set_key("service.name");
    attr->mutable_value()->set_string_value(service);
    rs->set_schema_url("rs-url");
    for (const char* scope : {"s1", "s2"}) {
      auto* ss = rs->add_scope_spans();
      ss->mutable_scope()->set_name(scope);
      ss->set_schema_url("ss-url");
      for (int t = 0; t < 10; ++t) {
        auto* s = ss->add_spans();
        s->set_trace_id(trace_id(t));
        s->set_name("span" + std::to_string(span++));
      }
    }
  }
  return batch;
}

HashRing ring3() { return HashRing({"b1:4317", "b2:4317", "b3:4317"}); }

}  // namespace

TEST_CASE("route by traceID: every span once, at its trace's backend, under its own resource and scope",
          "[loadbalancing]") {
  const auto ring = ring3();
  auto parts = route(mixed_batch(), ring, RoutingKey::trace_id);
  REQUIRE(parts.size() > 1);  // ten traces over three backends
  std::set<std::string> seen;
  std::set<size_t> backends;
  for (auto& [b, part] : parts) {
    CHECK(backends.insert(b).second);  // one part per backend
    for (const auto& p : part.read_parts())
      for (const auto& rs : p.request->resource_spans()) {
        CHECK(rs.schema_url() == "rs-url");
        REQUIRE(rs.resource().attributes_size() == 1);
        const auto service = rs.resource().attributes(0).value().string_value();
        for (const auto& ss : rs.scope_spans()) {
          CHECK(ss.schema_url() == "ss-url");
          CHECK(ss.spans_size() > 0);
          for (const auto& s : ss.spans()) {
            CHECK(ring.find(s.trace_id()) == b);
            // the span sits under the resource and scope it came from: span names count up in that order
            const int n = std::stoi(s.name().substr(4));
            CHECK(service == (n < 20 ? "a" : "b"));
            CHECK(ss.scope().name() == ((n % 20) < 10 ? "s1" : "s2"));
            CHECK(seen.insert(s.name()).second);
          }
        }
      }
  }
  CHECK(seen.size() == 40);
}

TEST_CASE("route by service: each resource whole at its service's backend", "[loadbalancing]") {
  const auto ring = ring3();
  auto parts = route(mixed_batch(), ring, RoutingKey::service);
  size_t spans = 0;
  for (auto& [b, part] : parts)
    for (const auto& p : part.read_parts())
      for (const auto& rs : p.request->resource_spans()) {
        CHECK(ring.find(rs.resource().attributes(0).value().string_value()) == b);
        for (const auto& ss : rs.scope_spans()) spans += static_cast<size_t>(ss.spans_size());
      }
  CHECK(spans == 40);
}

TEST_CASE("route: a batch of one backend is handed on with its received bytes", "[loadbalancing]") {
  const auto ring = ring3();
  otlp_trace::ExportTraceServiceRequest req;
  auto* ss = req.add_resource_spans()->add_scope_spans();
  for (int i = 0; i < 3; ++i) ss->add_spans()->set_trace_id(trace_id(7));
  auto wire = req.SerializeAsString();
  auto parts = route(TraceBatch::adopt_wire(wire, 3), ring, RoutingKey::trace_id);
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].first == ring.find(trace_id(7)));
  REQUIRE(parts[0].second.raw_parts().size() == 1);
  REQUIRE(parts[0].second.raw_parts()[0].wire);
  CHECK(*parts[0].second.raw_parts()[0].wire == wire);
}

TEST_CASE("route logs by traceID: a record without a trace id goes by its service", "[loadbalancing]") {
  const auto ring = ring3();
  auto batch = LogBatch::make();
  auto* rl = batch.first().add_resource_logs();
  auto* attr = rl->mutable_resource()->add_attributes();
  attr->set_key("service.name");
  attr->mutable_value()->set_string_value("svc");
  auto* sl = rl->add_scope_logs();
  for (int t = 0; t < 20; ++t) sl->add_log_records()->set_trace_id(trace_id(t));
  sl->add_log_records();  // no trace id
  size_t records = 0;
  for (auto& [b, part] : route(std::move(batch), ring, RoutingKey::trace_id))
    for (const auto& p : part.read_parts())
      for (const auto& r : p.request->resource_logs())
        for (const auto& s : r.scope_logs())
          for (const auto& lr : s.log_records()) {
            ++records;
            CHECK(b == (lr.trace_id().empty() ? ring.find("svc") : ring.find(lr.trace_id())));
          }
  CHECK(records == 21);
}

namespace {

// The request each backend gets, decoded and merged into one message, by backend.
template <typename B>
std::map<size_t, typename B::RequestType> by_backend(std::vector<std::pair<size_t, B>> parts) {
  std::map<size_t, typename B::RequestType> out;
  for (auto& [b, part] : parts) {
    auto merged = part.merged();
    out[b].MergeFrom(*merged.read_parts().front().request);
  }
  return out;
}

template <typename B>
void check_wire_matches_decoded(const typename B::RequestType& req, RoutingKey key, const HashRing& ring) {
  auto decoded = B::make();
  decoded.first().CopyFrom(req);
  const auto bytes = req.SerializeAsString();
  // Received as two requests (the second a copy of the first), as a receiver's batches are after batching.
  auto wire = B::adopt_wire(bytes, B::kUnknownItems);
  wire.append(B::adopt_wire(bytes, B::kUnknownItems));
  decoded.append([&] {
    auto again = B::make();
    again.first().CopyFrom(req);
    return again;
  }());
  auto wire_parts = route(std::move(wire), ring, key);
  REQUIRE(wire_parts.size() > 1);
  size_t items = 0;
  for (const auto& [b, part] : wire_parts) {
    // Split on the wire: bytes, not messages, with their item count known.
    REQUIRE_FALSE(part.raw_parts().empty());
    for (const auto& p : part.raw_parts()) {
      CHECK(p.wire != nullptr);
      CHECK(p.request == nullptr);
      CHECK(p.items != B::kUnknownItems);
    }
    items += part.item_count();
  }
  auto from_wire = by_backend(std::move(wire_parts));
  auto from_decoded = by_backend(route(std::move(decoded), ring, key));
  REQUIRE(from_wire.size() == from_decoded.size());
  size_t decoded_items = 0;
  for (const auto& [b, msg] : from_decoded) {
    INFO("backend " << b);
    REQUIRE(from_wire.count(b) == 1);
    CHECK(from_wire[b].SerializeAsString() == msg.SerializeAsString());
    decoded_items += SignalTraits<typename B::RequestType>::count_items(msg);
  }
  CHECK(items == decoded_items);
}

}  // namespace

TEST_CASE("route on the wire: the same parts as the decoded route, without decoding", "[loadbalancing]") {
  const auto ring = ring3();
  const auto traces = mixed_batch();
  const auto& req = *traces.read_parts().front().request;
  SECTION("traces by traceID") { check_wire_matches_decoded<TraceBatch>(req, RoutingKey::trace_id, ring); }
  SECTION("traces by service") {
    // A third service, so that two backends at least get one.
    auto more = req;
    for (const char* service : {"c", "d", "e", "f"}) {
      auto* rs = more.add_resource_spans();
      rs->CopyFrom(req.resource_spans(0));
      rs->mutable_resource()->mutable_attributes(0)->mutable_value()->set_string_value(service);
    }
    check_wire_matches_decoded<TraceBatch>(more, RoutingKey::service, ring);
  }
  SECTION("logs by traceID, a record without one by its service") {
    otlp_logs::ExportLogsServiceRequest logs;
    auto* rl = logs.add_resource_logs();
    auto* attr = rl->mutable_resource()->add_attributes();
    attr->set_key("service.name");
    attr->mutable_value()->set_string_value("svc");
    rl->set_schema_url("u");
    auto* sl = rl->add_scope_logs();
    sl->mutable_scope()->set_name("scope");
    for (int t = 0; t < 20; ++t) {
      auto* r = sl->add_log_records();
      r->set_trace_id(trace_id(t));
      r->mutable_body()->set_string_value("record " + std::to_string(t));
    }
    sl->add_log_records()->set_severity_text("no trace id");
    check_wire_matches_decoded<LogBatch>(logs, RoutingKey::trace_id, ring);
  }
  SECTION("metrics by service") {
    otlp_metrics::ExportMetricsServiceRequest metrics;
    for (int s = 0; s < 8; ++s) {
      auto* rm = metrics.add_resource_metrics();
      auto* attr = rm->mutable_resource()->add_attributes();
      attr->set_key("service.name");
      attr->mutable_value()->set_string_value("svc" + std::to_string(s));
      auto* m = rm->add_scope_metrics()->add_metrics();
      m->set_name("m");
      m->mutable_gauge()->add_data_points()->set_as_int(s);
    }
    check_wire_matches_decoded<MetricBatch>(metrics, RoutingKey::service, ring);
  }
}

namespace {

// A length-delimited protobuf field (field numbers under 16 here).
std::string len_field(int number, const std::string& body) {
  std::string out(1, static_cast<char>(number << 3 | 2));
  for (size_t n = body.size(); n >= 0x80; n >>= 7) out.push_back(static_cast<char>((n & 0x7F) | 0x80));
  out.push_back(static_cast<char>(body.size() >> (7 * (out.size() - 1))));
  return out + body;
}

}  // namespace

TEST_CASE("route on the wire: a span whose trace id is not its first field is routed by it all the same",
          "[loadbalancing]") {
  const auto ring = ring3();
  std::string scope;
  for (int t = 0; t < 30; ++t)  // name (field 5) before trace_id (field 1), as no SDK writes it but protobuf allows
    scope += len_field(2, len_field(5, "late trace id") + len_field(1, trace_id(t)));
  const std::string request = len_field(1, len_field(2, scope));
  auto parts = route(TraceBatch::adopt_wire(request, 30), ring, RoutingKey::trace_id);
  REQUIRE(parts.size() > 1);
  size_t spans = 0;
  for (auto& [b, part] : parts)
    for (const auto& rs : part.read_parts().front().request->resource_spans())
      for (const auto& ss : rs.scope_spans())
        for (const auto& span : ss.spans()) {
          CHECK(span.name() == "late trace id");
          CHECK(b == ring.find(span.trace_id()));
          ++spans;
        }
  CHECK(spans == 30);
}

namespace {

// "<prefix><i>", built by append (GCC 12 warns falsely, -Wrestrict, on "lit" + std::to_string).
std::string numbered(std::string prefix, int64_t i) {
  prefix.append(std::to_string(i));
  return prefix;
}

void set_attr(google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>* kvs, const std::string& k,
              const std::string& v) {
  auto* kv = kvs->Add();
  kv->set_key(k);
  kv->mutable_value()->set_string_value(v);
}

// Resources r0..r5 (host.name, and service.name "svc" for all), each with metrics m0..m4 of 6 gauge points each
// (point attribute "pod" p0..p5).
MetricBatch metrics_batch() {
  auto batch = MetricBatch::make();
  for (int r = 0; r < 6; ++r) {
    auto* rm = batch.first().add_resource_metrics();
    set_attr(rm->mutable_resource()->mutable_attributes(), "service.name", "svc");
    set_attr(rm->mutable_resource()->mutable_attributes(), "host.name", numbered("r", r));
    auto* sm = rm->add_scope_metrics();
    sm->mutable_scope()->set_name("scope");
    for (int m = 0; m < 5; ++m) {
      auto* metric = sm->add_metrics();
      metric->set_name(numbered("m", m));
      metric->set_unit("1");
      for (int p = 0; p < 6; ++p) {
        auto* dp = metric->mutable_gauge()->add_data_points();
        dp->set_as_int(r * 100 + m * 10 + p);
        set_attr(dp->mutable_attributes(), "pod", numbered("p", p));
      }
    }
  }
  return batch;
}

// (backend, resource host, metric name, point value) of every point routed.
std::vector<std::tuple<size_t, std::string, std::string, int64_t>> points_of(
    std::vector<std::pair<size_t, MetricBatch>>& parts) {
  std::vector<std::tuple<size_t, std::string, std::string, int64_t>> out;
  for (auto& [b, part] : parts)
    for (const auto& p : part.read_parts())
      for (const auto& rm : p.request->resource_metrics())
        for (const auto& sm : rm.scope_metrics())
          for (const auto& m : sm.metrics()) {
            CHECK(m.unit() == "1");  // a split metric keeps its header
            for (const auto& dp : m.gauge().data_points())
              out.emplace_back(b, rm.resource().attributes(1).value().string_value(), m.name(), dp.as_int());
          }
  return out;
}

}  // namespace

TEST_CASE("route metrics by resource, metric name, stream and attributes: each point once, at its key's backend",
          "[loadbalancing]") {
  const auto ring = HashRing({"b1:4317", "b2:4317", "b3:4317", "b4:4317"});
  SECTION("resource: every point of a resource at one backend, the resources spread") {
    auto parts = route(metrics_batch(), ring, RoutingKey::resource);
    auto points = points_of(parts);
    REQUIRE(points.size() == 180);
    std::map<std::string, std::set<size_t>> where;
    for (const auto& [b, host, name, v] : points) where[host].insert(b);
    std::set<size_t> used;
    for (const auto& [host, bs] : where) {
      CHECK(bs.size() == 1);
      used.insert(*bs.begin());
    }
    CHECK(used.size() > 1);
  }
  SECTION("metric: every point of a metric name at one backend, whatever its resource") {
    auto parts = route(metrics_batch(), ring, RoutingKey::metric);
    auto points = points_of(parts);
    REQUIRE(points.size() == 180);
    std::map<std::string, std::set<size_t>> where;
    for (const auto& [b, host, name, v] : points) where[name].insert(b);
    for (const auto& [name, bs] : where) {
      CHECK(bs.size() == 1);
      CHECK(*bs.begin() == ring.find(name));
    }
  }
  SECTION("streamID: each stream at one backend, a metric's points split over backends, none lost") {
    auto parts = route(metrics_batch(), ring, RoutingKey::stream_id);
    auto points = points_of(parts);
    REQUIRE(points.size() == 180);
    std::set<int64_t> values;
    std::map<std::string, std::set<size_t>> metric_at;
    for (const auto& [b, host, name, v] : points) {
      CHECK(values.insert(v).second);
      metric_at[host + name].insert(b);
    }
    size_t split = 0;
    for (const auto& [m, bs] : metric_at) split += bs.size() > 1;
    CHECK(split > 0);  // six streams per metric over four backends
    // The same stream in another batch goes to the same backend.
    auto again = route(metrics_batch(), ring, RoutingKey::stream_id);
    CHECK(points_of(again) == points);
  }
  SECTION("attributes: the pod attribute of the point decides, the resource's host.name does not") {
    auto parts = route(metrics_batch(), ring, RoutingKey::attributes, {"pod"});
    auto points = points_of(parts);
    REQUIRE(points.size() == 180);
    for (const auto& [b, host, name, v] : points) CHECK(b == ring.find(numbered("pod=p", v % 10) + "|"));
  }
}

TEST_CASE("route spans and logs by attributes: resource, scope and item values and the pseudo attributes",
          "[loadbalancing]") {
  const auto ring = HashRing({"b1:4317", "b2:4317", "b3:4317"});
  auto batch = TraceBatch::make();
  auto* rs = batch.first().add_resource_spans();
  set_attr(rs->mutable_resource()->mutable_attributes(), "tenant", "acme");
  auto* ss = rs->add_scope_spans();
  for (int i = 0; i < 30; ++i) {
    auto* s = ss->add_spans();
    s->set_name(numbered("op", i % 7));
    s->set_kind(i % 2 ? opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER
                      : opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
    if (i % 3) set_attr(s->mutable_attributes(), "route", numbered("/r", i % 3));
  }
  auto parts = route(std::move(batch), ring, RoutingKey::attributes, {"tenant", "span.name", "route", "span.kind"});
  size_t spans = 0;
  for (auto& [b, part] : parts)
    for (const auto& p : part.read_parts())
      for (const auto& s : p.request->resource_spans(0).scope_spans(0).spans()) {
        ++spans;
        std::string route = s.attributes_size() ? s.attributes(0).value().string_value() : "";
        CHECK(b == ring.find("tenant=acme|span.name=" + s.name() + "|route=" + route +
                             numbered("|span.kind=", static_cast<int>(s.kind())) + "|"));
      }
  CHECK(spans == 30);

  auto logs = LogBatch::make();
  auto* sl = logs.first().add_resource_logs()->add_scope_logs();
  for (int i = 0; i < 20; ++i) {
    auto* l = sl->add_log_records();
    l->set_severity_number(static_cast<opentelemetry::proto::logs::v1::SeverityNumber>(1 + i % 4));
    l->mutable_body()->set_string_value(numbered("b", i % 5));
  }
  auto log_parts = route(std::move(logs), ring, RoutingKey::attributes, {"log.severity", "log.body"});
  size_t records = 0;
  for (auto& [b, part] : log_parts)
    for (const auto& p : part.read_parts())
      for (const auto& l : p.request->resource_logs(0).scope_logs(0).log_records()) {
        ++records;
        CHECK(b == ring.find(numbered("log.severity=", static_cast<int>(l.severity_number())) +
                             "|log.body=" + l.body().string_value() + "|"));
      }
  CHECK(records == 20);
}
