// Parsing and validation of the tail_sampling configuration.
#include "processors/tail_sampling/config.h"

#include <re2/re2.h>

#include <algorithm>
#include <set>

namespace otlpd::tail_sampling {

namespace {

// Policies that may appear inside and/drop/composite (no nesting of the combining policies).
const std::vector<std::string>& leaf_types() {
  static const std::vector<std::string> types = {
      "always_sample", "boolean_attribute", "bytes_limiting", "latency",          "numeric_attribute", "probabilistic",
      "rate_limiting", "span_count",        "status_code",    "string_attribute", "trace_state"};
  return types;
}

constexpr size_t kMaxPolicies = 256;
constexpr size_t kMaxValues = 4096;

void require_key(const ConfigNode& node, const std::string& key, std::string_view what) {
  if (key.empty()) node.fail(std::string(what) + ": 'key' must be set");
}

void check_values(const ConfigNode& node, const std::vector<std::string>& values) {
  if (values.empty()) node.fail("'values' must list at least one value");
  if (values.size() > kMaxValues) node.fail("'values' lists more than " + std::to_string(kMaxValues) + " values");
}

PolicySettings parse_settings(const std::string& type, const ConfigNode& node, bool top_level);

std::vector<PolicyConfig> parse_policy_list(const ConfigNode& list, bool top_level);

PolicyConfig parse_policy(const ConfigNode& node, bool top_level) {
  PolicyConfig p;
  MapReader r(node);
  r.require("name", p.name);
  r.require("type", p.type);
  const auto& valid = top_level ? policy_types() : leaf_types();
  if (std::find(valid.begin(), valid.end(), p.type) == valid.end()) {
    r.child("type")->fail("unknown policy type '" + p.type + "'" +
                          (top_level ? std::string() : std::string(" for a sub-policy")) +
                          "; valid are: " + join(valid));
  }
  auto settings = r.child(p.type);
  p.settings =
      parse_settings(p.type, settings ? *settings : ConfigNode(YAML::Node(), node.path() + "::" + p.type), top_level);
  r.finish();
  return p;
}

std::vector<PolicyConfig> parse_policy_list(const ConfigNode& list, bool top_level) {
  std::vector<PolicyConfig> out;
  auto items = list.items();
  if (items.size() > kMaxPolicies) list.fail("more than " + std::to_string(kMaxPolicies) + " policies");
  std::set<std::string> names;
  for (const auto& item : items) {
    out.push_back(parse_policy(item, top_level));
    if (!names.insert(out.back().name).second) item.fail("duplicate policy name '" + out.back().name + "'");
  }
  return out;
}

PolicySettings parse_settings(const std::string& type, const ConfigNode& node, bool top_level) {
  (void)top_level;
  MapReader r(node);
  PolicySettings out;
  if (type == "always_sample") {
    out = AlwaysSampleConfig{};
  } else if (type == "latency") {
    LatencyConfig c;
    r.get("threshold_ms", c.threshold_ms);
    r.get("upper_threshold_ms", c.upper_threshold_ms);
    if (c.threshold_ms < 0 || c.upper_threshold_ms < 0) node.fail("latency thresholds must not be negative");
    if (c.upper_threshold_ms != 0 && c.upper_threshold_ms < c.threshold_ms)
      node.fail("upper_threshold_ms must be greater than threshold_ms");
    out = c;
  } else if (type == "numeric_attribute") {
    NumericAttributeConfig c;
    r.get("key", c.key);
    bool has_min = r.get("min_value", c.min_value);
    bool has_max = r.get("max_value", c.max_value);
    r.get("invert_match", c.invert_match);
    require_key(node, c.key, "numeric_attribute");
    if (!has_min && !has_max) node.fail("numeric_attribute: set min_value, max_value or both");
    if (c.max_value < c.min_value) node.fail("numeric_attribute: max_value must not be less than min_value");
    out = c;
  } else if (type == "probabilistic") {
    ProbabilisticConfig c;
    r.get("sampling_percentage", c.sampling_percentage);
    r.get("hash_salt", c.hash_salt);
    if (!(c.sampling_percentage >= 0 && c.sampling_percentage <= 100))
      node.fail("sampling_percentage must be between 0 and 100");
    out = c;
  } else if (type == "status_code") {
    StatusCodeConfig c;
    r.get("status_codes", c.status_codes);
    if (c.status_codes.empty()) node.fail("status_codes must list at least one of: ERROR, OK, UNSET");
    for (const auto& s : c.status_codes)
      if (s != "ERROR" && s != "OK" && s != "UNSET")
        node.fail("unknown status code '" + s + "'; valid are: ERROR, OK, UNSET");
    out = c;
  } else if (type == "string_attribute") {
    StringAttributeConfig c;
    r.get("key", c.key);
    r.get("values", c.values);
    r.get("enabled_regex_matching", c.enabled_regex_matching);
    r.get("cache_max_size", c.cache_max_size);
    r.get("invert_match", c.invert_match);
    require_key(node, c.key, "string_attribute");
    check_values(node, c.values);
    if (c.cache_max_size < 0 || c.cache_max_size > 1000000) node.fail("cache_max_size must be in 0..1000000");
    if (c.enabled_regex_matching)
      for (const auto& v : c.values) {
        RE2 re(v, RE2::Quiet);
        if (!re.ok()) node.fail("invalid regular expression '" + v + "': " + re.error());
      }
    out = c;
  } else if (type == "boolean_attribute") {
    BooleanAttributeConfig c;
    r.get("key", c.key);
    r.get("value", c.value);
    r.get("invert_match", c.invert_match);
    require_key(node, c.key, "boolean_attribute");
    out = c;
  } else if (type == "trace_state") {
    TraceStateConfig c;
    r.get("key", c.key);
    r.get("values", c.values);
    require_key(node, c.key, "trace_state");
    check_values(node, c.values);
    for (const auto& v : c.values)
      if (v.size() > 256) node.fail("trace_state values must be at most 256 characters");
    out = c;
  } else if (type == "rate_limiting") {
    RateLimitingConfig c;
    r.get("spans_per_second", c.spans_per_second);
    if (c.spans_per_second <= 0) node.fail("spans_per_second must be greater than 0");
    out = c;
  } else if (type == "bytes_limiting") {
    BytesLimitingConfig c;
    r.get("bytes_per_second", c.bytes_per_second);
    r.get("burst_capacity", c.burst_capacity);
    if (c.bytes_per_second <= 0) node.fail("bytes_per_second must be greater than 0");
    if (c.burst_capacity < 0) node.fail("burst_capacity must not be negative");
    if (c.burst_capacity == 0) c.burst_capacity = 2 * c.bytes_per_second;
    out = c;
  } else if (type == "span_count") {
    SpanCountConfig c;
    r.get("min_spans", c.min_spans);
    r.get("max_spans", c.max_spans);
    if (c.min_spans < 0 || c.max_spans < 0) node.fail("min_spans and max_spans must not be negative");
    if (c.max_spans != 0 && c.max_spans < c.min_spans) node.fail("max_spans must not be less than min_spans");
    out = c;
  } else if (type == "and") {
    AndConfig c;
    auto list = r.child("and_sub_policy");
    if (!list || list->is_null()) node.fail("and: 'and_sub_policy' must list at least one policy");
    c.sub_policies = parse_policy_list(*list, false);
    if (c.sub_policies.empty()) list->fail("and_sub_policy must list at least one policy");
    out = std::move(c);
  } else if (type == "drop") {
    DropConfig c;
    auto list = r.child("drop_sub_policy");
    if (!list || list->is_null()) node.fail("drop: 'drop_sub_policy' must list at least one policy");
    c.sub_policies = parse_policy_list(*list, false);
    if (c.sub_policies.empty()) list->fail("drop_sub_policy must list at least one policy");
    out = std::move(c);
  } else if (type == "composite") {
    CompositeConfig c;
    r.get("max_total_spans_per_second", c.max_total_spans_per_second);
    r.get("policy_order", c.policy_order);
    if (c.max_total_spans_per_second <= 0) node.fail("composite: max_total_spans_per_second must be greater than 0");
    auto list = r.child("composite_sub_policy");
    if (!list || list->is_null()) node.fail("composite: 'composite_sub_policy' must list at least one policy");
    c.sub_policies = parse_policy_list(*list, false);
    std::set<std::string> names;
    for (const auto& p : c.sub_policies) names.insert(p.name);
    if (c.policy_order.empty())
      for (const auto& p : c.sub_policies) c.policy_order.push_back(p.name);
    std::set<std::string> ordered;
    for (const auto& n : c.policy_order) {
      if (!names.count(n)) node.fail("composite: policy_order names '" + n + "', which is not a composite_sub_policy");
      if (!ordered.insert(n).second) node.fail("composite: policy_order lists '" + n + "' twice");
    }
    if (auto alloc = r.child("rate_allocation")) {
      int64_t total = 0;
      for (const auto& item : alloc->items()) {
        MapReader ar(item);
        RateAllocation a;
        ar.require("policy", a.policy);
        ar.get("percent", a.percent);
        ar.finish();
        if (!names.count(a.policy)) item.fail("rate_allocation names unknown policy '" + a.policy + "'");
        if (a.percent < 0 || a.percent > 100) item.fail("percent must be between 0 and 100");
        total += a.percent;
        c.rate_allocation.push_back(a);
      }
      if (total > 100) alloc->fail("rate_allocation percents add up to more than 100");
    }
    out = std::move(c);
  }
  r.finish();
  return out;
}

}  // namespace

const std::vector<std::string>& policy_types() {
  static const std::vector<std::string> types = [] {
    auto t = leaf_types();
    t.insert(t.end(), {"and", "composite", "drop"});
    std::sort(t.begin(), t.end());
    return t;
  }();
  return types;
}

std::unique_ptr<TailSamplingConfig> parse_config(const ConfigNode& node) {
  auto cfg = std::make_unique<TailSamplingConfig>();
  MapReader r(node);
  r.get("decision_wait", cfg->decision_wait);
  r.get("num_traces", cfg->num_traces);
  r.get("expected_new_traces_per_sec", cfg->expected_new_traces_per_sec);
  r.get("sample_on_first_match", cfg->sample_on_first_match);
  r.get("drop_pending_traces_on_shutdown", cfg->drop_pending_traces_on_shutdown);
  r.get("max_memory_mib", cfg->max_memory_mib);
  r.get("decision_wait_after_root_received", cfg->decision_wait_after_root_received);
  r.get("num_shards", cfg->num_shards);
  if (auto dc = r.child("decision_cache")) {
    MapReader d(*dc);
    d.get("sampled_cache_size", cfg->decision_cache.sampled_cache_size);
    d.get("non_sampled_cache_size", cfg->decision_cache.non_sampled_cache_size);
    d.finish();
    constexpr uint64_t kMaxCache = 1ull << 28;  // 4 GiB of ids: anything larger is a typo
    if (cfg->decision_cache.sampled_cache_size > kMaxCache || cfg->decision_cache.non_sampled_cache_size > kMaxCache)
      dc->fail("decision cache sizes must be at most " + std::to_string(kMaxCache));
  }
  auto policies = r.child("policies");
  if (!policies || policies->is_null()) node.fail("'policies' must list at least one sampling policy");
  cfg->policies = parse_policy_list(*policies, true);
  if (cfg->policies.empty()) policies->fail("'policies' must list at least one sampling policy");
  r.finish();

  if (cfg->decision_wait <= Duration::zero()) r.child("decision_wait")->fail("decision_wait must be positive");
  if (cfg->num_traces == 0) r.child("num_traces")->fail("num_traces must be greater than 0");
  if (cfg->decision_wait_after_root_received < Duration::zero())
    r.child("decision_wait_after_root_received")->fail("decision_wait_after_root_received must not be negative");
  if (cfg->num_shards > 4096) r.child("num_shards")->fail("num_shards must be at most 4096");
  if (cfg->max_memory_mib > (1ull << 30)) r.child("max_memory_mib")->fail("max_memory_mib is too large");
  return cfg;
}

}  // namespace otlpd::tail_sampling
