// Configuration of the `filter` processor: lists of OTTL conditions per signal (as in the Collector; otlpd's own
// condition maps are translated into OTTL conditions when the config loads); an item that matches any condition of
// its list is dropped. See docs/filter.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/schema.h"
#include "core/component_config.h"
#include "processors/attributes/config.h"

namespace otlpd::ottl {
class Condition;
}

namespace otlpd::filter_processor {

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
  std::vector<OttlCondition> ottl_span, ottl_spanevent, ottl_metric, ottl_datapoint, ottl_log_record;
  // Resource and scope conditions per signal (`traces.resource`..., and `*_conditions` inferred to them): a match
  // drops the resource or scope with everything in it.
  std::vector<OttlCondition> trace_resource, trace_scope, metric_resource, metric_scope, log_resource, log_scope;
};

// The key table (for `otlpd components --describe filter`) and the strict parse it drives.
const Schema<FilterConfig>& schema();
std::unique_ptr<FilterConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::filter_processor
