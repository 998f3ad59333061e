// The real daemon with a ratelimiter keyed by x-api-key on both protocols: a flooding client is throttled
// (gRPC RESOURCE_EXHAUSTED with RetryInfo, HTTP 429 with Retry-After) while a calm client is fully served, and
// CORS preflights are never limited.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "support/daemon.h"
#include "support/files.h"
#include "support/http_client.h"
#include "support/otlp_client.h"

namespace otlpd::test {

namespace tsvc = opentelemetry::proto::collector::trace::v1;

namespace {

grpc::Status send_traces(tsvc::TraceService::Stub& stub, const std::string& api_key) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ctx.AddMetadata("x-api-key", api_key);
  tsvc::ExportTraceServiceResponse resp;
  return stub.Export(&ctx, full_traces(2, 7), &resp);
}

}  // namespace

TEST_CASE("ratelimiter: a flooding client is throttled on both protocols, a calm one is fully served",
          "[ratelimit][integration]") {
  TempDir out;
  const std::string path = out.file("out.jsonl");
  // 1 request per second per key, 5 at once; calm sends 4 in all, the flood 40 per protocol.
  Daemon d(R"(
extensions:
  ratelimiter/per_key:
    rate: 1
    burst: 5
    metadata_keys: [x-api-key]
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
        middlewares: [{id: ratelimiter/per_key}]
      http:
        endpoint: 127.0.0.1:0
        cors: {allowed_origins: ["https://app.example"], allowed_headers: ["x-api-key"]}
        middlewares: [{id: ratelimiter/per_key}]
exporters:
  file:
    path: )" +
           path + R"(
service:
  extensions: [ratelimiter/per_key]
  pipelines:
    traces: {receivers: [otlp], exporters: [file]}
)");
  auto stub =
      tsvc::TraceService::NewStub(grpc::CreateChannel(d.endpoint("otlp", "grpc"), grpc::InsecureChannelCredentials()));
  const int http_port = d.port("otlp", "http");
  const std::string body = full_traces(2, 7).SerializeAsString();
  auto http_send = [&](const std::string& key) {
    return post("127.0.0.1", http_port, "/v1/traces", {{"Content-Type", "application/x-protobuf"}, {"x-api-key", key}},
                body);
  };

  int calm_ok = 0, flood_ok = 0, grpc_throttled = 0, http_throttled = 0;
  if (send_traces(*stub, "calm").ok()) ++calm_ok;
  for (int i = 0; i < 40; ++i) {
    auto st = send_traces(*stub, "flood");
    if (st.ok()) {
      ++flood_ok;
      continue;
    }
    REQUIRE(st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
    ++grpc_throttled;
    google::rpc::Status details;
    REQUIRE(details.ParseFromString(st.error_details()));
    REQUIRE(details.details_size() == 1);
    google::rpc::RetryInfo info;
    REQUIRE(details.details(0).UnpackTo(&info));
    const int64_t ms = info.retry_delay().seconds() * 1000 + info.retry_delay().nanos() / 1000000;
    CHECK(ms > 0);
    CHECK(ms <= 1000);
  }
  if (send_traces(*stub, "calm").ok()) ++calm_ok;
  if (http_send("calm").status == 200) ++calm_ok;
  for (int i = 0; i < 40; ++i) {
    auto r = http_send("flood");
    if (r.status == 200) {
      ++flood_ok;
      continue;
    }
    REQUIRE(r.status == 429);
    ++http_throttled;
    CHECK(r.header("Retry-After") == "1");
    google::rpc::Status st;
    REQUIRE(st.ParseFromString(r.body));
    CHECK(st.code() == 8);
  }
  // A browser's preflight is never limited, even for the throttled key.
  HttpRequestOptions options;
  options.method = "OPTIONS";
  auto preflight = http_request("127.0.0.1", http_port, "/v1/traces",
                                {{"Origin", "https://app.example"},
                                 {"Access-Control-Request-Method", "POST"},
                                 {"Access-Control-Request-Headers", "x-api-key, content-type"},
                                 {"x-api-key", "flood"}},
                                "", options);
  CHECK(preflight.status == 204);
  if (http_send("calm").status == 200) ++calm_ok;

  CHECK(calm_ok == 4);
  // 5 at once plus what refilled meanwhile (1 per second).
  CHECK(flood_ok >= 5);
  CHECK(flood_ok <= 25);
  CHECK(grpc_throttled > 0);
  CHECK(http_throttled > 0);
  CHECK(grpc_throttled + http_throttled + flood_ok == 80);
  // Only admitted requests reach the pipeline.
  REQUIRE(wait_until([&] { return lines_in(path) >= static_cast<size_t>(calm_ok + flood_ok); }));
  CHECK(d.stop() == 0);
  CHECK(lines_in(path) == static_cast<size_t>(calm_ok + flood_ok));
}

TEST_CASE("ratelimiter: a middleware id that is not a limiter is a start error naming it", "[ratelimit][integration]") {
  auto config = [](const std::string& id) {
    return R"(
extensions:
  health_check: {endpoint: 127.0.0.1:0}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
        middlewares: [{id: )" +
           id + R"(}]
exporters:
  debug: {}
service:
  extensions: [health_check]
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
)";
  };
  CHECK_THROWS_WITH(Daemon(config("health_check")),
                    Catch::Matchers::Contains("extension 'health_check' is not a limiter"));
  CHECK_THROWS_WITH(Daemon(config("ratelimiter")),
                    Catch::Matchers::Contains("extension 'ratelimiter' is not configured in service.extensions"));
}

}  // namespace otlpd::test

namespace otlpd::test {

TEST_CASE("ratelimiter strategies: wire bytes on HTTP (Content-Length and chunked), records on gRPC",
          "[ratelimit][integration]") {
  Daemon d(R"(
extensions:
  ratelimiter/bytes: {rate: 1, burst: 2000, strategy: bytes, metadata_keys: []}
  ratelimiter/records: {rate: 1, burst: 10, strategy: records, metadata_keys: []}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
        middlewares: [{id: ratelimiter/records}]
      http:
        endpoint: 127.0.0.1:0
        middlewares: [{id: ratelimiter/bytes}]
exporters:
  debug: {}
service:
  extensions: [ratelimiter/bytes, ratelimiter/records]
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
)");
  const std::string body = full_traces(2, 7).SerializeAsString();
  REQUIRE(body.size() < 2000);
  const int http_port = d.port("otlp", "http");
  const HttpHeaders proto{{"Content-Type", "application/x-protobuf"}};
  // Bytes: 2000 at once, 1 per second after: refused once the burst is spent, with a wait of about one
  // request's size in seconds.
  int accepted = 0;
  HttpResponse refused;
  for (int i = 0; i < 20 && refused.status == 0; ++i) {
    auto r = post("127.0.0.1", http_port, "/v1/traces", proto, body);
    if (r.status == 200)
      ++accepted;
    else
      refused = r;
  }
  CHECK(accepted == static_cast<int>(2000 / body.size()));
  REQUIRE(refused.status == 429);
  CHECK(std::stoi(refused.header("Retry-After")) >= 2);
  // A chunked body (no Content-Length) is counted once read, still before decompression.
  HttpRequestOptions chunked;
  chunked.chunked = true;
  CHECK(http_request("127.0.0.1", http_port, "/v1/traces", proto, body, chunked).status == 429);

  // Records: 2 spans a request, 10 at once.
  auto stub =
      tsvc::TraceService::NewStub(grpc::CreateChannel(d.endpoint("otlp", "grpc"), grpc::InsecureChannelCredentials()));
  int served = 0;
  grpc::Status last;
  for (int i = 0; i < 10 && last.ok(); ++i) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    tsvc::ExportTraceServiceResponse resp;
    last = stub->Export(&ctx, full_traces(2, 7), &resp);
    if (last.ok()) ++served;
  }
  CHECK(served >= 5);
  CHECK(served <= 7);  // a refill of a token a second
  CHECK(last.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(d.stop() == 0);
}

TEST_CASE("ratelimiter: a throttled request keeps its connection, its body read and dropped",
          "[ratelimit][integration]") {
  Daemon d(R"(
extensions:
  ratelimiter: {rate: 0.001, burst: 1, metadata_keys: []}
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
        max_request_body_size: 512KiB
        middlewares: [{id: ratelimiter}]
exporters:
  debug: {}
service:
  extensions: [ratelimiter]
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
)");
  const HttpHeaders proto{{"Content-Type", "application/x-protobuf"}};
  const std::string small = full_traces(2, 7).SerializeAsString();
  const std::string large(500 * 1024, 'x');  // read in pieces of at most 256 KiB
  HttpConnection c("127.0.0.1", d.port("otlp", "http"));
  CHECK(c.request("/v1/traces", proto, small).status == 200);
  // Throttled three times on the same connection: each body is read and dropped, the connection stays.
  auto r = c.request("/v1/traces", proto, small);
  CHECK(r.status == 429);
  CHECK(r.has_header("Retry-After"));
  CHECK(c.request("/v1/traces", proto, large).status == 429);
  CHECK(c.request("/v1/traces", proto, small).status == 429);
  CHECK_FALSE(c.closed_by_peer(std::chrono::milliseconds(200)));

  // A body over max_request_body_size is not read: refused from its header as too large, the connection closed.
  HttpConnection big("127.0.0.1", d.port("otlp", "http"));
  CHECK(big.request("/v1/traces", proto, std::string(600 * 1024, 'x')).status == 400);
  CHECK(big.closed_by_peer(std::chrono::seconds(5)));
  CHECK(d.stop() == 0);
}

}  // namespace otlpd::test
