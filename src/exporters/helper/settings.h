// The exporter helper's settings — `sending_queue`, `retry_on_failure`, `timeout` — with the Collector's keys and
// defaults, and their schema. A config header includes this, not the queue's implementation.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::exporter_helper {

enum class Sizer { requests, items, bytes };

// `sending_queue.batch`: batching after the queue (the Collector's replacement for the batch processor). With a
// persistent queue the data is on disk before it waits for a batch to fill.
struct QueueBatchSettings {
  bool enabled = false;  // the block is present
  Duration flush_timeout = std::chrono::milliseconds(200);
  int64_t min_size = 8192;
  int64_t max_size = 0;  // 0: no limit (no splitting)
  Sizer sizer = Sizer::items;
};

// `sending_queue`, with the Collector's keys and defaults.
struct QueueSettings {
  bool enabled = true;
  int num_consumers = 10;
  int64_t queue_size = 1000;
  using Sizer = exporter_helper::Sizer;
  Sizer sizer = Sizer::requests;
  std::string storage;  // a storage extension's id (file_storage/x): a persistent queue; empty: in memory
  QueueBatchSettings batch;
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
