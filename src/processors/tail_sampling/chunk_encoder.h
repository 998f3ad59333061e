// Wire encoding of pending trace data: a growable byte buffer and the encoder that writes one trace's spans
// as ResourceSpans entries of an ExportTraceServiceRequest without building protobuf objects.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec/wire_reader.h"
#include "processors/tail_sampling/span_index.h"

namespace otlpd::tail_sampling {

// Growable bytes on malloc: grows in place where the allocator can (realloc), with at most 1/8 slack.
class ByteBuffer {
 public:
  ByteBuffer() = default;
  ByteBuffer(ByteBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), cap_(std::exchange(o.cap_, 0)) {}
  ByteBuffer& operator=(ByteBuffer&& o) noexcept {
    if (this != &o) {
      std::free(data_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      cap_ = std::exchange(o.cap_, 0);
    }
    return *this;
  }
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;
  ~ByteBuffer() { std::free(data_); }

  // Room for `n` more bytes at the end; returns where to write them.
  char* extend(size_t n) {
    size_t need = size_ + n;
    if (need > cap_) {
      size_t cap = cap_ == 0 ? need : std::max(need, cap_ + cap_ / 8);
      void* p = std::realloc(data_, cap);
      if (!p) throw std::bad_alloc();
      data_ = static_cast<char*>(p);
      cap_ = cap;
    }
    char* out = data_ + size_;
    size_ = need;
    return out;
  }
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return cap_; }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t cap_ = 0;
};

using otlp_wire::varint_size;

inline char* write_varint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// A length-delimited field: tag byte, length, then the body (written by the caller).
inline size_t field_size(size_t body) { return 1 + varint_size(body) + body; }
inline char* write_field_header(char* p, char tag, size_t body) {
  *p++ = tag;
  return write_varint(p, body);
}
inline char* write_bytes_field(char* p, char tag, std::string_view bytes) {
  p = write_field_header(p, tag, bytes.size());
  std::memcpy(p, bytes.data(), bytes.size());
  return p + bytes.size();
}

// Field tags (field number << 3 | length-delimited).
constexpr char kTag1 = 0x0A, kTag2 = 0x12, kTag3 = 0x1A;

inline size_t scope_body_size(const ScopeInfo& s, size_t spans_bytes) {
  size_t n = spans_bytes;
  if (s.has_scope) n += field_size(s.scope.size());
  if (!s.schema_url.empty()) n += field_size(s.schema_url.size());
  return n;
}
inline size_t resource_extra_size(const ResourceInfo& r) {
  size_t n = 0;
  if (r.has_resource) n += field_size(r.resource.size());
  if (!r.schema_url.empty()) n += field_size(r.schema_url.size());
  return n;
}

// Writes spans [begin, end) of one trace (sorted by scope) as ResourceSpans entries of an
// ExportTraceServiceRequest, each span's bytes copied as they came.
class ChunkEncoder {
 public:
  ChunkEncoder(const std::vector<ResourceInfo>& resources, const std::vector<ScopeInfo>& scopes)
      : resources_(resources), scopes_(scopes) {}

  // The serialised size of spans [begin, end) as ResourceSpans entries; remembers the nested sizes.
  size_t measure(const SpanRef* begin, const SpanRef* end);
  // Writes what measure() measured (same range, called right after it).
  void write(char* p, const SpanRef* begin, const SpanRef* end);

 private:
  const std::vector<ResourceInfo>& resources_;
  const std::vector<ScopeInfo>& scopes_;
  std::vector<size_t> scope_sizes_, resource_sizes_;
};

}  // namespace otlpd::tail_sampling
