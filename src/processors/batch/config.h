// Configuration of the `batch` processor, with the OpenTelemetry Collector's keys and defaults.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::batch_processor {

struct BatchConfig : ComponentConfig {
  // Items (spans, data points, log records) after which a batch is sent regardless of the timeout; 0: no size
  // trigger, only the timeout.
  uint32_t send_batch_size = 8192;
  // Age of the oldest buffered item after which the batch is sent regardless of size; 0: send at once.
  Duration timeout = std::chrono::milliseconds(200);
  // Upper bound of items in one sent batch; larger batches are split. 0: no bound.
  uint32_t send_batch_max_size = 0;
  // Request metadata keys (lower-cased) whose distinct value combinations get batches of their own.
  std::vector<std::string> metadata_keys;
  uint32_t metadata_cardinality_limit = 1000;
  // otlpd's own key: items buffered or being sent downstream beyond which consume() answers retryable
  // (backpressure instead of unbounded growth). 0: 4 × max(send_batch_size, send_batch_max_size), or
  // 4 × 8192 when both are 0.
  uint64_t max_pending_items = 0;

  uint64_t pending_limit() const;
};

// The key table (for `otlpd components --describe batch`) and the strict parse it drives.
const Schema<BatchConfig>& schema();
std::unique_ptr<BatchConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::batch_processor
