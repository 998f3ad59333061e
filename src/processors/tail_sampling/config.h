// Typed configuration of the tail_sampling processor: the Collector's keys plus otlpd's extensions.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "config/node.h"
#include "core/component_config.h"

namespace otlpd::tail_sampling {

struct AlwaysSampleConfig {};

struct LatencyConfig {
  int64_t threshold_ms = 0;
  int64_t upper_threshold_ms = 0;  // 0: no upper bound
};

struct NumericAttributeConfig {
  std::string key;
  int64_t min_value = std::numeric_limits<int64_t>::min();
  int64_t max_value = std::numeric_limits<int64_t>::max();
  bool invert_match = false;
};

struct ProbabilisticConfig {
  double sampling_percentage = 0;
  std::string hash_salt;
};

struct StatusCodeConfig {
  std::vector<std::string> status_codes;  // OK, ERROR, UNSET
};

struct StringAttributeConfig {
  std::string key;
  std::vector<std::string> values;
  bool enabled_regex_matching = false;
  int cache_max_size = 128;  // regex results remembered per attribute value
  bool invert_match = false;
};

struct BooleanAttributeConfig {
  std::string key;
  bool value = false;
  bool invert_match = false;
};

struct TraceStateConfig {
  std::string key;
  std::vector<std::string> values;
};

struct RateLimitingConfig {
  int64_t spans_per_second = 0;
};

struct BytesLimitingConfig {
  int64_t bytes_per_second = 0;
  int64_t burst_capacity = 0;  // 0: twice bytes_per_second
};

struct SpanCountConfig {
  int64_t min_spans = 0;
  int64_t max_spans = 0;  // 0: no upper bound
};

struct PolicyConfig;

// and: every sub-policy samples. drop: every sub-policy samples → the trace is dropped.
struct AndConfig {
  std::vector<PolicyConfig> sub_policies;
};
struct DropConfig {
  std::vector<PolicyConfig> sub_policies;
};

struct RateAllocation {
  std::string policy;
  int64_t percent = 0;
};

struct CompositeConfig {
  int64_t max_total_spans_per_second = 0;
  std::vector<std::string> policy_order;
  std::vector<PolicyConfig> sub_policies;
  std::vector<RateAllocation> rate_allocation;
};

using PolicySettings =
    std::variant<AlwaysSampleConfig, LatencyConfig, NumericAttributeConfig, ProbabilisticConfig, StatusCodeConfig,
                 StringAttributeConfig, BooleanAttributeConfig, TraceStateConfig, RateLimitingConfig,
                 BytesLimitingConfig, SpanCountConfig, AndConfig, DropConfig, CompositeConfig>;

struct PolicyConfig {
  std::string name;
  std::string type;
  PolicySettings settings;
};

struct DecisionCacheConfig {
  // Trace ids remembered per decision so that late spans follow it; 0 disables that cache.
  uint64_t sampled_cache_size = 100000;
  uint64_t non_sampled_cache_size = 100000;
};

struct TailSamplingConfig : ComponentConfig {
  Duration decision_wait = std::chrono::seconds(30);
  uint64_t num_traces = 50000;
  uint64_t expected_new_traces_per_sec = 0;
  DecisionCacheConfig decision_cache;
  bool sample_on_first_match = false;
  bool drop_pending_traces_on_shutdown = false;
  std::vector<PolicyConfig> policies;

  // otlpd extensions.
  uint64_t max_memory_mib = 0;                    // 0: no memory bound beyond num_traces
  Duration decision_wait_after_root_received{0};  // 0: disabled
  uint32_t num_shards = 0;                        // 0: chosen from the hardware

  uint64_t max_memory_bytes() const { return max_memory_mib * 1024 * 1024; }
};

// The policy types accepted at the top level, sorted (for error messages).
const std::vector<std::string>& policy_types();

// Reads and validates the processor's YAML; throws ConfigError naming the path and line.
std::unique_ptr<TailSamplingConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::tail_sampling
