// Splitting requests for send_batch_max_size: moves the first n items of a request into another.
#pragma once

#include <cstddef>

#include "model/batch.h"

namespace otlpd {

// Copies the first `n` items (spans, data points, log records) of `src`, with their resource and scope
// headers, into `dst` (which lives on another arena), then removes them from `src` along with the scope and
// resource containers left empty. Returns the number of items moved (less than `n` when `src` has fewer).
size_t move_front(otlp_trace::ExportTraceServiceRequest& src, size_t n, otlp_trace::ExportTraceServiceRequest& dst);
size_t move_front(otlp_metrics::ExportMetricsServiceRequest& src, size_t n,
                  otlp_metrics::ExportMetricsServiceRequest& dst);
size_t move_front(otlp_logs::ExportLogsServiceRequest& src, size_t n, otlp_logs::ExportLogsServiceRequest& dst);

}  // namespace otlpd
