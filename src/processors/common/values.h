// Shared by processors: OTLP AnyValue conversions (from config values too) and attribute lookups.
#pragma once

#include <google/protobuf/repeated_ptr_field.h>

#include <memory>
#include <string>
#include <string_view>

#include "opentelemetry/proto/common/v1/common.pb.h"
#include "processors/common/config_value.h"

namespace otlpd::processors {

using AnyValue = opentelemetry::proto::common::v1::AnyValue;
using KeyValue = opentelemetry::proto::common::v1::KeyValue;
using Attributes = google::protobuf::RepeatedPtrField<KeyValue>;

// The AnyValue that holds `v`.
void set_any_value(AnyValue& out, const ConfigValue& v);
AnyValue to_any_value(const ConfigValue& v);

// The Collector's Value.AsString: strings as they are, numbers and bools as text, bytes as base64,
// maps and arrays as JSON.
std::string as_string(const AnyValue& v);
// Same type and value; int and double compare numerically.
bool values_equal(const AnyValue& a, const AnyValue& b);
bool values_equal(const AnyValue& a, const ConfigValue& b);

const AnyValue* find_attribute(const Attributes& attrs, std::string_view key);
AnyValue* find_attribute(Attributes& attrs, std::string_view key);
// The value under `key`, cleared, or a new entry for it: set it to upsert.
AnyValue& put_attribute(Attributes& attrs, std::string_view key);
// Removes every entry with `key`; returns whether there was one.
bool remove_attribute(Attributes& attrs, std::string_view key);

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
