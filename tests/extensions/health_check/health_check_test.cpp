// health_check: 200 while the pipelines run, a JSON status body, 404 elsewhere; gone after shutdown.
#include <catch2/catch.hpp>

#include "support/daemon.h"
#include "support/http_client.h"

using namespace otlpd::test;
using Catch::Matchers::Contains;

TEST_CASE("health_check answers 200 with the Collector's status body while otlpd runs", "[health_check][integration]") {
  Daemon d(R"(
extensions:
  health_check:
    endpoint: 127.0.0.1:0
    path: /health/status
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
exporters:
  debug:
service:
  extensions: [health_check]
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
)");
  int port = d.port("health_check", "http");
  HttpRequestOptions get;
  get.method = "GET";
  auto ok = http_request("127.0.0.1", port, "/health/status", {}, "", get);
  CHECK(ok.status == 200);
  CHECK(ok.header("content-type") == "application/json");
  CHECK_THAT(ok.body, Contains(R"("status":"Server available")"));
  CHECK_THAT(ok.body, Contains(R"("upSince":")"));
  CHECK(http_request("127.0.0.1", port, "/elsewhere", {}, "", get).status == 404);
  CHECK(d.stop() == 0);
  CHECK_THROWS(http_request("127.0.0.1", port, "/health/status", {}, "", get));
}
