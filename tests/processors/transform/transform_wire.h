// The transform processor run twice on one request, decoded and as received bytes, for the differential test and
// the transform_wire fuzz targets: the statement sets both run, and what each path sent as one normalized request.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "processors/harness.h"

namespace otlpd::test {

// Trace statement sets: every span edited, where clauses that match some spans or none, resource and scope edits
// from every context, groups that read what an earlier group set, the cache, span events, trace_state, failures.
inline const char* const kTraceStatementSets[] = {
    // Every span edited.
    R"(trace_statements: ['set(span.attributes["env"], "prod")', 'delete_key(span.attributes, "http.route")'])",
    // A where clause that matches some spans, one that matches none.
    R"(trace_statements: ['set(span.name, "health") where span.attributes["http.route"] == "/health"',
                           'set(span.status.code, STATUS_CODE_ERROR) where span.name == "nothing"'])",
    // Resource and scope edits from the span context, on some spans only.
    R"(trace_statements: ['set(resource.attributes["client"], span.name) where span.kind == SPAN_KIND_CLIENT',
                           'set(instrumentation_scope.version, "2") where IsMatch(span.name, "1$")'])",
    // Resource and scope contexts, then spans reading what they set.
    R"(trace_statements:
  - context: resource
    statements: ['set(attributes["team"], "payments") where attributes["service.name"] == "cron"']
  - context: scope
    statements: ['set(name, "renamed") where name == "http"', 'set(attributes["s"], 1)']
  - context: span
    conditions: ['resource.attributes["team"] != nil']
    statements: ['set(attributes["team"], resource.attributes["team"])', 'set(attributes["scope"], instrumentation_scope.name)'])",
    // Groups in order over a resource: the second reads what the first left on the resource.
    R"(trace_statements:
  - context: span
    statements: ['set(resource.attributes["last"], name)']
  - context: span
    statements: ['set(attributes["last"], resource.attributes["last"])'])",
    // The cache, and span events editing themselves and their span.
    R"(trace_statements:
  - context: span
    statements: ['set(cache["n"], name)', 'set(attributes["c"], cache["n"]) where kind == SPAN_KIND_CLIENT']
  - context: spanevent
    statements: ['set(attributes["span"], span.name) where name == "exception"', 'set(span.attributes["had_exception"], true) where name == "exception"'])",
    // A resource edit alone (the spans are not decoded), and a statement that fails on some spans.
    R"(trace_statements: [{context: resource, statements: ['delete_key(attributes, "service.name")']}])",
    R"(error_mode: ignore
trace_statements: ['set(span.attributes["sub"], Substring(span.name, 8, 4))'])",
    // trace_state members and the events list.
    R"(trace_statements: ['set(span.trace_state["rojo"], "1") where span.events[0]["name"] == "exception"'])",
    // A whole trace_state, and a where clause that fails on some spans.
    R"(error_mode: ignore
trace_statements: ['set(instrumentation_scope.version, "2") where Substring(span.name, 0, 5) == "GET /"',
                   'set(span.trace_state, "k=v")'])",
};

// Log statement sets, the same kinds of edits.
inline const char* const kLogStatementSets[] = {
    R"(log_statements: ['set(log.attributes["alert"], true) where log.severity_number >= SEVERITY_NUMBER_ERROR'])",
    R"(log_statements: ['set(resource.attributes["saw_get"], log.body) where IsMatch(log.body, "^GET")'])",
    R"(log_statements: ['set(log.body, "x") where log.body == "nothing"'])",
    R"(log_statements: ['replace_pattern(log.body, "password [0-9]+", "***")', 'set(log.severity_text, "S")'])",
    R"(log_statements:
  - context: scope
    statements: ['set(version, "1.0")']
  - context: log
    statements: ['set(attributes["v"], instrumentation_scope.version) where attributes["http.route"] == "/health"'])",
    R"(error_mode: ignore
log_statements: ['set(instrumentation_scope.name, "s") where Substring(log.body, 0, 9) == "password "'])",
};

// Metric statement sets: the metric and datapoint contexts editing themselves, their metric, scope and resource;
// resource and scope groups read by later groups; metric functions; the cache; failures. The first
// kMetricSetsOnWire stay on the wire; the others make metrics (copy_metric, extract_sum_metric), which the wire walk
// gives up to the decoded path.
inline const char* const kMetricStatementSets[] = {
    R"(metric_statements:
  - context: datapoint
    statements: ['set(attributes["health"], true) where attributes["http.route"] == "/health"'])",
    R"(metric_statements:
  - context: metric
    statements: ['set(description, "d") where type == METRIC_DATA_TYPE_SUM', 'set(unit, "ms") where name == "nothing"'])",
    R"(metric_statements:
  - context: metric
    statements: ['set(resource.attributes["m"], name) where type == METRIC_DATA_TYPE_GAUGE',
                 'set(instrumentation_scope.version, "2") where IsMatch(name, "^sum")'])",
    R"(metric_statements:
  - context: resource
    statements: ['set(attributes["team"], "payments") where attributes["service.name"] == "cron"']
  - context: scope
    statements: ['set(name, "renamed") where name == "db"', 'set(attributes["s"], 1)']
  - context: datapoint
    conditions: ['resource.attributes["team"] != nil']
    statements: ['set(attributes["team"], resource.attributes["team"])', 'set(attributes["scope"], instrumentation_scope.name)'])",
    R"(metric_statements:
  - context: datapoint
    statements: ['set(metric.description, "has health") where attributes["http.route"] == "/health"',
                 'set(value_double, 2.5) where metric.type == METRIC_DATA_TYPE_GAUGE'])",
    R"(metric_statements:
  - context: metric
    statements: ['convert_sum_to_gauge() where name == "sum.1"', 'scale_metric(10.0) where name == "gauge.0"'])",
    R"(error_mode: ignore
metric_statements:
  - context: datapoint
    statements: ['set(attributes["sub"], Substring(metric.name, 4, 3))'])",
    R"(metric_statements:
  - context: metric
    statements: ['set(cache["n"], name)', 'set(description, cache["n"]) where HasAttrOnDatapoint("http.route", "/health")']
  - context: metric
    statements: ['set(resource.attributes["last"], name)']
  - context: datapoint
    statements: ['set(attributes["last"], resource.attributes["last"])'])",
    R"(metric_statements: [{context: resource, statements: ['delete_key(attributes, "service.name")']}])",
    // Metrics made: the decoded path.
    R"(metric_statements:
  - context: metric
    statements: ['copy_metric(name="copy") where name == "gauge.0"', 'set(description, "seen")'])",
    R"(metric_statements:
  - context: metric
    statements: ['extract_sum_metric(true) where type == METRIC_DATA_TYPE_HISTOGRAM'])",
};
inline constexpr size_t kMetricSetsOnWire = 9;

// An empty resource or scope and a missing one are the same to OTLP; the decoded path creates the ones a
// statement looked at, the wire path leaves them out.
inline void drop_empty_parents(otlp_trace::ExportTraceServiceRequest& r) {
  for (auto& rs : *r.mutable_resource_spans()) {
    if (rs.has_resource() && rs.resource().ByteSizeLong() == 0) rs.clear_resource();
    for (auto& ss : *rs.mutable_scope_spans())
      if (ss.has_scope() && ss.scope().ByteSizeLong() == 0) ss.clear_scope();
  }
}
inline void drop_empty_parents(otlp_logs::ExportLogsServiceRequest& r) {
  for (auto& rl : *r.mutable_resource_logs()) {
    if (rl.has_resource() && rl.resource().ByteSizeLong() == 0) rl.clear_resource();
    for (auto& sl : *rl.mutable_scope_logs())
      if (sl.has_scope() && sl.scope().ByteSizeLong() == 0) sl.clear_scope();
  }
}

inline void drop_empty_parents(otlp_metrics::ExportMetricsServiceRequest& r) {
  for (auto& rm : *r.mutable_resource_metrics()) {
    if (rm.has_resource() && rm.resource().ByteSizeLong() == 0) rm.clear_resource();
    for (auto& sm : *rm.mutable_scope_metrics())
      if (sm.has_scope() && sm.scope().ByteSizeLong() == 0) sm.clear_scope();
  }
}

// Batches, each merged into one request, normalized and printed.
template <typename B>
std::string normalized(const std::vector<B>& sent) {
  std::string out;
  for (const auto& b : sent) {
    auto merged = b.merged();
    auto& request = *merged.raw_parts().front().request;
    drop_empty_parents(request);
    out += request.DebugString();
  }
  return out;
}

// What `p` sent for `batch`, normalized; nullopt when it refused the batch.
template <typename B>
std::optional<std::string> transformed(Processor& p, Capture<B>& sink, B batch) {
  if (!input<B>(p).consume(std::move(batch)).is_ok()) return std::nullopt;
  return normalized(sink.take());
}

}  // namespace otlpd::test
