// The loadbalancing exporter over real gRPC backends: a request split over three backends, one of which refuses
// for a while, is answered OK and that backend's part alone is retried.
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>

#include "core/registry.h"
#include "exporters/loadbalancing/config.h"
#include "exporters/loadbalancing/ring.h"
#include "platform/telemetry.h"
#include "support/component_config.h"
#include "support/daemon.h"
#include "support/fake_otlp_grpc.h"

using namespace otlpd;
using namespace otlpd::loadbalancing_exporter;
using namespace otlpd::test;
using namespace std::chrono_literals;

namespace {

class NoExtensions final : public Host {
 public:
  Extension* extension(const ComponentId&) const override { return nullptr; }
};

std::string trace_id(int t) {
  std::string id(16, 't');
  id[0] = static_cast<char>(t);
  return id;
}

}  // namespace

TEST_CASE("loadbalancing exporter: a backend's retryable refusal is retried for its part alone", "[loadbalancing]") {
  FakeOtlpGrpcServer backends[3];
  std::map<std::string, int> index;
  std::string hostnames;
  for (int i = 0; i < 3; ++i) {
    index[backends[i].endpoint()] = i;
    hostnames.append(i ? ", " : "").append(backends[i].endpoint());
  }
  auto cfg = parse_component(Kind::exporter, "loadbalancing",
                             "protocol: {otlp: {tls: {insecure: true}, compression: none, retry_on_failure: "
                             "{initial_interval: 50ms, max_interval: 100ms}}}\nresolver: {static: {hostnames: [" +
                                 hostnames + "]}}\n");
  const auto& lb = config_as<LoadBalancingConfig>(*cfg);
  HashRing ring(lb.static_resolver->hostnames);

  Telemetry telemetry;
  CreateSettings settings{ComponentId{"loadbalancing", "t"}, {}, &telemetry};
  const auto* f = static_cast<const ExporterFactory*>(Registry::instance().find(Kind::exporter, "loadbalancing"));
  auto exporter = f->create(settings, *cfg);
  NoExtensions host;
  exporter->start(host);
  CHECK(telemetry.gauge_value("otelcol_loadbalancer_num_backends", {{"resolver", "static"}}) == 3);

  // 30 traces of 2 spans in one request: every backend gets a part. The backend of trace 0 refuses twice.
  const int failing = index[ring.endpoints()[ring.find(trace_id(0))]];
  backends[failing].fail_requests(2, grpc::StatusCode::UNAVAILABLE);
  auto batch = TraceBatch::make();
  auto* ss = batch.first().add_resource_spans()->add_scope_spans();
  std::set<int> expected_at[3];
  for (int t = 0; t < 30; ++t)
    for (int k = 0; k < 2; ++k) {
      auto* s = ss->add_spans();
      s->set_trace_id(trace_id(t));
      s->set_span_id(std::string(8, static_cast<char>(k)));
      expected_at[index[ring.endpoints()[ring.find(trace_id(t))]]].insert(t);
    }
  for (const auto& e : expected_at) REQUIRE(!e.empty());
  REQUIRE(exporter->consumers().traces->consume(std::move(batch)).is_ok());

  REQUIRE(wait_until([&] { return backends[0].spans() + backends[1].spans() + backends[2].spans() == 60; }, 10s));
  for (int b = 0; b < 3; ++b) {
    INFO("backend " << b << (b == failing ? " (failing)" : ""));
    std::set<int> got;
    for (const auto& r : backends[b].traces())
      for (const auto& s : r.resource_spans(0).scope_spans(0).spans()) got.insert(s.trace_id()[0]);
    CHECK(got == expected_at[b]);
    CHECK(backends[b].traces().size() == 1);  // its part once: no duplicate from another backend's retry
    CHECK(backends[b].attempts() == (b == failing ? 3u : 1u));
    CHECK(telemetry.counter_value("otelcol_loadbalancer_backend_outcome",
                                  {{"endpoint", backends[b].endpoint()}, {"success", "true"}}) == 1);
  }
  exporter->shutdown(std::chrono::steady_clock::now() + 5s);
  CHECK(telemetry.gauge_value("otelcol_loadbalancer_num_backends", {{"resolver", "static"}}) == 0);
}

TEST_CASE("loadbalancing exporter: traceID cannot route metrics", "[loadbalancing]") {
  auto cfg = parse_component(Kind::exporter, "loadbalancing",
                             "routing_key: traceID\nprotocol: {otlp: {tls: {insecure: true}}}\n"
                             "resolver: {static: {hostnames: [127.0.0.1:1]}}\n");
  Telemetry telemetry;
  const auto* f = static_cast<const ExporterFactory*>(Registry::instance().find(Kind::exporter, "loadbalancing"));
  auto exporter = f->create(CreateSettings{ComponentId{"loadbalancing", "m"}, {}, &telemetry}, *cfg);
  NoExtensions host;
  exporter->start(host);
  auto batch = MetricBatch::make();
  batch.first().add_resource_metrics()->add_scope_metrics()->add_metrics()->set_name("m");
  const Status st = exporter->consumers().metrics->consume(std::move(batch));
  CHECK(st.is_permanent());
  CHECK_THAT(st.message(), Catch::Matchers::Contains("traceID cannot route metrics"));
  exporter->shutdown(std::chrono::steady_clock::now() + 1s);
}

TEST_CASE("loadbalancing exporter: destroyed without shutdown, it stops its backends first", "[loadbalancing]") {
  FakeOtlpGrpcServer backend;
  backend.fail_for(10min, grpc::StatusCode::UNAVAILABLE);  // its part waits in the backend's queue, retrying
  auto cfg = parse_component(Kind::exporter, "loadbalancing",
                             "protocol: {otlp: {tls: {insecure: true}, retry_on_failure: {initial_interval: 10ms}}}\n"
                             "resolver: {static: {hostnames: [" +
                                 backend.endpoint() + "]}}\n");
  Telemetry telemetry;
  const auto* f = static_cast<const ExporterFactory*>(Registry::instance().find(Kind::exporter, "loadbalancing"));
  auto exporter = f->create(CreateSettings{ComponentId{"loadbalancing", "destroyed"}, {}, &telemetry}, *cfg);
  NoExtensions host;
  exporter->start(host);
  auto batch = TraceBatch::make();
  batch.first().add_resource_spans()->add_scope_spans()->add_spans()->set_trace_id(trace_id(1));
  REQUIRE(exporter->consumers().traces->consume(std::move(batch)).is_ok());
  REQUIRE(wait_until([&] { return backend.attempts() > 0; }, 10s));
  exporter.reset();  // no shutdown: the backend's queue and its workers are stopped by the destructor
  CHECK(backend.spans() == 0);
}
