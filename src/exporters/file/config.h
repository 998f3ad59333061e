// Configuration of the `file` exporter, with the OpenTelemetry Collector's keys.
#pragma once

#include <memory>
#include <string>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::file_exporter {

struct FileConfig : ComponentConfig {
  enum class Format { json };
  std::string path;
  bool append = false;  // keep what the file holds instead of truncating it at start
  Format format = Format::json;
};

// The key table (for `otlpd components --describe file`) and the strict parse it drives.
const Schema<FileConfig>& schema();
std::unique_ptr<FileConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::file_exporter
