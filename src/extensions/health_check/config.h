// Configuration of the `health_check` extension, with the OpenTelemetry Collector's keys and defaults.
#pragma once

#include <memory>
#include <string>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::health_check {

struct HealthCheckConfig : ComponentConfig {
  NetEndpoint endpoint = NetEndpoint::tcp("localhost", 13133);
  std::string path = "/";  // always starts with '/'
};

// The key table (for `otlpd components --describe health_check`) and the strict parse it drives.
const Schema<HealthCheckConfig>& schema();
std::unique_ptr<HealthCheckConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::health_check
