// Configuration of the `transform` processor: OTTL statements per signal, in the Collector's basic form (a list
// of statements whose context is inferred from their paths) and advanced form (context, conditions, statements).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::ottl {
class Condition;
class Statement;
enum class ContextKind;
}  // namespace otlpd::ottl

namespace otlpd::transform_processor {

enum class ErrorMode { ignore, silent, propagate };

// Statements that run, in order, on every item of one context; with conditions, only on items for which any
// condition holds.
struct StatementGroup {
  ottl::ContextKind context;
  std::optional<ErrorMode> error_mode;  // the processor's when not given
  std::vector<std::shared_ptr<const ottl::Condition>> conditions;
  std::vector<std::shared_ptr<const ottl::Statement>> statements;
};

struct TransformConfig : ComponentConfig {
  ErrorMode error_mode = ErrorMode::propagate;
  std::vector<StatementGroup> trace_statements, metric_statements, log_statements;
};

// The key table (for `otlpd components --describe transform`) and the strict parse it drives.
const Schema<TransformConfig>& schema();
std::unique_ptr<TransformConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::transform_processor
