// Configuration of the `otlp` receiver: protocols.grpc and protocols.http, with the Collector's keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/node.h"
#include "core/component_config.h"
#include "core/tls.h"

namespace otlpd::otlp_receiver {

// Server-side TLS (`tls:` under a protocol): cert_file, key_file, client_ca_file, min/max_version,
// cipher_suites.
using TlsServerConfig = TlsSettings;

struct GrpcServerConfig {
  std::string endpoint = "localhost:4317";
  uint64_t max_recv_msg_size_mib = 4;
  uint32_t max_concurrent_streams = 0;  // 0: gRPC's default
  bool include_metadata = false;        // copy request metadata into the batch context
  std::optional<TlsServerConfig> tls;
  std::string authenticator;  // `auth.authenticator`: the id of the extension that checks every call; empty: none
};

struct CorsConfig {
  std::vector<std::string> allowed_origins;  // exact, "*", or with a wildcard ("https://*.example.com")
  std::vector<std::string> allowed_headers;  // beyond the always-allowed ones
  int max_age = 0;                           // seconds; 0: not sent
};

struct HttpServerConfig {
  std::string endpoint = "localhost:4318";
  std::string traces_url_path = "/v1/traces";
  std::string metrics_url_path = "/v1/metrics";
  std::string logs_url_path = "/v1/logs";
  ByteSize max_request_body_size{20 * 1024 * 1024};
  bool include_metadata = false;
  std::optional<CorsConfig> cors;
  std::optional<TlsServerConfig> tls;
  std::string authenticator;  // `auth.authenticator`; CORS preflight requests are not authenticated
  // Limits against slow or greedy clients. The timeouts are the Collector's keys; read_header_timeout
  // defaults to 10 s (the Collector's 1 min) so that a slowloris client holds a connection briefly.
  // max_connections is otlpd's: beyond it, the connection idle or reading its request the longest is closed
  // to make room.
  ByteSize max_header_size{64 * 1024};
  Duration read_header_timeout = std::chrono::seconds(10);
  Duration read_timeout = std::chrono::seconds(30);
  Duration idle_timeout = std::chrono::seconds(60);
  uint32_t max_connections = 1024;
};

struct OtlpReceiverConfig : ComponentConfig {
  std::optional<GrpcServerConfig> grpc;
  std::optional<HttpServerConfig> http;
};

// Parses `protocols:`; at least one protocol must be given.
std::unique_ptr<OtlpReceiverConfig> parse_otlp_receiver_config(const ConfigNode& node);

// "localhost:4317" → {"localhost", 4317}; ":4317" → {"0.0.0.0", 4317}. Fails with the node's path.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
HostPort parse_endpoint(const ConfigNode& where, const std::string& endpoint);

}  // namespace otlpd::otlp_receiver
