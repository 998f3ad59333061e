// Typed configuration of the tail_sampling processor: the Collector's keys plus otlpd's extensions.
#pragma once

#include <any>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::tail_sampling {

class Policy;
using PolicyPtr = std::unique_ptr<Policy>;

// One policy of `policies` (or of a combining policy's sub-policy list).
struct PolicyConfig {
  std::string name;
  std::string type;
  std::any settings;  // the settings of `type`, as its PolicyType reads them
};

// A policy type: its name, its settings' keys, and how they are read and built. Every type is one row of
// policy_types() (policies.cpp, next to its settings and its Policy class): adding a type touches that file only.
struct PolicyType {
  std::string name;
  std::string doc;
  bool combining = false;  // takes sub-policies (and, drop, composite), so it cannot be one
  std::function<const ConfigSchema&()> schema;
  std::function<std::any(const ConfigNode&)> read;  // the settings block (null: all defaults), validated
  std::function<PolicyPtr(const std::any&)> build;
};

// Every policy type, sorted by name.
const std::vector<PolicyType>& policy_types();

// Reads a list of policies (`policies`, or a sub-policy list when !top_level: no combining types).
std::vector<PolicyConfig> parse_policies(const ConfigNode& list, bool top_level);
// The keys of one sub-policy (for the describe output of and/drop/composite).
const ConfigSchema& sub_policy_schema();

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

// The key table (for `otlpd components --describe tail_sampling`) and the strict parse it drives; throws
// ConfigError naming the path and line.
const Schema<TailSamplingConfig>& schema();
std::unique_ptr<TailSamplingConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::tail_sampling
