// Configuration of the `otlp` receiver: protocols.grpc and protocols.http, with the Collector's keys.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/schema.h"
#include "core/component_config.h"
#include "core/tls.h"
#include "platform/net_endpoint.h"

namespace otlpd::otlp_receiver {

// Server-side TLS (`tls:` under a protocol): cert_file, key_file, client_ca_file, min/max_version,
// cipher_suites.
using TlsServerConfig = TlsSettings;

// `keepalive.server_parameters` (gRPC's keepalive.ServerParameters): zero leaves gRPC's default.
struct KeepaliveServerParameters {
  Duration max_connection_idle{};       // close a connection without calls after this long; 0: never
  Duration max_connection_age{};        // close any connection after this long; 0: never
  Duration max_connection_age_grace{};  // calls may finish this long after max_connection_age; 0: no bound
  Duration time{};                      // ping a quiet client after this long; 0: gRPC's 2 h
  Duration timeout{};                   // close when the ping is not answered within this; 0: gRPC's 20 s
};

// `keepalive.enforcement_policy` (gRPC's keepalive.EnforcementPolicy): how often clients may ping.
struct KeepaliveEnforcementPolicy {
  Duration min_time{};                 // pings closer than this are strikes; 0: gRPC's 5 min
  bool permit_without_stream = false;  // allow pings while no call is open
};

struct KeepaliveServerConfig {
  std::optional<KeepaliveServerParameters> server_parameters;
  std::optional<KeepaliveEnforcementPolicy> enforcement_policy;
};

struct GrpcServerConfig {
  NetTransport transport = NetTransport::tcp;
  NetEndpoint endpoint = NetEndpoint::tcp("localhost", 4317);
  uint64_t max_recv_msg_size_mib = 4;
  uint32_t max_concurrent_streams = 0;  // 0: gRPC's default
  std::optional<KeepaliveServerConfig> keepalive;
  bool include_metadata = false;  // copy request metadata into the batch context
  std::optional<TlsServerConfig> tls;
  std::string authenticator;  // `auth.authenticator`: the id of the extension that checks every call; empty: none
  std::vector<std::string> limiters;  // `middlewares[].id`: limiter extensions, consulted in order after auth
};

struct CorsConfig {
  std::vector<std::string> allowed_origins;  // exact, "*", or with a wildcard ("https://*.example.com")
  std::vector<std::string> allowed_headers;  // beyond the always-allowed ones
  std::vector<std::string> exposed_headers;  // response headers a browser script may read
  int max_age = 0;                           // seconds; 0: not sent
};

struct HttpServerConfig {
  NetTransport transport = NetTransport::tcp;
  NetEndpoint endpoint = NetEndpoint::tcp("localhost", 4318);
  std::string traces_url_path = "/v1/traces";
  std::string metrics_url_path = "/v1/metrics";
  std::string logs_url_path = "/v1/logs";
  ByteSize max_request_body_size{20 * 1024 * 1024};
  bool include_metadata = false;
  std::optional<CorsConfig> cors;
  std::optional<TlsServerConfig> tls;
  std::string authenticator;          // `auth.authenticator`; CORS preflight requests are not authenticated
  std::vector<std::string> limiters;  // `middlewares[].id`; CORS preflight requests are not limited
  // Limits against slow or greedy clients. The timeouts are the Collector's keys; read_header_timeout
  // defaults to 10 s (the Collector's 1 min) so that a slowloris client holds a connection briefly.
  // max_connections is otlpd's: beyond it, the connection idle or reading its request the longest is closed
  // to make room.
  ByteSize max_header_size{64 * 1024};
  Duration read_header_timeout = std::chrono::seconds(10);
  Duration read_timeout = std::chrono::seconds(30);
  Duration idle_timeout = std::chrono::seconds(60);
  uint32_t max_connections = 1024;
  bool keep_alives_enabled = true;  // only true: connections are always kept alive between requests
};

struct OtlpReceiverConfig : ComponentConfig {
  std::optional<GrpcServerConfig> grpc;
  std::optional<HttpServerConfig> http;
};

// The key table (for `otlpd components --describe otlp`) and the strict parse it drives; at least one
// protocol must be given.
const Schema<OtlpReceiverConfig>& schema();
std::unique_ptr<OtlpReceiverConfig> parse_otlp_receiver_config(const ConfigNode& node);

}  // namespace otlpd::otlp_receiver
