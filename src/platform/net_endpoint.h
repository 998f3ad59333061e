// Listen addresses parsed once, when the config is read: a TCP host and port, or a unix socket path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace otlpd {

// The Collector's confignet transports that otlpd serves (`transport: tcp | unix`).
enum class NetTransport { tcp, unix_socket };

struct NetEndpoint {
  NetTransport transport = NetTransport::tcp;
  std::string host;   // tcp: a name or an IP address, IPv6 without brackets; empty: every interface
  uint16_t port = 0;  // tcp: 0 lets the system choose
  std::string path;   // unix: the socket file

  static NetEndpoint tcp(std::string host, uint16_t port) { return {NetTransport::tcp, std::move(host), port, {}}; }
  static NetEndpoint unix_socket(std::string path) { return {NetTransport::unix_socket, {}, 0, std::move(path)}; }

  bool is_unix() const { return transport == NetTransport::unix_socket; }
  // As a user writes it: "localhost:4317", "[::1]:4317", ":4317", "unix:///run/otlpd.sock".
  std::string str() const;
  // The host to bind: "0.0.0.0" for every interface (as the Collector's ":4317" does, over IPv4).
  std::string bind_host() const;
  // The host as logs show it: "0.0.0.0", "[::1]", "localhost".
  std::string display_host() const;
  // The address gRPC listens on: "0.0.0.0:4317", "[::1]:4317", "unix:/run/otlpd.sock".
  std::string grpc_address() const;

  friend bool operator==(const NetEndpoint&, const NetEndpoint&) = default;
};

// Parses "host:port": host a name, an IPv4 address, a bracketed IPv6 address or empty (every interface), port
// 0-65535. With `allow_unix`, "unix:///path" and "unix:/path" name a unix socket. On failure, `error` says why.
std::optional<NetEndpoint> parse_net_endpoint(std::string_view text, std::string& error, bool allow_unix = false);

// A unix socket endpoint for `path` (a "unix:" prefix, as gRPC writes it, is removed); empty path: an error.
std::optional<NetEndpoint> parse_unix_endpoint(std::string_view text, std::string& error);

}  // namespace otlpd
