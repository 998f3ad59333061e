// The loadbalancing exporter in the real daemon: traces sent interleaved over many requests arrive whole, each at
// exactly one of three backends, every backend with a share.
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "support/daemon.h"
#include "support/fake_otlp_grpc.h"
#include "support/http_client.h"
#include "support/otlp_client.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace std::chrono_literals;

namespace {

std::string lb_config(const std::vector<std::string>& backends) {
  std::string out = R"(
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:0"}
exporters:
  loadbalancing:
    protocol:
      otlp:
        tls: {insecure: true}
        compression: none
        retry_on_failure: {initial_interval: 100ms}
    resolver:
      static:
        hostnames: [)";
  for (size_t i = 0; i < backends.size(); ++i) out.append(i ? ", " : "").append(backends[i]);
  out += R"(]
service:
  telemetry:
    metrics: {address: "127.0.0.1:0"}
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [loadbalancing]
)";
  return out;
}

}  // namespace

TEST_CASE("loadbalancing: 300 traces sent interleaved arrive whole, each at one of 3 backends",
          "[integration][loadbalancing]") {
  constexpr int kTraces = 300, kSpansPerTrace = 4, kSpansPerRequest = 10;
  FakeOtlpGrpcServer backends[3];
  Daemon d(lb_config({backends[0].endpoint(), backends[1].endpoint(), backends[2].endpoint()}));

  // Trace ids at random; span k of every trace is sent before span k+1 of any, ten spans a request, so that a
  // request holds ten traces and a trace's spans travel in four requests far apart.
  std::mt19937_64 rng(7);
  std::vector<std::string> ids;
  for (int t = 0; t < kTraces; ++t) {
    std::string id(16, '\0');
    for (auto& c : id) c = static_cast<char>(rng());
    ids.push_back(id);
  }
  OtlpGrpcClient client(d.endpoint("otlp", "grpc"));
  otlp_trace::ExportTraceServiceRequest req;
  int sent = 0;
  for (int k = 0; k < kSpansPerTrace; ++k)
    for (int t = 0; t < kTraces; ++t) {
      if (req.resource_spans_size() == 0) {
        auto* attr = req.add_resource_spans()->mutable_resource()->add_attributes();
        attr->set_key("service.name");
        attr->mutable_value()->set_string_value("lb-test");
        req.mutable_resource_spans(0)->add_scope_spans()->mutable_scope()->set_name("scope");
      }
      auto* s = req.mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans();
      s->set_trace_id(ids[static_cast<size_t>(t)]);
      std::string span_id(8, '\0');
      span_id[0] = static_cast<char>(k);
      span_id[1] = static_cast<char>(t);
      span_id[2] = static_cast<char>(t >> 8);
      s->set_span_id(span_id);
      s->set_name("s");
      if (++sent % kSpansPerRequest == 0) {
        grpc::Status st = client.send(req);
        REQUIRE(st.ok());
        req.Clear();
      }
    }
  REQUIRE(req.resource_spans_size() == 0);

  const auto total = [&] { return backends[0].spans() + backends[1].spans() + backends[2].spans(); };
  REQUIRE(wait_until([&] { return total() >= static_cast<size_t>(kTraces * kSpansPerTrace); }, 20s));

  // trace id → backends that received a span of it; span ids seen (each exactly once)
  std::map<std::string, std::set<int>> where;
  std::map<std::string, int> spans_of;
  std::set<std::string> span_ids;
  int traces_at[3] = {0, 0, 0};
  for (int b = 0; b < 3; ++b)
    for (const auto& r : backends[b].traces())
      for (const auto& rs : r.resource_spans()) {
        CHECK(rs.resource().attributes(0).value().string_value() == "lb-test");
        for (const auto& ss : rs.scope_spans())
          for (const auto& s : ss.spans()) {
            where[s.trace_id()].insert(b);
            ++spans_of[s.trace_id()];
            CHECK(span_ids.insert(s.trace_id() + s.span_id()).second);
          }
      }
  CHECK(span_ids.size() == static_cast<size_t>(kTraces * kSpansPerTrace));
  REQUIRE(where.size() == static_cast<size_t>(kTraces));
  int split = 0;
  for (const auto& [id, at] : where) {
    split += at.size() != 1;
    CHECK(spans_of[id] == kSpansPerTrace);
    ++traces_at[*at.begin()];
  }
  CHECK(split == 0);
  WARN("traces per backend: " << traces_at[0] << ", " << traces_at[1] << ", " << traces_at[2]);
  for (int n : traces_at) CHECK(n > kTraces / 6);  // each backend a share (expected 100 of 300)

  // The Collector's self-metrics.
  auto m = http_request("127.0.0.1", d.port("metrics", "http"), "/metrics", {}, "", {.method = "GET"}).body;
  INFO(m);
  CHECK(m.find("otelcol_loadbalancer_num_backends{resolver=\"static\"} 3") != std::string::npos);
  CHECK(m.find("otelcol_loadbalancer_num_resolutions_total{resolver=\"static\",success=\"true\"} 1") !=
        std::string::npos);
  CHECK(m.find("otelcol_loadbalancer_backend_outcome_total{endpoint=\"" + backends[0].endpoint() +
               "\",success=\"true\"}") != std::string::npos);
  for (const auto& b : backends) {
    CHECK(m.find("otelcol_loadbalancer_backend_latency_bucket{endpoint=\"" + b.endpoint() + "\",le=\"5\"}") !=
          std::string::npos);
    CHECK(m.find("otelcol_loadbalancer_backend_latency_count{endpoint=\"" + b.endpoint() + "\"} 0") ==
          std::string::npos);  // every backend took parts
  }
  CHECK(d.stop() == 0);
}
