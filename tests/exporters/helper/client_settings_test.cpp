// The shared client transport: gRPC endpoint rules, the client tls/gRPC/HTTP keys every network exporter
// takes, keys that load with a warning or are refused, and the classification of gRPC statuses.
#include "exporters/helper/client_settings.h"

#include <catch2/catch.hpp>

#include <set>

#include "core/registry.h"
#include "exporters/helper/grpc_client.h"
#include "exporters/jaeger/config.h"
#include "exporters/otlp/config.h"
#include "exporters/otlphttp/config.h"
#include "exporters/tempo/config.h"
#include "google/rpc/status.pb.h"
#include "support/component_config.h"

using namespace otlpd;
using namespace otlpd::exporter_helper;
using namespace std::chrono_literals;

namespace {

ComponentConfigPtr parse(std::string_view type, const std::string& yaml) {
  return test::parse_component(Kind::exporter, type, yaml);
}

std::string error_of(std::string_view type, const std::string& yaml) {
  return test::component_error(Kind::exporter, type, yaml);
}

std::string target(std::string_view endpoint, int default_port = 0) {
  std::string error;
  auto t = grpc_target(endpoint, default_port, error);
  return error.empty() ? t : "error: " + error;
}

}  // namespace

TEST_CASE("gRPC endpoints follow the Collector's configgrpc rules", "[exporters][client]") {
  CHECK(target("backend:4317") == "backend:4317");
  CHECK(target("backend") == "backend");  // gRPC's own default port
  CHECK(target("backend", 14250) == "backend:14250");
  CHECK(target("[::1]", 14250) == "[::1]:14250");
  CHECK(target("[::1]:4317", 14250) == "[::1]:4317");
  CHECK(target("http://backend:4317/") == "backend:4317");
  CHECK(target("https://backend") == "backend");
  CHECK(target("dns://backend:4317") == "dns:///backend:4317");
  CHECK(target("dns:///backend:4317") == "dns:///backend:4317");
  CHECK(target("unix:/run/otlp.sock") == "unix:/run/otlp.sock");
  CHECK(target("unix:///run/otlp.sock") == "unix:///run/otlp.sock");
  CHECK(target("ipv4:10.0.0.1:4317,10.0.0.2:4317") == "ipv4:10.0.0.1:4317,10.0.0.2:4317");
  CHECK_THAT(target("http://backend:4317/v1/traces"), Catch::Contains("without a path"));
  CHECK_THAT(target("backend:http"), Catch::Contains("port 1-65535"));
  CHECK_THAT(target("backend:70000"), Catch::Contains("port 1-65535"));
  CHECK_THAT(target(""), Catch::StartsWith("error"));
}

TEST_CASE("the URL scheme of a gRPC endpoint chooses plaintext or TLS, for otlp, tempo and jaeger alike",
          "[exporters][client]") {
  for (std::string type : {"otlp", "jaeger", "tempo"}) {
    INFO(type);
    auto insecure = [&](const std::string& yaml) {
      auto c = parse(type, yaml);
      if (type == "otlp") return config_as<otlp_exporter::OtlpGrpcConfig>(*c).client.tls.insecure;
      if (type == "jaeger") return config_as<jaeger_exporter::JaegerConfig>(*c).client.tls.insecure;
      return config_as<tempo_exporter::TempoConfig>(*c).grpc.client.tls.insecure;
    };
    CHECK(insecure("endpoint: http://backend:4317\ntls: {insecure: false}"));
    CHECK_FALSE(insecure("endpoint: https://backend:4317\ntls: {insecure: true}"));
    CHECK_FALSE(insecure("endpoint: backend:4317"));
    CHECK(insecure("endpoint: backend:4317\ntls: {insecure: true}"));
    CHECK_THAT(error_of(type, "endpoint: backend:4317/x"), Catch::Contains("endpoint (line 1)"));
  }
}

TEST_CASE("client keys that cannot take effect load with a warning or are refused, naming the key",
          "[exporters][client]") {
  // Given keys of the Collector that otlpd's clients cannot honour
  CHECK(error_of("otlp", "endpoint: a:1\nread_buffer_size: 1024\nwrite_buffer_size: 1024") == "");
  CHECK(error_of("jaeger", "endpoint: a:1\nread_buffer_size: 1024") == "");
  CHECK(error_of("otlphttp", "endpoint: http://a\nmax_idle_conns: 10\nhttp2_ping_timeout: 1s") == "");
  CHECK(error_of("otlp", "endpoint: a:1\nsending_queue: {block_on_overflow: true}") == "");
  // auth names a client authenticator extension (found at start); the name is required.
  CHECK(error_of("otlp", "endpoint: a:1\nauth: {authenticator: basicauth/client}") == "");
  CHECK_THAT(error_of("otlphttp", "endpoint: http://a\nauth: {}"),
             Catch::Contains("auth") && Catch::Contains("authenticator"));
  CHECK_THAT(error_of("otlp", "endpoint: a:1\ncompression: zstd"),
             Catch::Contains("compression (line 2): value 'zstd' is not supported by otlpd"));
  CHECK_THAT(error_of("otlphttp", "endpoint: http://a\ncompression: snappy"),
             Catch::Contains("value 'snappy' is not supported by otlpd"));
  CHECK_THAT(error_of("otlphttp", "endpoint: http://a\ncompression: brotli"),
             Catch::Contains("valid values are: gzip, zlib, deflate, zstd, none"));
  CHECK_THAT(error_of("otlp", "endpoint: a:1\nheaders: {grpc-timeout: 1}"), Catch::Contains("reserved"));
  CHECK_THAT(error_of("otlp", "endpoint: a:1\nbalancer_name: random"),
             Catch::Contains("valid values are: pick_first, round_robin"));

  // HTTP connection keys that take effect
  auto h = parse("otlphttp", "endpoint: http://a\ndisable_keep_alives: true\nidle_conn_timeout: 30s");
  const auto& hc = config_as<otlphttp_exporter::OtlpHttpConfig>(*h).client;
  CHECK(hc.disable_keep_alives);
  CHECK(hc.idle_conn_timeout == std::optional<Duration>(30s));
  CHECK_THAT(error_of("otlphttp", "endpoint: http://a\nidle_conn_timeout: 0s"), Catch::Contains("positive"));
}

TEST_CASE("the client tls schema lists exactly the keys the tls parser reads or refuses", "[exporters][client]") {
  // Every described key is known to the parser: read, or refused with "not supported by otlpd"
  std::set<std::string> described;
  for (const auto& k : client_tls_schema().keys()) {
    described.insert(k.key);
    std::string value = k.key.ends_with("version") ? "\"1.3\"" : k.type == "bool" ? "true" : "x";
    if (k.key == "cipher_suites") value = "[TLS_AES_128_GCM_SHA256]";
    if (k.key == "cert_file" || k.key == "key_file") continue;  // checked together below
    INFO(k.key);
    std::string error;
    try {
      parse_client_tls(ConfigNode(YAML::Load(k.key + ": " + value), "tls"), TlsLibrary::openssl);
    } catch (const ConfigError& e) {
      error = e.what();
    }
    if (k.use == KeyUse::unsupported)
      CHECK_THAT(error, Catch::Contains("not supported by otlpd"));
    else if (k.key != "server_name_override")  // refused over HTTP, read over gRPC
      CHECK(error == "");
  }
  CHECK_NOTHROW(parse_client_tls(ConfigNode(YAML::Load("cert_file: c\nkey_file: k"), "tls"), TlsLibrary::grpc));
  CHECK_NOTHROW(parse_client_tls(ConfigNode(YAML::Load("server_name_override: x"), "tls"), TlsLibrary::grpc));
  // and a key the schema does not describe is unknown to the parser
  CHECK_THROWS_WITH(parse_client_tls(ConfigNode(YAML::Load("client_ca_file: x"), "tls"), TlsLibrary::openssl),
                    Catch::Contains("client_ca_file"));
  CHECK(described.count("client_ca_file") == 0);
}

TEST_CASE("gRPC statuses are classified as the OTLP specification says", "[exporters][client]") {
  using Kind = SendOutcome::Kind;
  CHECK(classify_grpc_status(grpc::Status::OK).kind == Kind::ok);
  for (auto code : {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED, grpc::StatusCode::ABORTED,
                    grpc::StatusCode::OUT_OF_RANGE, grpc::StatusCode::DATA_LOSS, grpc::StatusCode::CANCELLED})
    CHECK(classify_grpc_status(grpc::Status(code, "x")).kind == Kind::retryable);
  for (auto code :
       {grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::UNAUTHENTICATED, grpc::StatusCode::PERMISSION_DENIED,
        grpc::StatusCode::UNIMPLEMENTED, grpc::StatusCode::RESOURCE_EXHAUSTED})
    CHECK(classify_grpc_status(grpc::Status(code, "x")).kind == Kind::permanent);

  // RESOURCE_EXHAUSTED with a RetryInfo is throttling: retryable after the given delay
  google::rpc::Status details;
  google::rpc::RetryInfo info;
  info.mutable_retry_delay()->set_seconds(2);
  info.mutable_retry_delay()->set_nanos(500000000);
  details.add_details()->PackFrom(info);
  const auto throttled = classify_grpc_status(
      grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "slow down", details.SerializeAsString()));
  CHECK(throttled.kind == Kind::retryable);
  CHECK(throttled.retry_after == std::chrono::milliseconds(2500));
  CHECK_THAT(throttled.message, Catch::Contains("RESOURCE_EXHAUSTED") && Catch::Contains("slow down"));
}

TEST_CASE("describe prints the exporters' shared blocks and client keys", "[exporters][client]") {
  for (const char* type : {"otlp", "otlphttp", "jaeger", "tempo"}) {
    INFO(type);
    const auto* s = find_schema(Kind::exporter, type);
    REQUIRE(s);
    const auto text = describe(*s);
    for (const char* key : {"endpoint", "tls", "insecure_skip_verify", "min_version", "headers", "compression",
                            "timeout", "sending_queue", "num_consumers", "retry_on_failure", "max_elapsed_time"})
      CHECK_THAT(text, Catch::Contains(std::string(key) + "  "));
  }
  CHECK_THAT(describe(*find_schema(Kind::exporter, "otlp")),
             Catch::Contains("keepalive") && Catch::Contains("balancer_name"));
  CHECK_THAT(describe(*find_schema(Kind::exporter, "otlphttp")),
             Catch::Contains("traces_endpoint") && Catch::Contains("proxy_url") &&
                 Catch::Contains("timeout  duration (greater than 0)  default: 30s"));
  CHECK_THAT(describe(*find_schema(Kind::exporter, "jaeger")),
             Catch::Contains("compression  one of: gzip, none") && Catch::Contains("default: none"));
  CHECK_THAT(describe(*find_schema(Kind::exporter, "tempo")),
             Catch::Contains("protocol  one of: grpc, http") && Catch::Contains("basic_auth") &&
                 Catch::Contains("traces_endpoint") && Catch::Contains("keepalive"));
}
