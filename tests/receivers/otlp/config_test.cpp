// The otlp receiver's config schema: endpoints and transports, keepalive, the Collector's other keys.
#include "receivers/otlp/config.h"

#include <catch2/catch.hpp>

#include "core/registry.h"

using namespace otlpd;
using namespace otlpd::otlp_receiver;
using namespace std::chrono_literals;
using Catch::Contains;

namespace {

std::unique_ptr<OtlpReceiverConfig> parse(const std::string& yaml) {
  return parse_otlp_receiver_config(ConfigNode(YAML::Load(yaml), "receivers::otlp"));
}

std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("otlp receiver: defaults as the Collector's, and an empty protocol enables it", "[receiver][config]") {
  auto c = parse("protocols:\n  grpc:\n  http:\n");
  REQUIRE(c->grpc);
  REQUIRE(c->http);
  CHECK(c->grpc->endpoint == NetEndpoint::tcp("localhost", 4317));
  CHECK(c->http->endpoint == NetEndpoint::tcp("localhost", 4318));
  CHECK(c->grpc->max_recv_msg_size_mib == 4);
  CHECK(c->http->traces_url_path == "/v1/traces");
  CHECK_FALSE(c->grpc->keepalive);
  CHECK(parse("protocols:\n  http:\n    traces_url_path: t\n")->http->traces_url_path == "/t");
  CHECK_FALSE(parse("protocols:\n  http:\n")->grpc);
}

TEST_CASE("otlp receiver: endpoints are parsed once, with path and line on error", "[receiver][config]") {
  auto c = parse("protocols:\n  grpc:\n    endpoint: '[::1]:0'\n  http:\n    endpoint: ':4318'\n");
  CHECK(c->grpc->endpoint.host == "::1");
  CHECK(c->grpc->endpoint.port == 0);
  CHECK(c->http->endpoint.host.empty());
  CHECK(c->http->endpoint.bind_host() == "0.0.0.0");
  CHECK_THAT(
      error_of("protocols:\n  grpc:\n    endpoint: localhost\n"),
      Contains("receivers::otlp::protocols::grpc::endpoint (line 3)") && Contains("expected an endpoint host:port"));
  CHECK_THAT(error_of("protocols:\n  http:\n    endpoint: 'h:70000'\n"),
             Contains("protocols::http::endpoint (line 3)") && Contains("0 to 65535"));
}

TEST_CASE("otlp receiver: transport unix takes a socket path, unix:// implies it", "[receiver][config]") {
  auto c = parse("protocols:\n  grpc:\n    transport: unix\n    endpoint: /tmp/otlp.sock\n");
  CHECK(c->grpc->endpoint == NetEndpoint::unix_socket("/tmp/otlp.sock"));
  CHECK(c->grpc->transport == NetTransport::unix_socket);
  auto u = parse("protocols:\n  http:\n    endpoint: unix:///tmp/h.sock\n");
  CHECK(u->http->endpoint == NetEndpoint::unix_socket("/tmp/h.sock"));
  CHECK(u->http->transport == NetTransport::unix_socket);
  CHECK_THAT(error_of("protocols:\n  grpc:\n    transport: unix\n"),
             Contains("grpc::transport (line 3)") && Contains("needs 'endpoint' set to the socket path"));
  CHECK_THAT(error_of("protocols:\n  grpc:\n    transport: tcp\n    endpoint: unix:///tmp/s\n"),
             Contains("grpc::endpoint (line 4)") && Contains("transport is tcp"));
  CHECK_THAT(error_of("protocols:\n  grpc:\n    transport: udp\n"),
             Contains("grpc::transport (line 3)") && Contains("not supported by otlpd"));
  CHECK_THAT(error_of("protocols:\n  grpc:\n    transport: pigeon\n"),
             Contains("unknown value 'pigeon'; valid values are: tcp, unix"));
}

TEST_CASE("otlp receiver: grpc keepalive is read, its unknown keys refused", "[receiver][config]") {
  auto c = parse(R"(protocols:
  grpc:
    keepalive:
      server_parameters: {max_connection_idle: 11s, max_connection_age: 12s, max_connection_age_grace: 13s,
                          time: 14s, timeout: 15s}
      enforcement_policy: {min_time: 16s, permit_without_stream: true}
    read_buffer_size: 524288
    write_buffer_size: 0
    max_concurrent_streams: 7
)");
  REQUIRE(c->grpc->keepalive);
  const auto& k = *c->grpc->keepalive;
  REQUIRE(k.server_parameters);
  CHECK(k.server_parameters->max_connection_idle == 11s);
  CHECK(k.server_parameters->max_connection_age == 12s);
  CHECK(k.server_parameters->max_connection_age_grace == 13s);
  CHECK(k.server_parameters->time == 14s);
  CHECK(k.server_parameters->timeout == 15s);
  REQUIRE(k.enforcement_policy);
  CHECK(k.enforcement_policy->min_time == 16s);
  CHECK(k.enforcement_policy->permit_without_stream);
  CHECK(c->grpc->max_concurrent_streams == 7);
  CHECK_THAT(error_of("protocols:\n  grpc:\n    keepalive:\n      server_parameters: {tme: 1s}\n"),
             Contains("keepalive::server_parameters::tme (line 4)"));
  CHECK_THAT(error_of("protocols:\n  grpc:\n    keepalive:\n      enforcement_policy: {min_time: -1s}\n"),
             Contains("min_time") && Contains("at least"));
}

TEST_CASE("otlp receiver: http keys the Collector has are taken, refused or rejected with why", "[receiver][config]") {
  auto c = parse(
      "protocols:\n  http:\n    cors: {allowed_origins: ['*'], exposed_headers: [X-Trace], max_age: 5}\n"
      "    keep_alives_enabled: true\n    auth: {authenticator: basicauth}\n");
  REQUIRE(c->http->cors);
  CHECK(c->http->cors->exposed_headers == std::vector<std::string>{"X-Trace"});
  CHECK(c->http->authenticator == "basicauth");
  CHECK_THAT(error_of("protocols:\n  http:\n    write_timeout: 5s\n"),
             Contains("http::write_timeout (line 3)") && Contains("not supported by otlpd"));
  CHECK_THAT(error_of("protocols:\n  http:\n    keep_alives_enabled: false\n"),
             Contains("keep_alives_enabled (line 3)") && Contains("not supported by otlpd"));
  CHECK_THAT(error_of("protocols:\n  http:\n    max_connections: 0\n"), Contains("max_connections (line 3)"));
  CHECK_THAT(error_of("protocols:\n  grpc:\n    max_recv_msg_size_mib: 0\n"),
             Contains("max_recv_msg_size_mib (line 3)") && Contains("between 1 and 1024"));
  CHECK_THAT(error_of("protocols:\n  grpc:\n    auth: {authenticator: '/x'}\n"),
             Contains("auth::authenticator (line 3)") && Contains("not a valid extension id"));
}

TEST_CASE("otlp receiver: missing protocols keep their messages", "[receiver][config]") {
  CHECK_THAT(error_of("{}"), Contains("needs 'protocols' with 'grpc' and/or 'http'"));
  CHECK_THAT(error_of("protocols: {}\n"), Contains("must specify at least one protocol"));
  CHECK_THAT(error_of("protocols:\n  grpc:\n    endpont: x:1\n"), Contains("protocols::grpc::endpont (line 3)"));
}

TEST_CASE("otlp receiver: describe lists every key with its use", "[receiver][config]") {
  const auto* s = find_schema(Kind::receiver, "otlp");
  REQUIRE(s);
  const auto text = describe(*s);
  CHECK_THAT(text, Contains("max_connection_idle  duration"));
  CHECK_THAT(text, Contains("read_buffer_size  any") && Contains("ignored by otlpd"));
  CHECK_THAT(text,
             Contains("endpoint  endpoint host:port, or a socket path with transport unix  default: localhost:4317"));
}
