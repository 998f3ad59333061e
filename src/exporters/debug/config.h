// Configuration of the `debug` exporter, with the OpenTelemetry Collector's keys.
#pragma once

#include <memory>

#include "config/schema.h"
#include "core/component_config.h"
#include "exporters/debug/format.h"

namespace otlpd::debug_exporter {

struct DebugConfig : ComponentConfig {
  Verbosity verbosity = Verbosity::basic;
};

// The key table (for `otlpd components --describe debug`) and the strict parse it drives.
const Schema<DebugConfig>& schema();
std::unique_ptr<DebugConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::debug_exporter
