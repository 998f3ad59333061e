// Configuration of the `jaeger` exporter: the Collector's (pre-v0.85) jaeger exporter keys.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/node.h"
#include "core/component.h"
#include "exporters/helper/queued_exporter.h"

namespace otlpd::jaeger_exporter {

// Jaeger collector's api_v2 gRPC port, used when the endpoint names none.
inline constexpr int kDefaultPort = 14250;

// Client-side TLS (`tls:`). TLS is on unless `insecure: true`, as in the Collector.
struct TlsClientConfig {
  bool insecure = false;              // plaintext gRPC
  std::string ca_file;                // roots to verify the server with; empty: the system's
  std::string cert_file;              // client certificate (mutual TLS), with key_file
  std::string key_file;
  bool insecure_skip_verify = false;  // do not verify the server's certificate
  std::string server_name_override;   // name to verify the certificate against (and SNI)
};

// `keepalive:` pings on idle connections.
struct KeepaliveConfig {
  Duration time{0};     // ping after this much idleness; 0: gRPC's default
  Duration timeout{0};  // wait this long for the ping's answer; 0: gRPC's default
  bool permit_without_stream = false;
};

struct JaegerConfig : ComponentConfig {
  std::string endpoint;  // gRPC target: "host:port" (port defaults to 14250) or a gRPC URI ("dns:///h:p")
  TlsClientConfig tls;
  std::map<std::string, std::string> headers;  // sent as gRPC metadata on every call (names lower-cased)
  std::string compression;                     // "" (none) or "gzip"
  std::optional<KeepaliveConfig> keepalive;
  exporter_helper::ExporterSettings settings;  // timeout, sending_queue, retry_on_failure
};

// Reads and validates the exporter's YAML; throws ConfigError naming the path and line.
std::unique_ptr<JaegerConfig> parse_jaeger_config(const ConfigNode& node);

// The gRPC target for `endpoint`: appends the default port when none is given.
std::string grpc_target(const std::string& endpoint);

}  // namespace otlpd::jaeger_exporter
