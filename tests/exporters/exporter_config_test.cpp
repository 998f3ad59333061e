// Exporter configuration: the Collector's keys and defaults for otlp, otlphttp, tempo and the shared
// settings.
#include <catch2/catch.hpp>

#include "config/node.h"
#include "core/registry.h"
#include "exporters/otlp/config.h"
#include "exporters/otlphttp/config.h"
#include "support/component_config.h"

using namespace otlpd;
using namespace std::chrono_literals;

namespace {

ComponentConfigPtr parse(std::string_view type, const std::string& yaml) {
  return test::parse_component(Kind::exporter, type, yaml);
}

std::string error_of(std::string_view type, const std::string& yaml) {
  return test::component_error(Kind::exporter, type, yaml);
}

}  // namespace

TEST_CASE("otlp exporter defaults and endpoint schemes follow the Collector", "[exporters]") {
  auto c = parse("otlp", "endpoint: backend:4317");
  const auto& g = config_as<otlp_exporter::OtlpGrpcConfig>(*c);
  CHECK(g.client.target == "backend:4317");
  CHECK_FALSE(g.client.tls.insecure);  // TLS unless told otherwise
  CHECK(g.client.compression == ContentEncoding::gzip);
  CHECK(g.settings.timeout == 5s);
  CHECK(g.settings.queue.queue_size == 1000);
  CHECK(g.settings.queue.num_consumers == 10);
  CHECK(g.settings.retry.initial_interval == 5s);
  CHECK(g.settings.retry.max_interval == 30s);
  CHECK(g.settings.retry.max_elapsed_time == 300s);

  auto h = parse("otlp_grpc", "endpoint: http://backend:4317/");
  CHECK(config_as<otlp_exporter::OtlpGrpcConfig>(*h).client.tls.insecure);
  CHECK(config_as<otlp_exporter::OtlpGrpcConfig>(*h).client.target == "backend:4317");
  auto s = parse("otlp", "endpoint: https://backend:4317\ntls: {insecure: true}");
  CHECK_FALSE(config_as<otlp_exporter::OtlpGrpcConfig>(*s).client.tls.insecure);

  auto full = parse("otlp", R"(endpoint: backend:4317
compression: none
headers: {X-Scope-OrgID: acme}
keepalive: {time: 10s, timeout: 2s, permit_without_stream: true}
balancer_name: round_robin
timeout: 1s
sending_queue: {queue_size: 5, num_consumers: 2, sizer: items}
retry_on_failure: {enabled: true, initial_interval: 1s, max_interval: 2s, max_elapsed_time: 0, multiplier: 2}
)");
  const auto& f = config_as<otlp_exporter::OtlpGrpcConfig>(*full);
  CHECK(f.client.compression == ContentEncoding::identity);
  CHECK(f.client.headers.at("x-scope-orgid") == "acme");  // gRPC metadata names are lower-case
  CHECK(f.client.keepalive->time == 10s);
  CHECK(f.client.keepalive->permit_without_stream);
  CHECK(f.client.balancer_name == "round_robin");
  CHECK(f.settings.timeout == 1s);
  CHECK(f.settings.queue.sizer == exporter_helper::QueueSettings::Sizer::items);
  CHECK(f.settings.retry.max_elapsed_time == 0s);
}

TEST_CASE("exporter config errors name the path and the valid choices", "[exporters]") {
  CHECK(error_of("otlp", "tls: {insecure: true}").find("'endpoint' is required") != std::string::npos);
  CHECK(error_of("otlp", "endpoint: a:1\ncompression: lz4").find("exporters::otlp::compression") != std::string::npos);
  CHECK(error_of("otlp", "endpoint: a:1\nsending_queue: {sizer: pages}").find("valid values are: requests, items") !=
        std::string::npos);
  CHECK(error_of("otlp", "endpoint: a:1\nsending_queue: {sizer: bytes}").find("with storage") != std::string::npos);
  CHECK(error_of("otlp", "endpoint: a:1\nsending_queue: {enabled: false, storage: file_storage}")
            .find("storage needs the queue") != std::string::npos);
  CHECK(error_of("otlp", "endpoint: a:1\nsending_queue: {batch: {min_size: 10, max_size: 5}}")
            .find("max_size must be greater than or equal to min_size") != std::string::npos);
  CHECK(error_of("otlp", "endpoint: a:1\nsending_queue: {batch: {sizer: requests}}").find("items or bytes") !=
        std::string::npos);
  CHECK(error_of("otlp", "endpoint: a:1\nretry_on_failure: {randomization_factor: 2}").find("randomization_factor") !=
        std::string::npos);
  CHECK(error_of("otlp", "endpoint: a:1\nbogus: 1").find("bogus") != std::string::npos);
  CHECK(error_of("otlphttp", "endpoint: backend:4318").find("http:// or https://") != std::string::npos);
  CHECK(error_of("otlphttp", "endpoint: http://a\nencoding: xml").find("valid values are: proto, json") !=
        std::string::npos);
  CHECK(error_of("otlphttp", "endpoint: http://a\ntls: {cert_file: c.pem}").find("key_file") != std::string::npos);
}

TEST_CASE("otlphttp appends signal paths to endpoint, and per-signal endpoints override", "[exporters]") {
  auto c = parse("otlphttp", "endpoint: https://tempo:4318/\ntraces_endpoint: http://other/custom");
  const auto& h = config_as<otlphttp_exporter::OtlpHttpConfig>(*c);
  CHECK(h.traces_endpoint == "http://other/custom");
  CHECK(h.metrics_endpoint == "https://tempo:4318/v1/metrics");
  CHECK(h.logs_endpoint == "https://tempo:4318/v1/logs");
  CHECK(h.settings.timeout == 30s);
  CHECK(h.client.compression == ContentEncoding::gzip);
  CHECK(h.encoding == otlphttp_exporter::OtlpHttpConfig::Encoding::proto);
  auto z = parse("otlp_http", "endpoint: http://a\ncompression: zstd\nencoding: json\nproxy_url: http://proxy:3128");
  CHECK(config_as<otlphttp_exporter::OtlpHttpConfig>(*z).client.compression == ContentEncoding::zstd);
  CHECK(config_as<otlphttp_exporter::OtlpHttpConfig>(*z).client.proxy_url == "http://proxy:3128");
  auto zlib = parse("otlphttp", "endpoint: http://a\ncompression: zlib");
  CHECK(config_as<otlphttp_exporter::OtlpHttpConfig>(*zlib).client.compression == ContentEncoding::deflate);
}
