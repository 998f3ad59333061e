// The rejected-item count of an Export*ServiceResponse's partial_success, per signal.
#pragma once

#include <cstdint>

#include "model/batch.h"

namespace otlpd::exporter_helper {

inline int64_t rejected(const otlp_trace::ExportTraceServiceResponse& r) {
  return r.partial_success().rejected_spans();
}
inline int64_t rejected(const otlp_metrics::ExportMetricsServiceResponse& r) {
  return r.partial_success().rejected_data_points();
}
inline int64_t rejected(const otlp_logs::ExportLogsServiceResponse& r) {
  return r.partial_success().rejected_log_records();
}

}  // namespace otlpd::exporter_helper
