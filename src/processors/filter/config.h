// Configuration of the `filter` processor: lists of conditions per signal, each an OTTL condition (a string, as in
// the Collector) or one of otlpd's own condition maps; an item that matches any condition of its list is dropped.
// See docs/filter.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/schema.h"
#include "core/component_config.h"
#include "processors/attributes/config.h"
#include "processors/common/config_value.h"

namespace otlpd::ottl {
class Condition;
}

namespace otlpd::filter_processor {

using processors::ConfigValue;
using processors::StringMatcher;

// One attribute test: `key: value` (typed equality), `key: {regexp: ...}` or `key: {exists: bool}`.
struct AttributeCondition {
  std::string key;
  std::optional<ConfigValue> equals;
  std::optional<StringMatcher> matches;
  std::optional<bool> exists;
};

// A list entry; it matches when every field it sets matches.
struct Condition {
  std::optional<StringMatcher> name;           // span, span event or metric name
  std::vector<AttributeCondition> attributes;  // the item's own attributes
  std::vector<AttributeCondition> resource_attributes;
  std::optional<StringMatcher> scope_name;
  std::vector<int> kinds;                         // span kinds (OTLP enum values); any
  std::vector<int> status_codes;                  // 0 unset, 1 ok, 2 error; any
  std::optional<int> severity_min, severity_max;  // inclusive
  std::optional<StringMatcher> severity_text;
  std::optional<StringMatcher> body;  // the log body's string form
  std::vector<int> metric_types;      // Metric::DataCase values; any
};

enum class ErrorMode { ignore, silent, propagate };

// An OTTL condition, compiled at load (ottl/ottl.h); a condition of a `*_conditions` group may have its own
// error_mode.
struct OttlCondition {
  std::string text;
  std::shared_ptr<const ottl::Condition> compiled;
  std::optional<ErrorMode> error_mode;
};

// The Collector's legacy matchers of one signal: items that do not match `include` are dropped, then items that
// match `exclude`.
struct LegacyMatch {
  std::optional<attributes_processor::MatchProperties> include, exclude;
  bool any() const { return include || exclude; }
};

struct FilterConfig : ComponentConfig {
  ErrorMode error_mode = ErrorMode::propagate;
  LegacyMatch legacy_spans, legacy_logs, legacy_metrics;  // `spans`, `logs.include`..., `metrics.include`...
  std::vector<Condition> span, spanevent, metric, datapoint, log_record;
  std::vector<OttlCondition> ottl_span, ottl_spanevent, ottl_metric, ottl_datapoint, ottl_log_record;
  // Resource and scope conditions per signal (`traces.resource`..., and `*_conditions` inferred to them): a match
  // drops the resource or scope with everything in it.
  std::vector<OttlCondition> trace_resource, trace_scope, metric_resource, metric_scope, log_resource, log_scope;
};

// The key table (for `otlpd components --describe filter`) and the strict parse it drives.
const Schema<FilterConfig>& schema();
std::unique_ptr<FilterConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::filter_processor
