// The real otlpd: OTLP/gRPC in → jaeger exporter → a fake Jaeger collector, with retry and refusal.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "exporters/jaeger/fake_jaeger_collector.h"
#include "exporters/jaeger/translate.h"
#include "support/daemon.h"
#include "support/otlp_client.h"

namespace otlpd::jaeger_exporter {
namespace {

std::string pipeline_config(const std::string& jaeger_endpoint) {
  return fmt::format(R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
exporters:
  jaeger:
    endpoint: {}
    tls:
      insecure: true
    timeout: 5s
    retry_on_failure:
      initial_interval: 20ms
      max_interval: 50ms
      max_elapsed_time: 20s
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger]
)",
                     jaeger_endpoint);
}

TEST_CASE("jaeger exporter: a trace sent to otlpd arrives at Jaeger translated", "[jaeger][integration]") {
  // Given otlpd with an OTLP receiver and a jaeger exporter pointing at a Jaeger collector
  test::FakeJaegerCollector collector;
  test::Daemon daemon(pipeline_config(collector.endpoint()));
  const auto request = test::full_traces(5, 11);

  // When a trace is exported to otlpd
  REQUIRE(test::export_traces(daemon.endpoint("otlp", "grpc"), request).ok());

  // Then the collector receives exactly the translated batch
  REQUIRE(test::wait_until([&] { return collector.span_count() >= 5; }));
  const auto got = collector.batches();
  REQUIRE(got.size() == 1);
  CHECK(got[0].SerializeAsString() == translate(request)[0].SerializeAsString());
}

TEST_CASE("jaeger exporter: UNAVAILABLE is retried until the spans arrive once", "[jaeger][integration]") {
  test::FakeJaegerCollector collector;
  collector.fail_next(3, grpc::Status(grpc::StatusCode::UNAVAILABLE, "starting up"));
  test::Daemon daemon(pipeline_config(collector.endpoint()));

  REQUIRE(test::export_traces(daemon.endpoint("otlp", "grpc"), test::full_traces(4, 12)).ok());

  REQUIRE(test::wait_until([&] { return collector.span_count() >= 4; }));
  CHECK(collector.calls() == 4);
  CHECK(collector.batches().size() == 1);
  CHECK(collector.span_count() == 4);
}

TEST_CASE("jaeger exporter: INVALID_ARGUMENT is not retried", "[jaeger][integration]") {
  test::FakeJaegerCollector collector;
  collector.fail_next(1, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad batch"));
  test::Daemon daemon(pipeline_config(collector.endpoint()));
  const std::string otlp = daemon.endpoint("otlp", "grpc");

  // The refused request is dropped; a later one is delivered, and no second attempt of the first ever comes.
  (void)test::export_traces(otlp, test::full_traces(2, 13));
  REQUIRE(test::wait_until([&] { return collector.calls() >= 1; }));
  REQUIRE(test::export_traces(otlp, test::full_traces(3, 14)).ok());
  REQUIRE(test::wait_until([&] { return collector.span_count() >= 3; }));
  CHECK(collector.calls() == 2);
  CHECK(collector.span_count() == 3);
  CHECK(collector.batches()[0].process().service_name() == "svc-2");  // seed 14
  CHECK(test::wait_until([&] { return daemon.log().find("bad batch") != std::string::npos; }, std::chrono::seconds(5)));
}

}  // namespace
}  // namespace otlpd::jaeger_exporter
