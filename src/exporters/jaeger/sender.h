// The `jaeger` exporter's sender: one delivery attempt of a TraceBatch to a Jaeger collector (api_v2 gRPC).
#pragma once

#include <memory>
#include <string>

#include "exporters/helper/queued_exporter.h"
#include "exporters/jaeger/config.h"

namespace otlpd::jaeger_exporter {

// Translates each ResourceSpans into one Jaeger Batch and posts each with its own
// `jaeger.api_v2.CollectorService/PostSpans` call; the calls of one batch run in parallel (up to 32 at a
// time) and the attempt waits for all of them. Failures are classified by exporter_helper::classify_grpc_status
// (the OTLP exporter's rules); the attempt is retryable when any call's failure is, and a retry resends every
// Jaeger batch of the attempt, so a partly delivered batch may arrive twice (as with the Collector's exporter).
// Spans with malformed ids (trace id not 16 bytes, span id not 8) are left out and reported as rejected.
// start() builds the channel (reading TLS files; throws std::runtime_error when they cannot be read).
std::unique_ptr<exporter_helper::BatchSender<TraceBatch>> make_trace_sender(std::string id, const JaegerConfig& config);

}  // namespace otlpd::jaeger_exporter
