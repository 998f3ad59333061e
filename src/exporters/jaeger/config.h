// Configuration of the `jaeger` exporter: the Collector's (pre-v0.85) jaeger exporter keys.
#pragma once

#include <memory>

#include "config/schema.h"
#include "core/component_config.h"
#include "exporters/helper/client_settings.h"
#include "exporters/helper/settings.h"

namespace otlpd::jaeger_exporter {

// Jaeger collector's api_v2 gRPC port, used when the endpoint names none.
inline constexpr int kDefaultPort = 14250;

struct JaegerConfig : ComponentConfig {
  JaegerConfig() { client.compression = ContentEncoding::identity; }

  exporter_helper::GrpcClientSettings
      client;  // endpoint (port 14250 by default), tls, headers, compression (none), ...
  exporter_helper::ExporterSettings settings;  // timeout, sending_queue, retry_on_failure
};

// The key table (for `otlpd components --describe jaeger`) and the strict parse it drives; throws ConfigError
// naming the path and line.
const Schema<JaegerConfig>& schema();
std::unique_ptr<JaegerConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::jaeger_exporter
