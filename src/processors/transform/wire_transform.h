// The transform's trace, log and metric statements on received bytes: items are decoded one resource at a time to
// run the groups, and only what a statement may have changed (a span, a log record, a metric with its data points,
// a resource or a scope) is re-encoded; everything else is copied as it came.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "codec/attribute_edit.h"
#include "ottl/ottl.h"
#include "processors/transform/config.h"

namespace otlpd::transform_processor {

// Runs one group on one item (its resource, scope, span or log record set); returns what it may have changed
// (ottl::Writes bits of the statements that ran). May throw ottl::EvalError.
using GroupRunner = std::function<unsigned(const StatementGroup& group, ottl::Item& item)>;

// Whether every group runs in a context the wire walk serves: resource, scope, span and spanevent for traces;
// resource, scope and log for logs.
bool groups_on_wire(const std::vector<StatementGroup>& groups);

// Whether every metric group runs in a context the wire walk serves: resource, scope, metric and datapoint.
bool metric_groups_on_wire(const std::vector<StatementGroup>& groups);

// Runs `groups` on every span of `request` (an ExportTraceServiceRequest otlp_wire::check accepted): for each
// resource, group after group, as the decoded path does (state shared between items lives in one resource).
// Not ok when the bytes do not decode (the caller decodes the request).
otlp_wire::RewriteResult transform_spans_on_wire(std::string_view request, const std::vector<StatementGroup>& groups,
                                                 const GroupRunner& run);
// The same for the log records of an ExportLogsServiceRequest.
otlp_wire::RewriteResult transform_logs_on_wire(std::string_view request, const std::vector<StatementGroup>& groups,
                                                const GroupRunner& run);
// The same for the metrics and data points of an ExportMetricsServiceRequest. Not ok also when a function made a
// metric (copy_metric, extract_sum_metric...): the decoded path runs the group on the new metrics too.
otlp_wire::RewriteResult transform_metrics_on_wire(std::string_view request, const std::vector<StatementGroup>& groups,
                                                   const GroupRunner& run);

}  // namespace otlpd::transform_processor
