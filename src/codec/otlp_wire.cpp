// The wire walk: one table per message type (field number → what the bytes must be), built from descriptors.
#include "codec/otlp_wire.h"

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

namespace otlpd::otlp_wire {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

enum WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLen = 2, kStartGroup = 3, kEndGroup = 4, kFixed32 = 5 };

enum class Kind : uint8_t { kUnknown, kVarint, kFixed64, kFixed32, kString, kBytes, kMessage };

struct Schema;

struct Rule {
  Kind kind = Kind::kUnknown;
  bool repeated = false;  // scalars: the packed encoding is accepted too
  bool counted = false;   // each occurrence is one item
  uint8_t id_len = 0;     // bytes holding an OTLP id: 0 or exactly id_len bytes
  const Schema* message = nullptr;
  const FieldDescriptor* fd = nullptr;
};

struct Schema {
  std::vector<Rule> by_number;  // index = field number; kUnknown where the message has no such field
  const Rule* rules = nullptr;  // by_number.data(), and its size: read in the hot loop
  uint32_t count = 0;

  const Rule* rule(uint32_t number) const {
    if (number >= count) return nullptr;
    const Rule& r = rules[number];
    return r.kind == Kind::kUnknown ? nullptr : &r;
  }
};

uint8_t id_length(const FieldDescriptor* fd) {
  if (fd->type() != FieldDescriptor::TYPE_BYTES || !fd->containing_type()->full_name().starts_with("opentelemetry."))
    return 0;
  if (fd->name() == "trace_id") return 16;
  if (fd->name() == "span_id" || fd->name() == "parent_span_id") return 8;
  return 0;
}

Kind kind_of(const FieldDescriptor* fd) {
  switch (fd->type()) {
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_INT64:
    case FieldDescriptor::TYPE_UINT32:
    case FieldDescriptor::TYPE_UINT64:
    case FieldDescriptor::TYPE_SINT32:
    case FieldDescriptor::TYPE_SINT64:
    case FieldDescriptor::TYPE_BOOL:
    case FieldDescriptor::TYPE_ENUM:
      return Kind::kVarint;
    case FieldDescriptor::TYPE_FIXED64:
    case FieldDescriptor::TYPE_SFIXED64:
    case FieldDescriptor::TYPE_DOUBLE:
      return Kind::kFixed64;
    case FieldDescriptor::TYPE_FIXED32:
    case FieldDescriptor::TYPE_SFIXED32:
    case FieldDescriptor::TYPE_FLOAT:
      return Kind::kFixed32;
    case FieldDescriptor::TYPE_STRING:
      // protobuf's parser checks UTF-8 in proto3 strings only.
      return fd->file()->syntax() == google::protobuf::FileDescriptor::SYNTAX_PROTO3 ? Kind::kString : Kind::kBytes;
    case FieldDescriptor::TYPE_BYTES:
      return Kind::kBytes;
    case FieldDescriptor::TYPE_MESSAGE:
      return Kind::kMessage;
    case FieldDescriptor::TYPE_GROUP:
      return Kind::kUnknown;  // not in OTLP; parsed as unknown fields
  }
  return Kind::kUnknown;
}

class Schemas {
 public:
  const Schema& get(const Descriptor* d) {
    std::lock_guard lock(mu_);
    return build(d);
  }

 private:
  const Schema& build(const Descriptor* d) {
    if (auto it = built_.find(d); it != built_.end()) return *it->second;
    auto& s = *built_.emplace(d, std::make_unique<Schema>()).first->second;  // before recursing: types nest
    int max_number = 0;
    for (int i = 0; i < d->field_count(); ++i) max_number = std::max(max_number, d->field(i)->number());
    // OTLP's field numbers are small; a sparse message would only cost table space.
    s.by_number.resize(static_cast<size_t>(max_number) + 1);
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* fd = d->field(i);
      Rule r;
      r.kind = kind_of(fd);
      r.repeated = fd->is_repeated();
      r.counted = counts_items(fd);
      r.id_len = id_length(fd);
      r.fd = fd;
      if (r.kind == Kind::kMessage) r.message = &build(fd->message_type());
      s.by_number[static_cast<size_t>(fd->number())] = r;
    }
    s.rules = s.by_number.data();
    s.count = static_cast<uint32_t>(s.by_number.size());
    return s;
  }

  std::mutex mu_;
  std::map<const Descriptor*, std::unique_ptr<Schema>> built_;
};

Schemas& schemas() {
  static Schemas s;
  return s;
}

// Varint readers with protobuf's own bounds: tags up to 5 bytes (high bits dropped), values up to 10, lengths
// up to 5.
bool read_varint(const uint8_t*& p, const uint8_t* end, size_t max_bytes, uint64_t& out) {
  uint64_t v = 0;
  for (size_t i = 0; i < max_bytes; ++i) {
    if (p == end) return false;
    uint8_t b = *p++;
    v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if (b < 0x80) {
      out = v;
      return true;
    }
  }
  return false;
}

// UTF-8 validity. OTLP strings are short and mostly ASCII, which is checked 8 bytes at a time; anything else
// goes to simdjson's validator (whose per-call dispatch costs more than a short ASCII string).
inline bool valid_utf8(const uint8_t* p, size_t n) {
  // OR all bytes together with few branches: whole words, then the last (overlapping) word or, below 8 bytes,
  // two overlapping halves.
  uint64_t acc = 0;
  if (n >= 8) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      acc |= w;
    }
    uint64_t last;
    std::memcpy(&last, p + n - 8, 8);
    acc |= last;
  } else if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    acc = a | b;
  } else if (n > 0) {
    acc = p[0] | p[n / 2] | p[n - 1];
  }
  if ((acc & 0x8080808080808080ULL) == 0) return true;
  return simdjson::validate_utf8(reinterpret_cast<const char*>(p), n);
}

// Skips one varint of at most `max_bytes` bytes.
inline bool skip_varint(const uint8_t*& p, const uint8_t* end, size_t max_bytes) {
  const uint8_t* limit = end - p > static_cast<ptrdiff_t>(max_bytes) ? p + max_bytes : end;
  while (p < limit)
    if (*p++ < 0x80) return true;
  return false;
}

// Skips a varint, fixed64 or fixed32 value; returns why it cannot (null when it could).
inline const char* skip_scalar(WireType wt, const uint8_t*& p, const uint8_t* end) {
  switch (wt) {
    case kVarint:
      return skip_varint(p, end, 10) ? nullptr : "malformed varint";
    case kFixed64:
      if (end - p < 8) return "truncated fixed64";
      p += 8;
      return nullptr;
    case kFixed32:
      if (end - p < 4) return "truncated fixed32";
      p += 4;
      return nullptr;
    default:
      return "invalid wire type";
  }
}

struct Walk {
  bool check_ids = true;
  size_t items = 0;
  const uint8_t* error_at = nullptr;  // where the offending field's tag starts
  std::string reason;

  bool fail(const uint8_t* at, std::string why) {
    error_at = at;
    reason = std::move(why);
    return false;
  }

  // A message's fields from `p` to `end`; `depth` is its nesting level (the root is 0). The hot loop of every
  // receiver: nested messages are entered and left on an explicit stack rather than by recursion, and one-byte
  // tags and lengths are read without a call.
  bool message(const Schema* s, const uint8_t* p, const uint8_t* end, int depth) {
    struct Frame {
      const Schema* schema;
      const uint8_t* end;
    };
    Frame stack[kMaxDepth + 1];
    const int base = depth;
    for (;;) {
      if (p >= end) {
        if (depth == base) return true;
        --depth;
        s = stack[depth - base].schema;
        end = stack[depth - base].end;
        continue;
      }
      const uint8_t* field_start = p;
      uint32_t tag = *p;
      if (tag < 0x80) {
        ++p;
      } else {
        uint64_t tag64;
        if (!read_varint(p, end, 5, tag64)) return fail(field_start, "malformed field tag");
        tag = static_cast<uint32_t>(tag64);
      }
      const uint32_t number = tag >> 3;
      const auto wt = static_cast<WireType>(tag & 7);
      if (number == 0) return fail(field_start, "field number 0");
      const Rule* r = s && number < s->count ? &s->rules[number] : nullptr;
      if (wt == kLen) {
        uint64_t len;
        if (p < end && *p < 0x80) {
          len = *p++;
        } else if (!read_varint(p, end, 5, len)) {
          return fail(field_start, "malformed length");
        }
        if (len > static_cast<uint64_t>(end - p)) return fail(field_start, "length past the end of the data");
        const uint8_t* body = p;
        p += len;
        if (!r) continue;
        if (r->kind == Kind::kMessage) {
          if (depth + 1 > kMaxDepth) return fail(field_start, "nested too deeply");
          items += r->counted;
          stack[depth - base] = Frame{s, end};
          ++depth;
          s = r->message;
          end = p;
          p = body;
          continue;
        }
        if (!value(*r, field_start, body, p)) return false;
        continue;
      }
      switch (wt) {
        case kVarint:
        case kFixed64:
        case kFixed32:
          if (const char* why = skip_scalar(wt, p, end)) return fail(field_start, why);
          break;
        case kStartGroup:
          // Only unknown fields can be groups here (OTLP has none); protobuf keeps them, a nesting level each.
          p = group(field_start, p, end, depth + 1, number);
          if (!p) return false;
          break;
        case kEndGroup:
          return fail(field_start, "unexpected end-group tag");
        default:
          return fail(field_start, std::string("invalid wire type ").append(std::to_string(static_cast<int>(wt))));
      }
    }
  }

  // A length-delimited value of a known field that is not a message. Strings first: the most frequent.
  [[gnu::always_inline]] bool value(const Rule& r, const uint8_t* field_start, const uint8_t* body,
                                    const uint8_t* body_end) {
    const auto len = static_cast<size_t>(body_end - body);
    if (r.kind == Kind::kString) {
      if (valid_utf8(body, len)) [[likely]]
        return true;
      return fail(field_start, "invalid UTF-8");
    }
    if (r.kind == Kind::kBytes) {
      if (r.id_len != 0 && len != 0 && len != r.id_len && check_ids)
        return fail(field_start, std::to_string(len).append(" bytes, expected ").append(std::to_string(r.id_len)));
      return true;
    }
    if (!r.repeated) return true;  // a scalar with a mismatched wire type: protobuf keeps it as unknown
    if (r.kind == Kind::kVarint) {
      for (const uint8_t* q = body; q < body_end;)
        if (!skip_varint(q, body_end, 10)) return fail(field_start, "malformed packed varint");
      return true;
    }
    if ((r.kind == Kind::kFixed64 && len % 8 != 0) || (r.kind == Kind::kFixed32 && len % 4 != 0))
      return fail(field_start, "packed field of a partial element");
    return true;
  }

  // An unknown group's fields up to its end-group tag (which must carry the group's field number). Returns where
  // the group ends, or null on failure. (`p` goes by value so that the hot loop keeps its own in a register.)
  const uint8_t* group(const uint8_t* group_start, const uint8_t* p, const uint8_t* end, int depth,
                       uint32_t group_number) {
    if (depth > kMaxDepth) return fail_null(group_start, "nested too deeply");
    while (p < end) {
      const uint8_t* field_start = p;
      uint64_t tag64;
      if (!read_varint(p, end, 5, tag64)) return fail_null(field_start, "malformed field tag");
      const auto tag = static_cast<uint32_t>(tag64);
      const uint32_t number = tag >> 3;
      if (number == 0) return fail_null(field_start, "field number 0");
      const auto wt = static_cast<WireType>(tag & 7);
      switch (wt) {
        case kVarint:
        case kFixed64:
        case kFixed32:
          if (const char* why = skip_scalar(wt, p, end)) return fail_null(field_start, why);
          break;
        case kLen: {
          uint64_t len;
          if (!read_varint(p, end, 5, len)) return fail_null(field_start, "malformed length");
          if (len > static_cast<uint64_t>(end - p)) return fail_null(field_start, "length past the end of the data");
          p += len;
          break;
        }
        case kStartGroup:
          p = group(field_start, p, end, depth + 1, number);
          if (!p) return nullptr;
          break;
        case kEndGroup:
          if (number == group_number) return p;
          return fail_null(field_start, "end-group tag of another group");
        default:
          return fail_null(field_start, "invalid wire type");
      }
    }
    return fail_null(group_start, "group without an end-group tag");
  }

  const uint8_t* fail_null(const uint8_t* at, std::string why) {
    fail(at, std::move(why));
    return nullptr;
  }
};

// The path to the field at `target` in OTLP/JSON names ("resourceSpans[0].scopeSpans[1].spans[4].traceId"):
// a second, descending walk, run only to describe an error.
std::string path_to(const Schema& root, const uint8_t* begin, const uint8_t* end, const uint8_t* target) {
  std::string path;
  const Schema* s = &root;
  const uint8_t* p = begin;
  while (s && p < end) {
    std::map<uint32_t, size_t> seen;  // occurrences so far of each field of this message
    const Schema* next = nullptr;
    const uint8_t* next_begin = nullptr;
    const uint8_t* next_end = nullptr;
    while (p < end) {
      const uint8_t* field_start = p;
      uint64_t tag64;
      if (!read_varint(p, end, 5, tag64)) return path;
      const uint32_t number = static_cast<uint32_t>(tag64) >> 3;
      const auto wt = static_cast<WireType>(tag64 & 7);
      const Rule* r = s->rule(number);
      size_t index = seen[number]++;
      const uint8_t* value_end = p;
      if (wt == kLen) {
        uint64_t len;
        if (!read_varint(p, end, 5, len) || len > static_cast<uint64_t>(end - p))
          value_end = end;
        else
          value_end = p + len;
      } else if (wt == kVarint) {
        uint64_t v;
        if (!read_varint(p, end, 10, v))
          value_end = end;
        else
          value_end = p;
      } else if (wt == kFixed64) {
        value_end = std::min(end, p + 8);
      } else if (wt == kFixed32) {
        value_end = std::min(end, p + 4);
      } else {
        value_end = end;  // groups and bad wire types: the error is here or inside
      }
      if (target >= value_end) {
        p = value_end;
        continue;
      }
      if (target < field_start) return path;
      // The target is this field or lies inside it.
      if (!path.empty()) path += '.';
      if (!r) {
        path += "<field ";
        path += std::to_string(number);
        path += '>';
        return path;
      }
      path += r->fd->json_name();
      if (r->repeated) {
        path += '[';
        path += std::to_string(index);
        path += ']';
      }
      if (target == field_start || r->kind != Kind::kMessage || wt != kLen) return path;
      next = r->message;
      next_begin = p;
      next_end = value_end;
      break;
    }
    if (!next) return path;
    s = next;
    p = next_begin;
    end = next_end;
  }
  return path;
}

}  // namespace

CheckResult check(const Descriptor* root, std::string_view bytes, bool check_ids) {
  const Schema& schema = schemas().get(root);
  const auto* begin = reinterpret_cast<const uint8_t*>(bytes.data());
  const auto* end = begin + bytes.size();
  Walk w;
  w.check_ids = check_ids;
  CheckResult result;
  if (w.message(&schema, begin, end, 0)) {
    result.ok = true;
    result.items = w.items;
    return result;
  }
  std::string path = path_to(schema, begin, end, w.error_at);
  if (path.empty()) {
    result.error = std::move(w.reason);
  } else {
    result.error = std::move(path);
    result.error += ": ";
    result.error += w.reason;
  }
  return result;
}

// The repeated fields whose elements are what OTLP counts: spans, log records, metric data points.
bool counts_items(const FieldDescriptor* fd) {
  static const std::set<std::string> kCounted = {
      "opentelemetry.proto.trace.v1.ScopeSpans.spans",
      "opentelemetry.proto.logs.v1.ScopeLogs.log_records",
      "opentelemetry.proto.metrics.v1.Gauge.data_points",
      "opentelemetry.proto.metrics.v1.Sum.data_points",
      "opentelemetry.proto.metrics.v1.Histogram.data_points",
      "opentelemetry.proto.metrics.v1.ExponentialHistogram.data_points",
      "opentelemetry.proto.metrics.v1.Summary.data_points",
  };
  return kCounted.contains(fd->full_name());
}

}  // namespace otlpd::otlp_wire
