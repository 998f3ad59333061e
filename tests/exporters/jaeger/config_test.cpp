// The jaeger exporter's YAML: the Collector's keys, defaults and errors that name the path and line.
#include "exporters/jaeger/config.h"

#include <catch2/catch.hpp>

namespace otlpd::jaeger_exporter {
namespace {

std::unique_ptr<JaegerConfig> parse(const std::string& yaml) {
  return parse_config(ConfigNode(YAML::Load(yaml), "exporters::jaeger"));
}

TEST_CASE("jaeger config: every Collector key is read", "[jaeger]") {
  const auto cfg = parse(R"(
endpoint: jaeger:14250
tls:
  insecure: false
  ca_file: /ca.pem
  cert_file: /cert.pem
  key_file: /key.pem
  insecure_skip_verify: true
  server_name_override: jaeger.local
headers:
  X-Tenant: acme
compression: gzip
timeout: 7s
keepalive:
  time: 30s
  timeout: 5s
  permit_without_stream: true
sending_queue:
  num_consumers: 3
retry_on_failure:
  enabled: false
)");
  CHECK(cfg->client.endpoint == "jaeger:14250");
  CHECK_FALSE(cfg->client.tls.insecure);
  CHECK(cfg->client.tls.ca_file == "/ca.pem");
  CHECK(cfg->client.tls.cert_file == "/cert.pem");
  CHECK(cfg->client.tls.key_file == "/key.pem");
  CHECK(cfg->client.tls.insecure_skip_verify);
  CHECK(cfg->client.tls.server_name_override == "jaeger.local");
  CHECK(cfg->client.headers.at("x-tenant") == "acme");
  CHECK(cfg->client.compression == ContentEncoding::gzip);
  CHECK(cfg->settings.timeout == std::chrono::seconds(7));
  REQUIRE(cfg->client.keepalive);
  CHECK(cfg->client.keepalive->time == std::chrono::seconds(30));
  CHECK(cfg->client.keepalive->timeout == std::chrono::seconds(5));
  CHECK(cfg->client.keepalive->permit_without_stream);
  CHECK(cfg->settings.queue.num_consumers == 3);
  CHECK_FALSE(cfg->settings.retry.enabled);
}

TEST_CASE("jaeger config: defaults as in the Collector", "[jaeger]") {
  const auto cfg = parse("endpoint: jaeger");
  CHECK_FALSE(cfg->client.tls.insecure);  // TLS unless insecure: true
  CHECK(cfg->client.compression == ContentEncoding::identity);
  CHECK_FALSE(cfg->client.keepalive);
  CHECK(cfg->settings.queue.enabled);
  CHECK(cfg->settings.retry.enabled);
  CHECK(cfg->client.target == "jaeger:14250");
  CHECK(parse("endpoint: \"[::1]\"")->client.target == "[::1]:14250");
  CHECK(parse("endpoint: \"[::1]:1234\"")->client.target == "[::1]:1234");
  CHECK(parse("endpoint: dns:///jaeger:14250")->client.target == "dns:///jaeger:14250");
  CHECK(parse("endpoint: http://jaeger/")->client.target == "jaeger:14250");
  CHECK(parse("endpoint: https://jaeger:443")->client.target == "jaeger:443");
  CHECK(parse("endpoint: http://jaeger:14250")->client.tls.insecure);
  CHECK_FALSE(parse("endpoint: https://jaeger:14250\ntls: {insecure: true}")->client.tls.insecure);
}

TEST_CASE("jaeger config: mistakes are errors naming the path and line", "[jaeger]") {
  CHECK_THROWS_WITH(parse("tls: {insecure: true}"), Catch::Contains("endpoint"));
  CHECK_THROWS_WITH(parse("endpoint: a:b:c:99999"), Catch::Contains("exporters::jaeger::endpoint"));
  CHECK_THROWS_WITH(parse("endpoint: http://jaeger:14250/api/v2"), Catch::Contains("without a path"));
  CHECK_THROWS_WITH(parse("endpoint: x:1\ncompression: zstd"),
                    Catch::Contains("compression") && Catch::Contains("gzip") && Catch::Contains("line 2"));
  CHECK_THROWS_WITH(parse("endpoint: x:1\ntls: {cert_file: /c.pem}"), Catch::Contains("key_file"));
  CHECK_THROWS_WITH(parse("endpoint: x:1\ntls: {insecur: true}"), Catch::Contains("insecure"));
  CHECK_THROWS_WITH(parse("endpoint: x:1\nunknown_key: 1"), Catch::Contains("unknown_key"));
  CHECK_THROWS_WITH(parse("endpoint: x:1\nheaders: {grpc-timeout: 1}"), Catch::Contains("grpc-timeout"));
  CHECK_THROWS_WITH(parse("endpoint: x:1\nkeepalive: {time: -1s}"), Catch::Contains("keepalive"));
}

}  // namespace
}  // namespace otlpd::jaeger_exporter
