// Listen addresses: parsed once into host and port or a socket path, one error style.
#include "platform/net_endpoint.h"

#include <catch2/catch.hpp>

using namespace otlpd;
using Catch::Contains;

namespace {

NetEndpoint parsed(const std::string& text, bool allow_unix = false) {
  std::string error;
  auto ep = parse_net_endpoint(text, error, allow_unix);
  INFO(error);
  REQUIRE(ep);
  return *ep;
}

std::string error_of(const std::string& text, bool allow_unix = false) {
  std::string error;
  auto ep = parse_net_endpoint(text, error, allow_unix);
  return ep ? "" : error;
}

}  // namespace

TEST_CASE("endpoints: host names, IPv4, bracketed IPv6 and an empty host for every interface", "[core][endpoint]") {
  auto name = parsed("localhost:4317");
  CHECK(name.host == "localhost");
  CHECK(name.port == 4317);
  CHECK(name.grpc_address() == "localhost:4317");
  CHECK(name.str() == "localhost:4317");

  auto any = parsed(":4318");
  CHECK(any.host.empty());
  CHECK(any.bind_host() == "0.0.0.0");
  CHECK(any.grpc_address() == "0.0.0.0:4318");

  auto v6 = parsed("[::1]:0");
  CHECK(v6.host == "::1");
  CHECK(v6.port == 0);
  CHECK(v6.grpc_address() == "[::1]:0");
  CHECK(v6.str() == "[::1]:0");

  CHECK(parsed("0.0.0.0:65535").port == 65535);
  CHECK(parsed("::1:4317").host == "::1");  // loaded before endpoints were typed: still loads
}

TEST_CASE("endpoints: a missing or bad port and a broken IPv6 address are refused", "[core][endpoint]") {
  CHECK_THAT(error_of("localhost"), Contains("expected an endpoint host:port, found 'localhost'"));
  CHECK_THAT(error_of("localhost:65536"), Contains("0 to 65535"));
  CHECK_THAT(error_of("localhost:"), Contains("0 to 65535"));
  CHECK_THAT(error_of("localhost:43x"), Contains("0 to 65535"));
  CHECK_THAT(error_of("[::1:4317"), Contains("closing ']'"));
  CHECK_THAT(error_of("http://localhost:4317"), Contains("not a host name"));
  CHECK_THAT(error_of("unix:///tmp/s"), Contains("expected an endpoint host:port"));
}

TEST_CASE("endpoints: unix sockets as unix:///path, unix:path or a bare path", "[core][endpoint]") {
  auto abs = parsed("unix:///run/otlpd.sock", true);
  CHECK(abs.is_unix());
  CHECK(abs.path == "/run/otlpd.sock");
  CHECK(abs.grpc_address() == "unix:/run/otlpd.sock");
  CHECK(abs.str() == "unix:///run/otlpd.sock");
  CHECK(parsed("unix:rel.sock", true).path == "rel.sock");
  std::string error;
  auto bare = parse_unix_endpoint("/tmp/a.sock", error);
  REQUIRE(bare);
  CHECK(bare->path == "/tmp/a.sock");
  CHECK_FALSE(parse_unix_endpoint("unix://", error));
  CHECK_THAT(error, Contains("expected a unix socket path"));
}
