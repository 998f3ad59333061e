// The tempo exporter: tenant and basic auth reach the backend over gRPC and HTTP, as do the same headers
// configured on plain otlp / otlphttp exporters.
#include <catch2/catch.hpp>

#include "exporters/helper/client_settings.h"
#include "model/any_value.h"
#include "support/daemon.h"
#include "support/fake_otlp_grpc.h"
#include "support/fake_otlp_http.h"
#include "support/otlp_client.h"
#include "support/otlp_compare.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace std::chrono_literals;

TEST_CASE("base64 encodes as RFC 4648 says", "[exporters]") {
  using otlpd::base64_encode;
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foob") == "Zm9vYg==");
  CHECK(base64_encode("user:pa55") == "dXNlcjpwYTU1");
}

TEST_CASE("tempo sends the tenant and basic auth on every request over gRPC and HTTP, as do otlp + headers",
          "[exporters][integration]") {
  FakeOtlpGrpcServer grpc_backend;
  FakeOtlpHttpServer http_backend;
  // "user:pa55" in base64
  const std::string auth = "Basic dXNlcjpwYTU1";
  std::string cfg = R"(receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
exporters:
  tempo/grpc:
    endpoint: )" + grpc_backend.endpoint() +
                    R"(
    tls:
      insecure: true
    tenant: tenant-grpc
    basic_auth:
      username: user
      password: pa55
  tempo/http:
    protocol: http
    endpoint: )" + http_backend.url() +
                    R"(
    tenant: tenant-http
    compression: zstd
    basic_auth:
      username: user
      password: pa55
  otlp/headers:
    endpoint: )" + grpc_backend.endpoint() +
                    R"(
    tls:
      insecure: true
    headers:
      X-Scope-OrgID: tenant-otlp
      Authorization: ")" +
                    auth + R"("
  otlphttp/headers:
    endpoint: )" + http_backend.url() +
                    R"(
    headers:
      X-Scope-OrgID: tenant-otlphttp
      Authorization: ")" +
                    auth + R"("
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [tempo/grpc, tempo/http, otlp/headers, otlphttp/headers]
)";
  Daemon d(cfg);
  OtlpGrpcClient client(d.endpoint("otlp", "grpc"));
  std::vector<otlp_trace::ExportTraceServiceRequest> sent;
  for (int i = 0; i < 5; ++i) {
    sent.push_back(full_traces(20, static_cast<uint64_t>(i)));
    REQUIRE(client.send(sent.back()).ok());
  }
  // Each backend gets every request twice: once from tempo, once from the plain exporter.
  REQUIRE(wait_until([&] { return grpc_backend.spans() == 200 && http_backend.spans() == 200; }, 30s));

  std::map<std::string, int> grpc_tenants;
  for (const auto& md : grpc_backend.metadata()) {
    REQUIRE(md.count("x-scope-orgid") == 1);
    REQUIRE(md.count("authorization") == 1);
    CHECK(md.find("authorization")->second == auth);
    ++grpc_tenants[md.find("x-scope-orgid")->second];
  }
  CHECK(grpc_tenants == std::map<std::string, int>{{"tenant-grpc", 5}, {"tenant-otlp", 5}});

  std::map<std::string, int> http_tenants;
  for (const auto& r : http_backend.requests()) {
    REQUIRE(r.headers.count("x-scope-orgid") == 1);
    REQUIRE(r.headers.count("authorization") == 1);
    CHECK(r.headers.at("authorization") == auth);
    ++http_tenants[r.headers.at("x-scope-orgid")];
  }
  CHECK(http_tenants == std::map<std::string, int>{{"tenant-http", 5}, {"tenant-otlphttp", 5}});

  auto twice = sent;
  twice.insert(twice.end(), sent.begin(), sent.end());
  CHECK(compare_requests(twice, grpc_backend.traces()) == "");
  CHECK(compare_requests(twice, http_backend.traces()) == "");
}

TEST_CASE("tempo rejects unknown protocols and keys, naming the path", "[exporters]") {
  TempDir dir;
  auto path = dir.write("bad.yaml", R"(receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
exporters:
  tempo:
    endpoint: 127.0.0.1:4317
    protocol: thrift
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [tempo]
)");
  auto r = run_otlpd({"validate", "--config", path});
  CHECK(r.exit_code != 0);
  CHECK(r.out.find("exporters::tempo::protocol") != std::string::npos);
  CHECK(r.out.find("valid values are: grpc, http") != std::string::npos);
}
