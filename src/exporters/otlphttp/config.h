// Configuration of the `otlphttp` (OTLP/HTTP) exporter, with the Collector's keys and defaults.
#pragma once

#include <map>
#include <string>

#include "config/node.h"
#include "core/component_config.h"
#include "exporters/helper/client_settings.h"
#include "exporters/helper/queued_exporter.h"

namespace otlpd::otlphttp_exporter {

struct OtlpHttpConfig : ComponentConfig {
  OtlpHttpConfig() { settings.timeout = std::chrono::seconds(30); }

  exporter_helper::ExporterSettings settings;  // timeout defaults to 30s
  std::string endpoint;                        // base URL; /v1/traces, /v1/metrics, /v1/logs are appended
  std::string traces_endpoint;                 // full URLs that override endpoint per signal
  std::string metrics_endpoint;
  std::string logs_endpoint;
  enum class Encoding { proto, json } encoding = Encoding::proto;
  std::string compression = "gzip";  // gzip | zstd | none
  std::map<std::string, std::string> headers;
  exporter_helper::ClientTlsSettings tls;
  std::string proxy_url;  // empty: libcurl's HTTP_PROXY / HTTPS_PROXY / NO_PROXY environment variables apply
};

// Reads the exporter's keys from `r` (without finish(), so that wrappers such as `tempo` can read keys of
// their own), then call finish_otlp_http_config() after r.finish().
void read_otlp_http_config(MapReader& r, OtlpHttpConfig& cfg);
// Derives the per-signal URLs and validates; fails naming `node`.
void finish_otlp_http_config(const ConfigNode& node, OtlpHttpConfig& cfg);

// One sender per signal sharing a pool of libcurl handles.
exporter_helper::Senders make_otlp_http_senders(const OtlpHttpConfig& cfg);

}  // namespace otlpd::otlphttp_exporter
