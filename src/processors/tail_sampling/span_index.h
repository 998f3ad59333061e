// The spans of a trace batch found in its wire bytes: where each span's bytes are, its trace id, and the
// resource and scope it came with. Nothing is decoded; spans are later copied byte for byte.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "model/batch.h"
#include "processors/tail_sampling/decision_cache.h"

namespace otlpd::tail_sampling {

struct ResourceInfo {
  std::string_view resource;  // the Resource's serialised body, when present
  bool has_resource = false;
  std::string_view schema_url;
};
struct ScopeInfo {
  uint32_t resource = 0;
  std::string_view scope;  // the InstrumentationScope's serialised body, when present
  bool has_scope = false;
  std::string_view schema_url;
};
struct SpanRef {
  TraceId id;
  uint32_t shard = 0;
  uint32_t scope = 0;          // index into the ScopeInfo list; orders by resource too
  const char* span = nullptr;  // the Span's serialised body, as received
  uint32_t size = 0;
  bool root = false;  // no parent span id (empty or all zeros)
};

// Views into the batch's bytes: the batch must outlive the index.
class SpanIndex {
 public:
  // Indexes every part: received bytes as they are, decoded-only parts serialised (and checked, as received
  // bytes were). An error message when a part cannot be read as an ExportTraceServiceRequest; empty when fine.
  std::string add(const TraceBatch& batch);

  std::vector<ResourceInfo> resources;
  std::vector<ScopeInfo> scopes;
  std::vector<SpanRef> refs;

 private:
  std::string add_request(std::string_view request);
  std::string add_resource_spans(std::string_view bytes);
  std::string add_scope_spans(std::string_view bytes, uint32_t resource);
  // A sub-message field. Given again, protobuf merges the occurrences, which on the wire is concatenation.
  void add_message(std::string_view& body, bool& present, std::string_view more);

  std::deque<std::string> owned_;  // serialised decoded parts and merged bodies; a deque keeps views valid
};

}  // namespace otlpd::tail_sampling
