// Configuration of the `file_storage` extension, with the OpenTelemetry Collector's keys (contrib
// extension/storage/filestorage). otlpd keeps persistent queues as segment logs (docs/durability.md), not in a
// bbolt database, so the keys about compacting that database load with a note and change nothing.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::file_storage {

struct FileStorageConfig : ComponentConfig {
  std::string directory = "/var/lib/otelcol/file_storage";
  Duration timeout = std::chrono::seconds(1);  // waiting for another holder of a queue directory
  bool fsync = false;
  bool create_directory = false;
  std::string directory_permissions = "0750";
  unsigned permissions = 0750;  // parsed from directory_permissions
};

const Schema<FileStorageConfig>& schema();
std::unique_ptr<FileStorageConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::file_storage
