// Configuration of the `otlphttp` (OTLP/HTTP) exporter, with the Collector's keys and defaults.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "config/schema.h"
#include "core/component_config.h"
#include "exporters/helper/client_settings.h"
#include "exporters/helper/settings.h"

namespace otlpd::otlphttp_exporter {

struct OtlpHttpConfig : ComponentConfig {
  OtlpHttpConfig() { settings.timeout = std::chrono::seconds(30); }

  exporter_helper::HttpClientSettings client;  // endpoint (base URL), tls, headers, compression (gzip), proxy_url
  exporter_helper::ExporterSettings settings;  // timeout (30s), sending_queue, retry_on_failure
  std::string traces_endpoint;                 // full URLs; empty: endpoint + /v1/traces, ... (set by the parse)
  std::string metrics_endpoint;
  std::string logs_endpoint;
  enum class Encoding { proto, json } encoding = Encoding::proto;
};

// The key table (for `otlpd components --describe otlphttp`) and the strict parse it drives; `tempo` embeds it.
const Schema<OtlpHttpConfig>& schema();
std::unique_ptr<OtlpHttpConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::otlphttp_exporter
