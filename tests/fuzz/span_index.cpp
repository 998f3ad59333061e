// Fuzz target: the tail sampler's span index (processors/tail_sampling/span_index.h), which finds spans,
// their trace ids and their resources and scopes in received bytes without decoding them.
//
// Input: an ExportTraceServiceRequest; bytes the wire check refuses are not looked at (the receiver would
// have refused them).
//
// Checks: the index of the received bytes, and of the same request decoded, finds every span of the decoded
// request in order: the span's own bytes, its trace id, whether it is a root, its scope and resource (merged
// as protobuf merges a field given twice) and their schema URLs.
#include <string>

#include "codec/otlp_wire.h"
#include "fuzz/support/fuzz.h"
#include "model/batch.h"
#include "processors/tail_sampling/span_index.h"

namespace {

namespace trace = opentelemetry::proto::trace::v1;
using otlpd::tail_sampling::SpanIndex;

bool all_zero(const std::string& b) { return b.find_first_not_of('\0') == std::string::npos; }

// `body` (a view the index holds) parses to `want`; `present` says whether the field was there.
template <typename Message>
void same_message(std::string_view body, bool present, bool want_present, const Message& want, const char* what) {
  FUZZ_CHECK(present == want_present, std::string(what) + ": present in one, absent in the other");
  Message got;
  FUZZ_CHECK(got.ParseFromString(std::string(body)), std::string(what) + ": the indexed bytes do not parse");
  otlpd::fuzz::check_same(want, got, what);
}

void check_index(const SpanIndex& index, const otlpd::otlp_trace::ExportTraceServiceRequest& request) {
  FUZZ_CHECK(index.resources.size() == static_cast<size_t>(request.resource_spans_size()), "resource count");
  size_t scope = 0, span = 0;
  for (int r = 0; r < request.resource_spans_size(); ++r) {
    const trace::ResourceSpans& rs = request.resource_spans(r);
    const auto& ri = index.resources[static_cast<size_t>(r)];
    same_message(ri.resource, ri.has_resource, rs.has_resource(), rs.resource(), "resource");
    FUZZ_CHECK(ri.schema_url == rs.schema_url(), "resource schema URL");
    for (const trace::ScopeSpans& ss : rs.scope_spans()) {
      FUZZ_CHECK(scope < index.scopes.size(), "too few scopes");
      const auto& si = index.scopes[scope];
      FUZZ_CHECK(si.resource == static_cast<uint32_t>(r), "a scope under the wrong resource");
      same_message(si.scope, si.has_scope, ss.has_scope(), ss.scope(), "scope");
      FUZZ_CHECK(si.schema_url == ss.schema_url(), "scope schema URL");
      for (const trace::Span& s : ss.spans()) {
        FUZZ_CHECK(span < index.refs.size(), "too few spans");
        const auto& ref = index.refs[span++];
        FUZZ_CHECK(ref.scope == scope, "a span under the wrong scope");
        same_message(std::string_view(ref.span, ref.size), true, true, s, "span");
        FUZZ_CHECK(ref.id == otlpd::tail_sampling::TraceId::from_bytes(s.trace_id()), "trace id");
        FUZZ_CHECK(ref.root == all_zero(s.parent_span_id()), "root");
      }
      ++scope;
    }
  }
  FUZZ_CHECK(scope == index.scopes.size() && span == index.refs.size(), "the index holds more than the request");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto checked = otlpd::otlp_wire::check<otlpd::otlp_trace::ExportTraceServiceRequest>(bytes);
  if (!checked.ok) return 0;
  otlpd::otlp_trace::ExportTraceServiceRequest request;
  FUZZ_CHECK(request.ParseFromString(bytes), "protobuf refuses what the wire check accepted");

  const auto received = otlpd::TraceBatch::adopt_wire(bytes, checked.items);
  SpanIndex from_bytes;
  std::string err = from_bytes.add(received);
  FUZZ_CHECK(err.empty(), "indexing received bytes: " + err);
  check_index(from_bytes, request);

  auto decoded = otlpd::TraceBatch::make();
  decoded.first() = request;
  SpanIndex from_message;
  err = from_message.add(decoded);
  FUZZ_CHECK(err.empty(), "indexing a decoded request: " + err);
  check_index(from_message, request);
  return 0;
}
