// Self-telemetry: Prometheus exposition, and the /metrics endpoint of service.telemetry.metrics.address.
#include <catch2/catch.hpp>

#include "platform/telemetry.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/otlp_client.h"

using namespace otlpd;
using namespace otlpd::test;
using Catch::Matchers::Contains;

TEST_CASE("counters and gauges render in the Prometheus text format", "[telemetry]") {
  Telemetry t;
  t.counter("otelcol_test_sent_spans", {{"exporter", "otlp/a\"b"}}).add(5);
  t.counter("otelcol_test_sent_spans", {{"exporter", "otlp/c"}}).add(2);
  t.gauge("otelcol_test_queue_size", {{"exporter", "otlp/c"}}).set(-3);
  auto text = t.prometheus_text();
  CHECK_THAT(text, Contains("# TYPE otelcol_test_sent_spans_total counter\n"));
  CHECK_THAT(text, Contains("otelcol_test_sent_spans_total{exporter=\"otlp/a\\\"b\"} 5\n"));
  CHECK_THAT(text, Contains("otelcol_test_sent_spans_total{exporter=\"otlp/c\"} 2\n"));
  CHECK_THAT(text, Contains("# TYPE otelcol_test_queue_size gauge\notelcol_test_queue_size{exporter=\"otlp/c\"} -3\n"));
  // One TYPE line per family.
  CHECK(text.find("# TYPE otelcol_test_sent_spans_total") == text.rfind("# TYPE otelcol_test_sent_spans_total"));
  CHECK(t.counter_value("otelcol_test_sent_spans", {{"exporter", "otlp/c"}}) == 2);
}

TEST_CASE("histograms render cumulative buckets, sum and count, a bound's own value in its bucket", "[telemetry]") {
  Telemetry t;
  auto& h = t.histogram("otelcol_test_latency", {{"endpoint", "a:1"}}, {5, 10});
  for (double v : {1.0, 5.0, 7.5, 11.0}) h.record(v);
  t.histogram("otelcol_test_latency", {}, {1}).record(0.5);
  auto text = t.prometheus_text();
  CHECK_THAT(text, Contains("# TYPE otelcol_test_latency histogram\n"));
  CHECK_THAT(text, Contains("otelcol_test_latency_bucket{endpoint=\"a:1\",le=\"5\"} 2\n"
                            "otelcol_test_latency_bucket{endpoint=\"a:1\",le=\"10\"} 3\n"
                            "otelcol_test_latency_bucket{endpoint=\"a:1\",le=\"+Inf\"} 4\n"
                            "otelcol_test_latency_sum{endpoint=\"a:1\"} 24.5\n"
                            "otelcol_test_latency_count{endpoint=\"a:1\"} 4\n"));
  CHECK_THAT(text, Contains("otelcol_test_latency_bucket{le=\"1\"} 1\notelcol_test_latency_bucket{le=\"+Inf\"} 1\n"
                            "otelcol_test_latency_sum 0.5\notelcol_test_latency_count 1\n"));
  CHECK(text.find("# TYPE otelcol_test_latency ") == text.rfind("# TYPE otelcol_test_latency "));
  // A second look-up gets the same instrument, whatever bounds it asks for.
  CHECK(&t.histogram("otelcol_test_latency", {{"endpoint", "a:1"}}, {1, 2, 3}) == &h);
}

TEST_CASE("service.telemetry.metrics.address serves the Collector's counters at /metrics", "[telemetry][integration]") {
  Daemon d(R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
exporters:
  debug:
service:
  telemetry:
    metrics:
      address: 127.0.0.1:0
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
)");
  REQUIRE(export_traces(d.endpoint("otlp", "grpc"), full_traces(7, 1)).ok());
  int port = d.port("metrics", "http");
  HttpRequestOptions get;
  get.method = "GET";
  auto r = http_request("127.0.0.1", port, "/metrics", {}, "", get);
  CHECK(r.status == 200);
  CHECK_THAT(r.header("content-type"), Contains("text/plain"));
  CHECK_THAT(r.body, Contains("otelcol_receiver_accepted_spans_total{receiver=\"otlp\",transport=\"grpc\"} 7"));
  CHECK(http_request("127.0.0.1", port, "/other", {}, "", get).status == 404);
  CHECK(d.stop() == 0);
}
