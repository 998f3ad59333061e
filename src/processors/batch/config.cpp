// The `batch` processor's config schema: keys, defaults, docs and cross-field rules.
#include "processors/batch/config.h"

#include <algorithm>
#include <cctype>

#include "config/schema.h"
#include "model/context_key.h"

namespace otlpd::batch_processor {

uint64_t BatchConfig::pending_limit() const {
  if (max_pending_items > 0) return max_pending_items;
  uint64_t base = std::max(send_batch_size, send_batch_max_size);
  return 4 * (base > 0 ? base : 8192);
}

namespace {

// Lower-cased, non-empty and unique: metadata keys are matched case-insensitively.
void read_metadata_keys(const ConfigNode& node, BatchConfig& cfg) {
  for (const auto& item : node.items()) {
    auto k = item.as<std::string>();
    std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (k.empty() || !ContextKey::parse(k)) item.fail("metadata key must not be empty");
    if (std::find(cfg.metadata_keys.begin(), cfg.metadata_keys.end(), k) != cfg.metadata_keys.end())
      item.fail("duplicate metadata key '" + k + "' (keys are case-insensitive)");
    cfg.metadata_keys.push_back(std::move(k));
  }
}

}  // namespace

const Schema<BatchConfig>& schema() {
  static const auto s =
      Schema<BatchConfig>()
          .key("send_batch_size", &BatchConfig::send_batch_size,
               "items (spans, data points, log records) that send a batch before the timeout; 0: only the "
               "timeout")
          .key("timeout", &BatchConfig::timeout, "age of the oldest buffered item that sends the batch; 0: at once",
               at_least(Duration::zero()))
          .key("send_batch_max_size", &BatchConfig::send_batch_max_size,
               "largest batch sent; larger ones are split; 0: no bound")
          .custom("metadata_keys", "list of strings", "[]",
                  "request metadata keys (case-insensitive; also auth.<attribute>, client.address) whose value "
                  "combinations get batches of their own",
                  read_metadata_keys)
          .key("metadata_cardinality_limit", &BatchConfig::metadata_cardinality_limit,
               "distinct metadata value combinations; beyond it requests are refused")
          .key("max_pending_items", &BatchConfig::max_pending_items,
               "otlpd: items buffered or being sent beyond which requests are refused as retryable; 0: 4 x "
               "max(send_batch_size, send_batch_max_size), or 4 x 8192")
          .validate([](BatchConfig& c, const SchemaInput& in) {
            if (c.send_batch_max_size > 0 && c.send_batch_max_size < c.send_batch_size)
              in.fail("send_batch_max_size", "send_batch_max_size must be greater or equal to send_batch_size");
            if (!c.metadata_keys.empty() && c.metadata_cardinality_limit == 0)
              in.fail("metadata_cardinality_limit",
                      "metadata_cardinality_limit must be greater than 0 with metadata_keys");
            if (c.max_pending_items > 0 &&
                c.max_pending_items < std::max<uint64_t>(c.send_batch_size, c.send_batch_max_size))
              in.fail("max_pending_items",
                      "max_pending_items must be at least send_batch_size and send_batch_max_size");
          });
  return s;
}

std::unique_ptr<BatchConfig> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::batch_processor

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::processor, "batch", ::otlpd::batch_processor::schema)
