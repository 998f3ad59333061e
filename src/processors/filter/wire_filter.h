// The filter's span and log record conditions on received bytes: each item is decoded alone (into one reused
// message) to be judged, and the request is rewritten only when items go, by copying the bytes of what stays.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "codec/attribute_edit.h"
#include "ottl/ottl.h"

namespace otlpd::filter_processor {

// Decides for one span or log record (with its resource and scope in `item`) whether it is dropped; may throw
// ottl::EvalError.
using ItemVerdict = std::function<bool(ottl::Item& item)>;

struct WireFilterResult {
  otlp_wire::RewriteResult rewrite;  // ok: the bytes were read; changed: `bytes` replace the input
  size_t dropped = 0;                // items dropped
  size_t kept = 0;                   // items left
};

// Runs `drop` on every span of `request` (an ExportTraceServiceRequest otlp_wire::check accepted). Scopes and
// resources left without spans are removed, as the decoded path removes them; everything else is copied as it came.
WireFilterResult filter_spans_on_wire(std::string_view request, const ItemVerdict& drop);
// The same for the log records of an ExportLogsServiceRequest.
WireFilterResult filter_logs_on_wire(std::string_view request, const ItemVerdict& drop);

}  // namespace otlpd::filter_processor
