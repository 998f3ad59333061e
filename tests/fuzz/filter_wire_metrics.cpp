// Fuzz target: the filter processor's OTTL metric and data point conditions on received bytes
// (processors/filter/wire_filter) against the same filter on the decoded request; filter_wire does spans,
// filter_wire_logs log records.
//
// Input: one option byte (bits 0-1: which condition set below), then an ExportMetricsServiceRequest; bytes the wire
// check refuses are not looked at (the receiver would have refused them).
//
// Checks: see fuzz/support/wire_differential.h.
#include "fuzz/support/wire_differential.h"

namespace {

const char* const kConfigurations[] = {
    // Metrics decoded whole (a condition reads their points), then points from the decoded metric.
    R"(metrics: {metric: ['name == "gauge.0"', 'HasAttrOnDatapoint("http.route", "/health")'],
          datapoint: ['attributes["http.route"] == "/health"']})",
    // Data point conditions alone: metrics decoded without their points, each point alone.
    R"(metrics: {datapoint: ['metric.type == METRIC_DATA_TYPE_SUM and value_int > 5', 'count > 3',
                        'instrumentation_scope.name == "db"', 'metric.is_monotonic == true']})",
    // Failing conditions, metric conditions that do not read points, resource attributes.
    R"(error_mode: ignore
metrics: {metric: ['Substring(name, 0, 3) == "sum"', 'type == METRIC_DATA_TYPE_NONE',
                   'resource.attributes["service.name"] == "cron"'],
          datapoint: ['attributes["k"] > 2', 'metric.name == "x"']})",
    // Metric conditions alone.
    R"(metrics: {metric: ['IsMatch(name, "^e")', 'unit == "ms" or description == "d"',
                      'aggregation_temporality == AGGREGATION_TEMPORALITY_DELTA']})",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return otlpd::fuzz::wire_differential_one<otlpd::MetricBatch>("filter", kConfigurations, data, size);
}
