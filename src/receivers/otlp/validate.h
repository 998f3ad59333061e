// Checks of decoded OTLP requests that the protobuf parser does not make: trace and span id lengths.
#pragma once

#include <string>

#include "core/batch.h"

namespace otlpd::otlp_receiver {

// Empty when every trace id is 0 or 16 bytes and every span id 0 or 8 bytes (as the Collector requires),
// otherwise the first offending field, e.g. "resourceSpans[0].scopeSpans[1].spans[3].traceId: 5 bytes,
// expected 16".
std::string validate_ids(const otlp_trace::ExportTraceServiceRequest& r);
std::string validate_ids(const otlp_metrics::ExportMetricsServiceRequest& r);
std::string validate_ids(const otlp_logs::ExportLogsServiceRequest& r);

}  // namespace otlpd::otlp_receiver
