// Client authenticators on exporters (auth.authenticator): basicauth client_auth over OTLP/gRPC and bearertokenauth
// over OTLP/HTTP, against otlpd's own authenticated receiver; a token file re-read when it changes.
#include <catch2/catch.hpp>

#include "support/daemon.h"
#include "support/fake_otlp_grpc.h"
#include "support/http_client.h"
#include "support/otlp_client.h"
#include "support/self_metrics.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace std::chrono_literals;

namespace {

// The backend: gRPC needs Basic alice:secret, HTTP needs "Bearer n3w"; what passes goes to `sink`.
std::string backend_config(const std::string& sink) {
  return R"(
extensions:
  basicauth/server:
    htpasswd:
      inline: |
        alice:secret
  bearertokenauth/server:
    token: n3w
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
        auth: {authenticator: basicauth/server}
      http:
        endpoint: 127.0.0.1:0
        auth: {authenticator: bearertokenauth/server}
exporters:
  otlp:
    endpoint: )" +
         sink + R"(
    tls: {insecure: true}
service:
  extensions: [basicauth/server, bearertokenauth/server]
  telemetry:
    metrics: {address: "127.0.0.1:0"}
  pipelines:
    traces: {receivers: [otlp], exporters: [otlp]}
)";
}

// The front: every span to the backend twice, over gRPC with Basic credentials and over HTTP with the token file.
std::string front_config(const Daemon& backend, const std::string& password, const std::string& token_file) {
  return R"(
extensions:
  basicauth/client:
    client_auth:
      username: alice
      password: )" +
         password + R"(
  bearertokenauth/client:
    filename: )" +
         token_file + R"(
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:0"}
exporters:
  otlp:
    endpoint: )" +
         backend.endpoint("otlp", "grpc") + R"(
    tls: {insecure: true}
    auth: {authenticator: basicauth/client}
    sending_queue: {enabled: false}
    retry_on_failure: {enabled: false}
  otlphttp:
    endpoint: http://)" +
         backend.endpoint("otlp", "http") + R"(
    auth: {authenticator: bearertokenauth/client}
    sending_queue: {enabled: false}
    retry_on_failure: {enabled: false}
service:
  extensions: [basicauth/client, bearertokenauth/client]
  pipelines:
    traces: {receivers: [otlp], exporters: [otlp, otlphttp]}
)";
}

}  // namespace

TEST_CASE("exporters send basicauth and bearer credentials from client authenticators, a changed token file is read",
          "[auth][integration]") {
  FakeOtlpGrpcServer sink;
  Daemon backend(backend_config(sink.endpoint()));
  TempDir dir;
  const auto token_file = dir.write("token", "old\n");

  {
    Daemon front(front_config(backend, "secret", token_file));
    // gRPC with Basic alice:secret passes; HTTP with the old token is refused (and, without retries, dropped).
    CHECK(export_traces(front.endpoint("otlp", "grpc"), full_traces(3, 1)).ok() == false);
    REQUIRE(wait_until([&] { return sink.spans() == 3; }, 10s));
    CHECK(self_metric(backend, R"(otlpd_receiver_unauthenticated_requests_total{receiver="otlp",transport="http"})") >=
          1);

    // The file now holds the token the backend accepts: the next request carries it, without a restart.
    dir.write("token", "n3w\n");
    CHECK(export_traces(front.endpoint("otlp", "grpc"), full_traces(4, 2)).ok());
    REQUIRE(wait_until([&] { return sink.spans() == 3 + 8; }, 10s));
    CHECK(front.stop() == 0);
  }
  {
    // A wrong password: the backend refuses the gRPC export; nothing more reaches the sink that way.
    Daemon front(front_config(backend, "wrong", token_file));
    const double refused =
        self_metric(backend, R"(otlpd_receiver_unauthenticated_requests_total{receiver="otlp",transport="grpc"})");
    CHECK_FALSE(export_traces(front.endpoint("otlp", "grpc"), full_traces(2, 3)).ok());
    CHECK(self_metric(backend, R"(otlpd_receiver_unauthenticated_requests_total{receiver="otlp",transport="grpc"})") ==
          refused + 1);
    CHECK(front.stop() == 0);
  }
}

TEST_CASE("client authenticator config errors name the extension", "[auth]") {
  TempDir dir;
  auto both = run_otlpd({"validate", "--config", dir.write("both.yaml", R"(
extensions:
  basicauth:
    htpasswd: {inline: "a:b"}
    client_auth: {username: a, password: b}
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:0"}}}
exporters:
  debug:
service:
  extensions: [basicauth]
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
)")});
  CHECK(both.exit_code == 1);
  CHECK_THAT(both.out, Catch::Contains("either a server authenticator (htpasswd) or a client one (client_auth)"));

  // A server-only authenticator named by an exporter: refused at start, naming it.
  auto server_only = run_otlpd({"--config", dir.write("server_only.yaml", R"(
extensions:
  basicauth:
    htpasswd: {inline: "a:b"}
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:0"}}}
exporters:
  otlp:
    endpoint: 127.0.0.1:1
    auth: {authenticator: basicauth}
service:
  extensions: [basicauth]
  pipelines:
    traces: {receivers: [otlp], exporters: [otlp]}
)")});
  CHECK(server_only.exit_code != 0);
  CHECK_THAT(server_only.out, Catch::Contains("'basicauth' is not a client authenticator"));

  // An authenticator that is not among the service's extensions: `validate` says so.
  auto missing = run_otlpd({"validate", "--config", dir.write("missing.yaml", R"(
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:0"}}}
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:1
    auth: {authenticator: bearertokenauth/nowhere}
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [otlphttp]}
)")});
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.out, Catch::Contains("'bearertokenauth/nowhere' is not configured in service.extensions"));
  auto missing_rw = run_otlpd({"validate", "--config", dir.write("missing_rw.yaml", R"(
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:0"}}}
exporters:
  prometheusremotewrite:
    endpoint: http://127.0.0.1:1/api/v1/write
    auth: {authenticator: basicauth/nowhere}
service:
  pipelines:
    metrics: {receivers: [otlp], exporters: [prometheusremotewrite]}
)")});
  CHECK(missing_rw.exit_code == 1);
  CHECK_THAT(missing_rw.out, Catch::Contains("'basicauth/nowhere' is not configured in service.extensions"));
}
