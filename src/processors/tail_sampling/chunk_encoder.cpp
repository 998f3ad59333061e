// Wire encoding of one trace's spans as ResourceSpans entries.
#include "processors/tail_sampling/chunk_encoder.h"

namespace otlpd::tail_sampling {

size_t ChunkEncoder::measure(const SpanRef* begin, const SpanRef* end) {
  scope_sizes_.clear();
  resource_sizes_.clear();
  size_t total = 0;
  for (const SpanRef* r = begin; r != end;) {
    uint32_t res = scopes_[r->scope].resource;
    size_t rs_body = resource_extra_size(resources_[res]);
    while (r != end && scopes_[r->scope].resource == res) {
      uint32_t sc = r->scope;
      size_t spans = 0;
      for (; r != end && r->scope == sc; ++r) spans += field_size(r->size);
      size_t body = scope_body_size(scopes_[sc], spans);
      scope_sizes_.push_back(body);
      rs_body += field_size(body);
    }
    resource_sizes_.push_back(rs_body);
    total += field_size(rs_body);
  }
  return total;
}

void ChunkEncoder::write(char* p, const SpanRef* begin, const SpanRef* end) {
  size_t si = 0, ri = 0;
  for (const SpanRef* r = begin; r != end;) {
    uint32_t res = scopes_[r->scope].resource;
    const ResourceInfo& ri_info = resources_[res];
    p = write_field_header(p, kTag1, resource_sizes_[ri++]);
    if (ri_info.has_resource) p = write_bytes_field(p, kTag1, ri_info.resource);
    while (r != end && scopes_[r->scope].resource == res) {
      uint32_t sc = r->scope;
      const ScopeInfo& s = scopes_[sc];
      p = write_field_header(p, kTag2, scope_sizes_[si++]);
      if (s.has_scope) p = write_bytes_field(p, kTag1, s.scope);
      for (; r != end && r->scope == sc; ++r) {
        p = write_field_header(p, kTag2, r->size);
        std::memcpy(p, r->span, r->size);
        p += r->size;
      }
      if (!s.schema_url.empty()) p = write_bytes_field(p, kTag3, s.schema_url);
    }
    if (!ri_info.schema_url.empty()) p = write_bytes_field(p, kTag3, ri_info.schema_url);
  }
}

}  // namespace otlpd::tail_sampling
