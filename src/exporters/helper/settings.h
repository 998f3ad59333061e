// The exporter helper's settings — `sending_queue`, `retry_on_failure`, `timeout` — with the Collector's keys and
// defaults, and their schema. A config header includes this, not the queue's implementation.
#pragma once

#include <chrono>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::exporter_helper {

// `sending_queue`, with the Collector's keys and defaults.
struct QueueSettings {
  bool enabled = true;
  int num_consumers = 10;
  int queue_size = 1000;
  enum class Sizer { requests, items } sizer = Sizer::requests;
};

// `retry_on_failure`, with the Collector's keys and defaults.
struct RetrySettings {
  bool enabled = true;
  Duration initial_interval = std::chrono::seconds(5);
  Duration max_interval = std::chrono::seconds(30);
  Duration max_elapsed_time = std::chrono::seconds(300);  // 0: retry for ever
  double multiplier = 1.5;
  double randomization_factor = 0.5;
};

struct ExporterSettings {
  QueueSettings queue;
  RetrySettings retry;
  Duration timeout = std::chrono::seconds(5);  // per attempt
};

// The keys `sending_queue`, `retry_on_failure` (blocks) and `timeout`, to embed into an exporter's schema
// (Schema::embed). `defaults` are the exporter's (otlphttp's timeout is 30s), shown by describe.
Schema<ExporterSettings> exporter_settings_schema(const ExporterSettings& defaults = {});

}  // namespace otlpd::exporter_helper
