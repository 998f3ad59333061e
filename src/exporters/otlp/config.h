// Configuration of the `otlp` (OTLP/gRPC) exporter, with the Collector's keys and defaults.
#pragma once

#include <memory>

#include "config/schema.h"
#include "core/component_config.h"
#include "exporters/helper/client_settings.h"
#include "exporters/helper/settings.h"

namespace otlpd::otlp_exporter {

struct OtlpGrpcConfig : ComponentConfig {
  exporter_helper::GrpcClientSettings client;  // endpoint, tls, headers, compression (gzip), keepalive, ...
  exporter_helper::ExporterSettings settings;  // timeout (5s), sending_queue, retry_on_failure
};

// The key table (for `otlpd components --describe otlp`) and the strict parse it drives; `tempo` embeds it.
const Schema<OtlpGrpcConfig>& schema();
std::unique_ptr<OtlpGrpcConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::otlp_exporter
