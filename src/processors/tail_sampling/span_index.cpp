// Indexing a trace batch's spans from its wire bytes (OTLP field numbers from the trace proto).
#include "processors/tail_sampling/span_index.h"

#include <cstdint>

#include "codec/otlp_wire.h"
#include "codec/wire_reader.h"

namespace otlpd::tail_sampling {

namespace {

using otlp_wire::Field;
using otlp_wire::Reader;
using otlp_wire::WireType;

// ExportTraceServiceRequest.resource_spans; ResourceSpans.resource, scope_spans, schema_url; ScopeSpans.scope,
// spans, schema_url; Span.trace_id, parent_span_id.
constexpr uint32_t kResourceSpans = 1;
constexpr uint32_t kResource = 1, kScopeSpans = 2, kResourceSchemaUrl = 3;
constexpr uint32_t kScope = 1, kSpans = 2, kScopeSchemaUrl = 3;
constexpr uint32_t kTraceId = 1, kParentSpanId = 4;

// A field protobuf would read as the length-delimited field `number` (other wire types are unknown fields).
bool is(const Field& f, uint32_t number) { return f.number == number && f.type == WireType::len; }

bool all_zero(std::string_view b) {
  for (char c : b)
    if (c != 0) return false;
  return true;
}

}  // namespace

std::string SpanIndex::add(const TraceBatch& batch) {
  for (const auto& part : batch.raw_parts()) {
    std::string_view bytes;
    if (part.wire) {
      bytes = *part.wire;
    } else if (part.request) {
      // Spans leave this processor as wire bytes that downstream trusts as checked: hold these to the same rule.
      const std::string& s = owned_.emplace_back(part.request->SerializeAsString());
      auto checked = otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(s);
      if (!checked.ok) return "invalid spans: " + checked.error;
      bytes = s;
    }
    if (auto err = add_request(bytes); !err.empty()) return err;
  }
  return {};
}

std::string SpanIndex::add_request(std::string_view request) {
  Reader r(request);
  Field f;
  while (r.next(f))
    if (is(f, kResourceSpans))
      if (auto err = add_resource_spans(f.body); !err.empty()) return err;
  if (r.error()) return "malformed ExportTraceServiceRequest bytes";
  return {};
}

std::string SpanIndex::add_resource_spans(std::string_view bytes) {
  auto index = static_cast<uint32_t>(resources.size());
  ResourceInfo& info = resources.emplace_back();  // add_scope_spans adds no resource: stays valid
  Reader r(bytes);
  Field f;
  while (r.next(f)) {
    if (is(f, kResource)) {
      add_message(info.resource, info.has_resource, f.body);
    } else if (is(f, kResourceSchemaUrl)) {
      info.schema_url = f.body;  // the last occurrence wins, as in a decoder
    } else if (is(f, kScopeSpans)) {
      if (auto err = add_scope_spans(f.body, index); !err.empty()) return err;
    }
  }
  if (r.error()) return "malformed ResourceSpans bytes";
  return {};
}

std::string SpanIndex::add_scope_spans(std::string_view bytes, uint32_t resource) {
  auto index = static_cast<uint32_t>(scopes.size());
  ScopeInfo& info = scopes.emplace_back();  // spans add no scope: stays valid
  info.resource = resource;
  Reader r(bytes);
  Field f;
  while (r.next(f)) {
    if (is(f, kScope)) {
      add_message(info.scope, info.has_scope, f.body);
    } else if (is(f, kScopeSchemaUrl)) {
      info.schema_url = f.body;
    } else if (is(f, kSpans)) {
      if (f.body.size() > UINT32_MAX) return "a span over 4 GiB";
      std::string_view trace_id, parent;
      Reader span(f.body);
      Field sf;
      while (span.next(sf)) {  // the last occurrence wins, as in a decoder
        if (is(sf, kTraceId))
          trace_id = sf.body;
        else if (is(sf, kParentSpanId))
          parent = sf.body;
      }
      if (span.error()) return "malformed Span bytes";
      SpanRef& ref = refs.emplace_back();
      ref.id = TraceId::from_bytes(trace_id);
      ref.scope = index;
      ref.span = f.body.data();
      ref.size = static_cast<uint32_t>(f.body.size());
      ref.root = all_zero(parent);
    }
  }
  if (r.error()) return "malformed ScopeSpans bytes";
  return {};
}

void SpanIndex::add_message(std::string_view& body, bool& present, std::string_view more) {
  if (!present) {
    body = more;
    present = true;
    return;
  }
  std::string& s = owned_.emplace_back();
  s.reserve(body.size() + more.size());
  s.append(body).append(more);
  body = s;
}

}  // namespace otlpd::tail_sampling
