// Configuration of the `prometheusremotewrite` exporter, with the OpenTelemetry Collector's keys and defaults.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "config/schema.h"
#include "core/component_config.h"
#include "exporters/helper/client_settings.h"
#include "exporters/helper/settings.h"

namespace otlpd::prometheusremotewrite_exporter {

struct RemoteWriteConfig : ComponentConfig {
  RemoteWriteConfig() {
    client.compression = ContentEncoding::identity;  // the body is snappy-compressed by the protocol itself
    settings.queue.queue_size = 10000;               // remote_write_queue's defaults
    settings.queue.num_consumers = 5;
  }

  exporter_helper::HttpClientSettings client;  // endpoint (full URL), tls, headers, proxy_url, auth
  exporter_helper::ExporterSettings settings;  // timeout (5s), retry_on_failure, the queue (remote_write_queue)
  std::string namespace_;
  std::map<std::string, std::string> external_labels;
  bool resource_to_telemetry_conversion = false;  // resource_to_telemetry_conversion.enabled
  bool target_info = true;                        // target_info.enabled
  bool add_metric_suffixes = true;
  bool send_metadata = false;
  int64_t max_batch_size_bytes = 3000000;
};

const Schema<RemoteWriteConfig>& schema();

}  // namespace otlpd::prometheusremotewrite_exporter
