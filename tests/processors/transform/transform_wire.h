// The transform processor run twice on one request, decoded and as received bytes, for the differential test and
// the transform_wire fuzz target: what each sent, as one normalized request.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "processors/harness.h"

namespace otlpd::test {

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
