// Editing the attribute lists of a serialised ExportTraceServiceRequest or ExportLogsServiceRequest without
// decoding it: every other field is copied as it came, and each attribute list is offered to an editor that
// keeps it, rewrites it on the wire, or hands back a decoded list.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "opentelemetry/proto/common/v1/common.pb.h"

namespace otlpd::otlp_wire {

using KeyValueList = google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>;

// log_body is not a list: an editor that wants it is asked body_unchanged() for each log record's body.
enum class AttributesOf : uint8_t { resource, scope, span, span_event, span_link, log_record, log_body };

// One attribute as it is on the wire. `raw` is the KeyValue's serialisation; an attribute an editor made has
// no `raw` and is written from `key` and `value` (an AnyValue's serialisation).
struct WireAttribute {
  std::string_view key;
  std::string_view value;
  std::string_view raw;
  bool has_value = false;
  // `raw` holds the key and the value once each and nothing else: rewriting it from `key` and `value` loses
  // nothing.
  bool plain = false;
};

// What an editor did with one list.
enum class Edit : uint8_t {
  keep,  // unchanged: written as received
  wire,  // the list to write is the editor's `wire` output (views must outlive the rewrite)
  list,  // the list to write is the editor's `list` output (decoded)
  fail,  // the editor could not read the list: the rewrite fails (callers decode instead)
};

class AttributeEditor {
 public:
  virtual ~AttributeEditor() = default;
  // Lists of the other kinds are copied without being read.
  virtual bool wants(AttributesOf where) const = 0;
  // Looks at one list, `in`, in received order.
  virtual Edit edit(AttributesOf where, std::span<const WireAttribute> in, std::vector<WireAttribute>& wire,
                    KeyValueList& list) = 0;
  // For editors that usually change nothing: true when edit() would keep `in`. When an editor has it
  // (has_keeps), the rewrite first reads the whole request asking keeps(), and writes a new request only
  // when some list would change; reading is cheaper than writing.
  virtual bool has_keeps() const { return false; }
  virtual bool keeps(AttributesOf, std::span<const WireAttribute>) { return false; }
  // For editors that want log_body: false when the editor would change a log record's body (a serialised
  // AnyValue); the rewrite then fails, and the caller edits the decoded request instead.
  virtual bool body_unchanged(std::string_view) { return true; }
};

struct RewriteResult {
  bool ok = false;
  bool changed = false;  // when false, `bytes` is empty and the input stands
  std::string bytes;
  std::string error;
};

// Rewrites `request` (bytes otlp_wire::check accepted as an ExportTraceServiceRequest). Unknown fields stay
// where they were; an edited list is written where its first attribute was (at the end of its message when
// it had none). The result parses to what the decoded request would be after the same edits.
RewriteResult rewrite_trace_attributes(std::string_view request, AttributeEditor& editor);
// The same for an ExportLogsServiceRequest: resource, scope and log record attributes.
RewriteResult rewrite_log_attributes(std::string_view request, AttributeEditor& editor);

// Decodes `in` into `out`, reusing `out`'s elements (no allocation once they are warm). False when an
// attribute does not parse.
bool parse_attributes(std::span<const WireAttribute> in, KeyValueList& out);

// The serialised AnyValue {string_value: s}, for editors writing values.
std::string string_any_value(std::string_view s);

// The string inside a serialised AnyValue that holds exactly one string_value; false for any other value.
// (Inline: redaction asks it of every attribute value.)
inline bool plain_string_value(std::string_view any_value, std::string_view& s) {
  if (any_value.size() < 2 || any_value[0] != 0x0A) return false;  // field 1, length-delimited
  size_t n = 0;
  for (size_t i = 1, shift = 0; i < any_value.size() && shift < 35; shift += 7) {
    auto b = static_cast<uint8_t>(any_value[i++]);
    n |= size_t(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      if (n != any_value.size() - i) return false;  // more fields follow, or too short
      s = any_value.substr(i);
      return true;
    }
  }
  return false;
}

}  // namespace otlpd::otlp_wire
