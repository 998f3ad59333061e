// TLS settings (the Collector's configtls keys): versions and cipher suites take effect on otlpd's own
// clients and servers, or are refused with the path, line and reason when the TLS library cannot honour them.
#include <catch2/catch.hpp>

#include "config/node.h"
#include "core/registry.h"
#include "core/tls.h"
#include "exporters/otlp/config.h"
#include "exporters/otlphttp/config.h"
#include "receivers/otlp/config.h"
#include "support/daemon.h"
#include "support/fake_otlp_grpc.h"
#include "support/otlp_client.h"
#include "support/test_certs.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace std::chrono_literals;

namespace {

ComponentConfigPtr parse(Kind kind, std::string_view type, const std::string& yaml) {
  const auto* f = Registry::instance().find(kind, type);
  REQUIRE(f);
  return f->parse(ConfigNode(YAML::Load(yaml), std::string(type)));
}

std::string error_of(Kind kind, std::string_view type, const std::string& yaml) {
  try {
    parse(kind, type, yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return {};
}

// A daemon receiving OTLP over `protocol` with TLS (`tls_extra` added under tls:) and forwarding to
// `backend`.
std::string receiver_config(const std::string& protocol, const CertFiles& certs, const std::string& tls_extra,
                            const std::string& backend) {
  return "receivers:\n  otlp:\n    protocols:\n      " + protocol +
         ":\n        endpoint: 127.0.0.1:0\n        tls:\n          cert_file: " + certs.cert +
         "\n          key_file: " + certs.key + "\n          " + tls_extra +
         "\nexporters:\n  otlp:\n    endpoint: " + backend +
         "\n    tls: {insecure: true}\nservice:\n  pipelines:\n    traces:\n      receivers: [otlp]\n"
         "      exporters: [otlp]\n";
}

// A daemon with an OTLP/gRPC receiver whose traces go to `target` over TLS (`tls_extra` added under tls:),
// with the otlp exporter for "grpc" and otlphttp for "http".
std::string exporter_config(const std::string& protocol, const std::string& target, const CertFiles& certs,
                            const std::string& tls_extra) {
  const std::string type = protocol == "grpc" ? "otlp" : "otlphttp";
  return "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\nexporters:\n  " + type +
         ":\n    endpoint: https://" + target + "\n    tls:\n      ca_file: " + certs.cert + "\n      " + tls_extra +
         "\n    retry_on_failure: {initial_interval: 100ms, max_interval: 500ms, max_elapsed_time: 0}\n"
         "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [" +
         type + "]\n";
}

}  // namespace

TEST_CASE("tls min_version and max_version are read for clients and servers, 1.2 is the default", "[exporters][tls]") {
  auto g = parse(Kind::exporter, "otlp", "endpoint: backend:4317\ntls: {min_version: \"1.3\"}");
  CHECK(config_as<otlp_exporter::OtlpGrpcConfig>(*g).client.tls.min_version == TlsVersion::v1_3);
  auto d = parse(Kind::exporter, "otlp", "endpoint: backend:4317");
  CHECK(config_as<otlp_exporter::OtlpGrpcConfig>(*d).client.tls.min_version == TlsVersion::v1_2);
  CHECK_FALSE(config_as<otlp_exporter::OtlpGrpcConfig>(*d).client.tls.max_version);

  auto h = parse(Kind::exporter, "otlphttp",
                 "endpoint: https://backend\ntls: {min_version: \"1.0\", max_version: \"1.2\", "
                 "cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]}");
  const auto& ht = config_as<otlphttp_exporter::OtlpHttpConfig>(*h).client.tls;
  CHECK(ht.min_version == TlsVersion::v1_0);
  CHECK(ht.max_version == TlsVersion::v1_2);
  auto lists = openssl_cipher_lists(ht.cipher_suites);
  CHECK(lists.tls12 == "ECDHE-RSA-AES128-GCM-SHA256");
  CHECK(lists.tls13 == "TLS_AES_128_GCM_SHA256");

  auto r = parse(Kind::receiver, "otlp",
                 "protocols:\n  http:\n    tls: {cert_file: c, key_file: k, min_version: \"1.3\"}\n");
  const auto& rc = config_as<otlp_receiver::OtlpReceiverConfig>(*r);
  REQUIRE(rc.http->tls);
  CHECK(rc.http->tls->min_version == TlsVersion::v1_3);
}

TEST_CASE("tls keys otlpd cannot honour are refused with path, line and reason", "[exporters][tls]") {
  auto asd = error_of(Kind::exporter, "otlp", "endpoint: backend:4317\ntls:\n  min_version: asd\n");
  CHECK_THAT(asd, Catch::Contains("otlp::tls::min_version (line 3)") &&
                      Catch::Contains("unknown value 'asd'; valid values are: 1.0, 1.1, 1.2, 1.3"));
  CHECK_THAT(error_of(Kind::exporter, "otlp", "endpoint: backend:4317\ntls:\n  cipher_suites: [X]\n"),
             Catch::Contains("not a cipher suite"));
  CHECK_THAT(error_of(Kind::exporter, "otlp",
                      "endpoint: backend:4317\ntls:\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n"),
             Catch::Contains("line 3") && Catch::Contains("cipher_suites is not supported by otlpd over gRPC"));
  CHECK_THAT(error_of(Kind::exporter, "otlp", "endpoint: backend:4317\ntls: {min_version: \"1.1\"}\n"),
             Catch::Contains("min_version 1.1 is not supported by otlpd over gRPC"));
  CHECK_THAT(error_of(Kind::exporter, "otlp",
                      "endpoint: backend:4317\ntls: {insecure_skip_verify: true, min_version: \"1.3\"}\n"),
             Catch::Contains("insecure_skip_verify is not supported by otlpd over gRPC"));
  CHECK_THAT(error_of(Kind::exporter, "otlphttp", "endpoint: https://b\ntls: {server_name_override: x}\n"),
             Catch::Contains("server_name_override is not supported by otlpd over HTTP"));
  CHECK_THAT(error_of(Kind::exporter, "otlphttp", "endpoint: https://b\ntls: {reload_interval: 1h}\n"),
             Catch::Contains("tls::reload_interval (line 2): not supported by otlpd: certificates are read once"));
  CHECK_THAT(error_of(Kind::exporter, "otlphttp", "endpoint: https://b\ntls: {ca_pem: x}\n"),
             Catch::Contains("tls::ca_pem (line 2): not supported by otlpd: give the PEM in a file (ca_file)"));
  CHECK_THAT(
      error_of(Kind::exporter, "otlphttp", "endpoint: https://b\ntls: {min_version: \"1.3\", max_version: \"1.2\"}\n"),
      Catch::Contains("max_version 1.2 is below min_version 1.3"));
  CHECK_THAT(error_of(Kind::receiver, "otlp",
                      "protocols:\n  grpc:\n    tls: {cert_file: c, key_file: k, min_version: \"1.0\"}\n"),
             Catch::Contains("min_version 1.0 is not supported by otlpd over gRPC"));
  CHECK(error_of(Kind::receiver, "otlp",
                 "protocols:\n  http:\n    tls: {cert_file: c, key_file: k, "
                 "min_version: \"1.0\", max_version: \"1.1\", cipher_suites: [TLS_AES_256_GCM_SHA384]}\n") == "");
}

TEST_CASE("otlpd validate accepts an otlp exporter with tls min_version 1.3", "[exporters][tls][integration]") {
  TempDir dir;
  auto file = dir.write("c.yaml", R"(receivers:
  otlp:
    protocols:
      grpc:
exporters:
  otlp:
    endpoint: backend:4317
    tls: {min_version: "1.3"}
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [otlp]
)");
  auto r = run_otlpd({"validate", "--config", file});
  INFO(r.out);
  CHECK(r.exit_code == 0);
}

TEST_CASE("TLS versions take effect between otlpd's exporters and its TLS receivers, over gRPC and HTTP",
          "[exporters][tls][integration]") {
  TempDir dir;
  auto certs = make_self_signed_cert(dir);
  for (std::string protocol : {"grpc", "http"}) {
    DYNAMIC_SECTION(protocol) {
      FakeOtlpGrpcServer only12_backend, only13_backend;
      Daemon only12(receiver_config(protocol, certs, "max_version: \"1.2\"", only12_backend.endpoint()));
      Daemon only13(receiver_config(protocol, certs, "min_version: \"1.3\"", only13_backend.endpoint()));
      auto target = [&](const Daemon& d) { return "127.0.0.1:" + std::to_string(d.port("otlp", protocol)); };

      // A client that asks for TLS 1.3 is delivered by a TLS 1.3 server ...
      Daemon wants13(exporter_config(protocol, target(only13), certs, "min_version: \"1.3\""));
      auto req = full_traces(3, 31);
      REQUIRE(OtlpGrpcClient(wants13.endpoint("otlp", "grpc")).send(req).ok());
      REQUIRE(wait_until([&] { return only13_backend.spans() >= 3; }, 30s));

      // ... but not by a server that stops at 1.2, nor does a 1.2-only client reach a 1.3-only server.
      Daemon wants13_to12(exporter_config(protocol, target(only12), certs, "min_version: \"1.3\""));
      Daemon only12_to13(exporter_config(protocol, target(only13), certs, "max_version: \"1.2\""));
      for (Daemon* d : {&wants13_to12, &only12_to13}) {
        REQUIRE(OtlpGrpcClient(d->endpoint("otlp", "grpc")).send(full_traces(2, 32)).ok());
        CHECK(wait_until([&] { return d->log().find("failed, will retry") != std::string::npos; }, 30s));
      }
      CHECK(only12_backend.spans() == 0);
      CHECK(only13_backend.spans() == 3);
    }
  }
}
