// AnyValue conversions and attribute lookups shared by processors.
#include "processors/common/values.h"

#include "model/any_value.h"

namespace otlpd::processors {

void set_any_value(AnyValue& out, const ConfigValue& v) {
  if (v.is_string())
    out.set_string_value(v.string_value());
  else if (v.is_bool())
    out.set_bool_value(v.bool_value());
  else if (v.is_int())
    out.set_int_value(v.int_value());
  else
    out.set_double_value(v.double_value());
}

AnyValue to_any_value(const ConfigValue& v) {
  AnyValue out;
  set_any_value(out, v);
  return out;
}

std::string as_string(const AnyValue& v) { return any_value_as_string(v); }

bool values_equal(const AnyValue& a, const AnyValue& b) {
  auto number = [](const AnyValue& v, double& out) {
    if (v.value_case() == AnyValue::kIntValue) return out = static_cast<double>(v.int_value()), true;
    if (v.value_case() == AnyValue::kDoubleValue) return out = v.double_value(), true;
    return false;
  };
  double x = 0, y = 0;
  if (a.value_case() != b.value_case()) return number(a, x) && number(b, y) && x == y;
  switch (a.value_case()) {
    case AnyValue::kStringValue:
      return a.string_value() == b.string_value();
    case AnyValue::kBoolValue:
      return a.bool_value() == b.bool_value();
    case AnyValue::kIntValue:
      return a.int_value() == b.int_value();
    case AnyValue::kDoubleValue:
      return a.double_value() == b.double_value();
    case AnyValue::kBytesValue:
      return a.bytes_value() == b.bytes_value();
    default:
      return as_string(a) == as_string(b);
  }
}

bool values_equal(const AnyValue& a, const ConfigValue& b) {
  switch (a.value_case()) {
    case AnyValue::kStringValue:
      return b.is_string() && a.string_value() == b.string_value();
    case AnyValue::kBoolValue:
      return b.is_bool() && a.bool_value() == b.bool_value();
    case AnyValue::kIntValue:
      if (b.is_double()) return static_cast<double>(a.int_value()) == b.double_value();
      return b.is_int() && a.int_value() == b.int_value();
    case AnyValue::kDoubleValue:
      if (b.is_int()) return a.double_value() == static_cast<double>(b.int_value());
      return b.is_double() && a.double_value() == b.double_value();
    default:
      return false;
  }
}

const AnyValue* find_attribute(const Attributes& attrs, std::string_view key) {
  for (const auto& kv : attrs)
    if (kv.key() == key) return &kv.value();
  return nullptr;
}

AnyValue* find_attribute(Attributes& attrs, std::string_view key) {
  for (auto& kv : attrs)
    if (kv.key() == key) return kv.mutable_value();
  return nullptr;
}

AnyValue& put_attribute(Attributes& attrs, std::string_view key) {
  if (auto* v = find_attribute(attrs, key)) {
    v->Clear();
    return *v;
  }
  auto* kv = attrs.Add();
  kv->set_key(std::string(key));
  return *kv->mutable_value();
}

bool remove_attribute(Attributes& attrs, std::string_view key) {
  int out = 0;
  const int n = attrs.size();
  for (int i = 0; i < n; ++i) {
    if (attrs.Get(i).key() == key) continue;
    if (out != i) attrs.SwapElements(out, i);
    ++out;
  }
  if (out == n) return false;
  attrs.DeleteSubrange(out, n - out);
  return true;
}

std::string service_name(const Attributes& resource_attrs) {
  const auto* v = find_attribute(resource_attrs, "service.name");
  return v ? as_string(*v) : std::string();
}

}  // namespace otlpd::processors
