// Shared by processors: typed YAML scalars, OTLP AnyValue conversions, attribute lookups and string matchers.
#pragma once

#include <google/protobuf/repeated_ptr_field.h>

#include <memory>
#include <string>
#include <string_view>

#include "opentelemetry/proto/common/v1/common.pb.h"

namespace re2 {
class RE2;
}

namespace otlpd {
class ConfigNode;
}

namespace otlpd::processors {

using AnyValue = opentelemetry::proto::common::v1::AnyValue;
using KeyValue = opentelemetry::proto::common::v1::KeyValue;
using Attributes = google::protobuf::RepeatedPtrField<KeyValue>;

// A YAML scalar typed as YAML 1.2 types it: quoted → string; plain true/false → bool, integers → int,
// decimals (and .inf/.nan) → double; anything else → string. Fails (with path and line) on null or non-scalars.
AnyValue typed_scalar(const ConfigNode& node);

// The Collector's Value.AsString: strings as they are, numbers and bools as text, bytes as base64,
// maps and arrays as JSON.
std::string as_string(const AnyValue& v);
// Same type and value; int and double compare numerically.
bool values_equal(const AnyValue& a, const AnyValue& b);

const AnyValue* find_attribute(const Attributes& attrs, std::string_view key);
AnyValue* find_attribute(Attributes& attrs, std::string_view key);
// The value under `key`, cleared, or a new entry for it: set it to upsert.
AnyValue& put_attribute(Attributes& attrs, std::string_view key);
// Removes every entry with `key`; returns whether there was one.
bool remove_attribute(Attributes& attrs, std::string_view key);

// A string compared exactly, or an RE2 regular expression that may match anywhere in the string
// (unanchored, as Go's regexp.MatchString in the Collector).
class StringMatcher {
 public:
  static StringMatcher strict(std::string text);
  // Fails at `where` (path and line) when the pattern does not compile.
  static StringMatcher regexp(const std::string& pattern, const ConfigNode& where);

  bool matches(std::string_view s) const;
  bool is_regexp() const { return re_ != nullptr; }
  const std::string& text() const { return text_; }
  // The compiled expression (regexp matchers only).
  const re2::RE2* re() const { return re_.get(); }

 private:
  std::string text_;
  std::shared_ptr<const re2::RE2> re_;
};

// Span kinds as the Collector names them ("SPAN_KIND_SERVER"); index is the OTLP enum value.
std::string_view span_kind_name(int kind);
// Accepts "SPAN_KIND_SERVER", "server", "Server"; returns -1 when unknown.
int parse_span_kind(std::string_view text);
// Severity numbers by name: "INFO" → 9, "INFO2" → 10, ..., "FATAL4" → 24; also plain numbers. -1 when unknown.
int parse_severity_number(std::string_view text);

// The `service.name` resource attribute as a string, or empty.
std::string service_name(const Attributes& resource_attrs);

}  // namespace otlpd::processors

namespace otlpd::processors {

// Removes the elements for which `drop` holds, keeping the order of the others; returns how many went.
// Elements live on the message's arena, so removal only drops pointers.
template <typename T, typename Pred>
size_t erase_if(google::protobuf::RepeatedPtrField<T>& items, Pred drop) {
  const int n = items.size();
  int out = 0;
  for (int i = 0; i < n; ++i) {
    if (drop(*items.Mutable(i))) continue;
    if (out != i) items.SwapElements(out, i);
    ++out;
  }
  if (out < n) items.DeleteSubrange(out, n - out);
  return static_cast<size_t>(n - out);
}

}  // namespace otlpd::processors
