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
