// OTLP traces → Jaeger api_v2 batches (one Batch per ResourceSpans), following the Collector's translator.
#pragma once

#include <cstddef>
#include <vector>

#include "jaeger/api_v2/model.pb.h"
#include "model/batch.h"

namespace otlpd::jaeger_exporter {

namespace jaeger_pb = ::jaeger::api_v2;

// Counts of what a translation kept and left out.
struct TranslateStats {
  size_t spans = 0;          // spans translated
  size_t invalid_spans = 0;  // left out: trace id not 16 bytes or span id not 8 bytes
  size_t invalid_links = 0;  // links left out for the same reason
};

// Service name of a resource without a `service.name` attribute (the Collector's value).
inline constexpr const char* kNoServiceName = "OTLPResourceNoServiceName";

// Translates one ResourceSpans into `out` (cleared first):
// - process: service_name from resource `service.name`, the other resource attributes as tags;
// - per span: ids, the parent as the first CHILD_OF reference, links as FOLLOWS_FROM references (or CHILD_OF
//   when the link says `opentracing.ref_type=child_of`; link attributes have no place in Jaeger and are lost),
//   the W3C trace flags, start time and duration (a negative duration becomes 0);
// - span tags, in order: otel.scope.name, otel.scope.version, the attributes, span.kind, otel.status_code,
//   error=true (ERROR status), otel.status_description, w3c.tracestate, otel.dropped_attributes_count,
//   otel.dropped_events_count, otel.dropped_links_count (the counts when non-zero);
// - events as logs: timestamp, field `event` = name (unless an attribute `event` exists), the attributes.
// Attribute values: string, bool, int64, float64, bytes → BINARY; arrays and kvlists → JSON text (STRING).
void translate_resource_spans(const opentelemetry::proto::trace::v1::ResourceSpans& rs, jaeger_pb::Batch& out,
                              TranslateStats& stats);

// One Batch per ResourceSpans of `request`, in order.
std::vector<jaeger_pb::Batch> translate(const otlp_trace::ExportTraceServiceRequest& request,
                                        TranslateStats* stats = nullptr);

}  // namespace otlpd::jaeger_exporter
