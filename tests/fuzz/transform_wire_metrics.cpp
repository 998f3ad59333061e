// Fuzz target: the transform processor's metric statements on received bytes (processors/transform/wire_transform)
// against the same statements on the decoded request; transform_wire does spans, transform_wire_logs log records.
//
// Input: one option byte (modulo their count: which of the statement sets in processors/transform/transform_wire.h,
// the differential test's, including those that make metrics and so go to the decoded path), then an
// ExportMetricsServiceRequest; bytes the wire check refuses are not looked at (the receiver would have refused
// them).
//
// Checks: see fuzz/support/wire_differential.h.
#include "fuzz/support/wire_differential.h"
#include "processors/transform/transform_wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return otlpd::fuzz::wire_differential_one<otlpd::MetricBatch>("transform", otlpd::test::kMetricStatementSets, data,
                                                                size);
}
