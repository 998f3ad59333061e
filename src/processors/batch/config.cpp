// Parsing and validation of the `batch` processor's configuration.
#include "processors/batch/config.h"

#include <algorithm>
#include <cctype>

namespace otlpd::batch_processor {

uint64_t BatchConfig::pending_limit() const {
  if (max_pending_items > 0) return max_pending_items;
  uint64_t base = std::max(send_batch_size, send_batch_max_size);
  return 4 * (base > 0 ? base : 8192);
}

std::unique_ptr<BatchConfig> parse_config(const ConfigNode& node) {
  auto cfg = std::make_unique<BatchConfig>();
  MapReader r(node);
  r.get("send_batch_size", cfg->send_batch_size);
  r.get("timeout", cfg->timeout);
  r.get("send_batch_max_size", cfg->send_batch_max_size);
  r.get("metadata_cardinality_limit", cfg->metadata_cardinality_limit);
  r.get("max_pending_items", cfg->max_pending_items);
  if (auto keys = r.child("metadata_keys"); keys && !keys->is_null()) {
    for (const auto& item : keys->items()) {
      auto k = item.as<std::string>();
      std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (k.empty()) item.fail("metadata key must not be empty");
      if (std::find(cfg->metadata_keys.begin(), cfg->metadata_keys.end(), k) != cfg->metadata_keys.end())
        item.fail("duplicate metadata key '" + k + "' (keys are case-insensitive)");
      cfg->metadata_keys.push_back(std::move(k));
    }
  }
  if (cfg->timeout < Duration::zero()) r.child("timeout")->fail("timeout must not be negative");
  if (cfg->send_batch_max_size > 0 && cfg->send_batch_max_size < cfg->send_batch_size)
    r.child("send_batch_max_size")->fail("send_batch_max_size must be greater or equal to send_batch_size");
  if (!cfg->metadata_keys.empty() && cfg->metadata_cardinality_limit == 0)
    r.child("metadata_cardinality_limit")->fail("metadata_cardinality_limit must be greater than 0 with metadata_keys");
  if (cfg->max_pending_items > 0 &&
      cfg->max_pending_items < std::max<uint64_t>(cfg->send_batch_size, cfg->send_batch_max_size))
    r.child("max_pending_items")->fail("max_pending_items must be at least send_batch_size and send_batch_max_size");
  r.finish();
  return cfg;
}

}  // namespace otlpd::batch_processor
