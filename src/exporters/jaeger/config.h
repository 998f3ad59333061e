// Configuration of the `jaeger` exporter: the Collector's (pre-v0.85) jaeger exporter keys.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/node.h"
#include "core/component_config.h"
#include "exporters/helper/client_settings.h"
#include "exporters/helper/queued_exporter.h"

namespace otlpd::jaeger_exporter {

// Jaeger collector's api_v2 gRPC port, used when the endpoint names none.
inline constexpr int kDefaultPort = 14250;

// `keepalive:` pings on idle connections.
struct KeepaliveConfig {
  Duration time{0};     // ping after this much idleness; 0: gRPC's default
  Duration timeout{0};  // wait this long for the ping's answer; 0: gRPC's default
  bool permit_without_stream = false;
};

struct JaegerConfig : ComponentConfig {
  // "host:port" (port defaults to 14250), http:// (plaintext) or https:// (TLS) host:port, or a gRPC URI
  // ("dns:///h:p", "unix:/path").
  std::string endpoint;
  exporter_helper::ClientTlsSettings tls;      // TLS unless `insecure: true`, as in the Collector
  std::map<std::string, std::string> headers;  // sent as gRPC metadata on every call (names lower-cased)
  std::string compression;                     // "" (none) or "gzip"
  std::optional<KeepaliveConfig> keepalive;
  exporter_helper::ExporterSettings settings;  // timeout, sending_queue, retry_on_failure
};

// Reads and validates the exporter's YAML; throws ConfigError naming the path and line.
std::unique_ptr<JaegerConfig> parse_jaeger_config(const ConfigNode& node);

// The gRPC target for `endpoint`: without an http(s):// scheme, with the default port when none is given.
std::string grpc_target(const std::string& endpoint);

}  // namespace otlpd::jaeger_exporter
