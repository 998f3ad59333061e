// Configuration of the `prometheus` exporter (a scrape endpoint), with the OpenTelemetry Collector's keys.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/schema.h"
#include "core/component_config.h"
#include "core/tls.h"

namespace otlpd::prometheus_exporter {

struct PrometheusConfig : ComponentConfig {
  NetEndpoint endpoint = NetEndpoint::tcp("0.0.0.0", 8889);
  std::string namespace_;
  std::map<std::string, std::string> const_labels;
  bool send_timestamps = false;
  Duration metric_expiration = std::chrono::minutes(5);
  bool resource_to_telemetry_conversion = false;  // resource_to_telemetry_conversion.enabled
  bool add_metric_suffixes = true;
  // OpenMetrics text to scrapers that ask for it (Accept), with _created samples and exemplars.
  bool enable_open_metrics = false;
  std::optional<TlsSettings> tls;  // serve HTTPS
};

const Schema<PrometheusConfig>& schema();

}  // namespace otlpd::prometheus_exporter
