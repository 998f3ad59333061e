// The filter's span, log record, metric and data point conditions on received bytes: each item is decoded alone
// (into one reused message) to be judged, and the request is rewritten only when items go, by copying the bytes of
// what stays.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "codec/attribute_edit.h"
#include "ottl/ottl.h"

namespace otlpd::filter_processor {

// Decides for one span, log record, metric or data point (with its parents in `item`) whether it is dropped; may
// throw ottl::EvalError.
using ItemVerdict = std::function<bool(ottl::Item& item)>;

struct WireFilterResult {
  otlp_wire::RewriteResult rewrite;  // ok: the bytes were read; changed: `bytes` replace the input
  size_t dropped = 0;                // items dropped (spans, log records, data points)
  size_t kept = 0;                   // items left
  bool empty = false;                // no resource is left
};

// Runs `drop` on every span of `request` (an ExportTraceServiceRequest otlp_wire::check accepted). Scopes and
// resources left without spans are removed, as the decoded path removes them; everything else is copied as it came.
WireFilterResult filter_spans_on_wire(std::string_view request, const ItemVerdict& drop);
// The same for the log records of an ExportLogsServiceRequest.
WireFilterResult filter_logs_on_wire(std::string_view request, const ItemVerdict& drop);

// The same for an ExportMetricsServiceRequest: `drop_metric` (when set) judges each metric, decoded alone (with its
// data points only when `metric_reads_points`); then `drop_point` (when set) each data point of a metric that stays,
// with the metric in `item`. A metric left without data points goes (as on the decoded path, one that had none too,
// unless it has no data at all). Items are data points. Not ok also when a metric whose points are looked at holds
// its data in more than one field (protobuf merges them: the caller decodes the request).
WireFilterResult filter_metrics_on_wire(std::string_view request, const ItemVerdict& drop_metric,
                                        const ItemVerdict& drop_point, bool metric_reads_points);

}  // namespace otlpd::filter_processor
