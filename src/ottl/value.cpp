// OTTL values: conversions to and from AnyValue, comparison and math.
#include "ottl/value.h"

#include <charconv>
#include <cmath>

#include "model/any_value.h"

namespace otlpd::ottl {

namespace {

std::string hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string double_text(double d) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc() ? std::string(buf, p) : std::string();
}

bool numeric(const Value& v, double& out) {
  if (v.is_int()) {
    out = static_cast<double>(v.as_int());
    return true;
  }
  if (v.is_double()) {
    out = v.as_double();
    return true;
  }
  return false;
}

}  // namespace

Value Value::from_any(const AnyValue& v) {
  switch (v.value_case()) {
    case AnyValue::kStringValue:
      return Value(v.string_value());
    case AnyValue::kBoolValue:
      return Value(v.bool_value());
    case AnyValue::kIntValue:
      return Value(static_cast<int64_t>(v.int_value()));
    case AnyValue::kDoubleValue:
      return Value(v.double_value());
    case AnyValue::kBytesValue:
      return Value(Bytes{v.bytes_value()});
    case AnyValue::kArrayValue:
    case AnyValue::kKvlistValue: {
      Value out;
      out.v_ = v;
      return out;
    }
    case AnyValue::VALUE_NOT_SET:
      break;
  }
  return Value();
}

Value Value::map(AnyValue kvlist) {
  if (!kvlist.has_kvlist_value()) kvlist.mutable_kvlist_value();
  Value out;
  out.v_ = std::move(kvlist);
  return out;
}

void Value::to_any(AnyValue& out) const {
  std::visit(
      [&out](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>)
          out.Clear();
        else if constexpr (std::is_same_v<T, bool>)
          out.set_bool_value(x);
        else if constexpr (std::is_same_v<T, int64_t>)
          out.set_int_value(x);
        else if constexpr (std::is_same_v<T, double>)
          out.set_double_value(x);
        else if constexpr (std::is_same_v<T, std::string>)
          out.set_string_value(x);
        else if constexpr (std::is_same_v<T, Bytes>)
          out.set_bytes_value(x.data);
        else if constexpr (std::is_same_v<T, AnyValue>)
          out.CopyFrom(x);
        else if constexpr (std::is_same_v<T, Time>)
          out.set_int_value(x.unix_nano);
        else
          out.set_int_value(x.nanos);
      },
      v_);
}

AnyValue Value::to_any() const {
  AnyValue out;
  to_any(out);
  return out;
}

std::string Value::type_name() const {
  static const char* names[] = {"nil",   "bool",        "int64",     "float64",      "string",
                                "bytes", "pcommon.Map", "time.Time", "time.Duration"};
  if (is_list()) return "pcommon.Slice";
  return names[v_.index()];
}

std::string Value::to_text() const {
  return std::visit(
      [this](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>)
          return "";
        else if constexpr (std::is_same_v<T, bool>)
          return x ? "true" : "false";
        else if constexpr (std::is_same_v<T, int64_t>)
          return std::to_string(x);
        else if constexpr (std::is_same_v<T, double>)
          return double_text(x);
        else if constexpr (std::is_same_v<T, std::string>)
          return x;
        else if constexpr (std::is_same_v<T, Bytes>)
          return hex(x.data);
        else if constexpr (std::is_same_v<T, AnyValue>)
          return any_value_as_string(x);
        else if constexpr (std::is_same_v<T, Time>)
          return std::to_string(x.unix_nano);
        else
          return std::to_string(x.nanos) + "ns";
        (void)this;
      },
      v_);
}

bool compare(const Value& a, const Value& b, CompareOp op) {
  const bool eq_op = op == CompareOp::eq || op == CompareOp::ne;
  double da, db;
  if (numeric(a, da) && numeric(b, db)) {
    if (a.is_int() && b.is_int()) return ordered(a.as_int(), b.as_int(), op);
    return ordered(da, db, op);
  }
  if (a.storage().index() != b.storage().index() || a.is_map() != b.is_map()) return op == CompareOp::ne;
  if (a.is_nil()) return op == CompareOp::eq || op == CompareOp::le || op == CompareOp::ge;
  if (a.is_string()) return ordered(a.as_string(), b.as_string(), op);
  if (a.is_bool()) return ordered(a.as_bool(), b.as_bool(), op);
  if (a.is_bytes()) return ordered(a.as_bytes(), b.as_bytes(), op);
  if (a.is_time()) return ordered(a.as_time().unix_nano, b.as_time().unix_nano, op);
  if (a.is_duration()) return ordered(a.as_duration().nanos, b.as_duration().nanos, op);
  // Maps and lists: equality only.
  if (!eq_op) return false;
  const bool same = a.any().SerializeAsString() == b.any().SerializeAsString();
  return (op == CompareOp::eq) == same;
}

Value math(const Value& a, const Value& b, MathOp op) {
  if (a.is_int() && b.is_int()) {
    const int64_t x = a.as_int(), y = b.as_int();
    switch (op) {
      case MathOp::add:
        return Value(static_cast<int64_t>(static_cast<uint64_t>(x) + static_cast<uint64_t>(y)));
      case MathOp::sub:
        return Value(static_cast<int64_t>(static_cast<uint64_t>(x) - static_cast<uint64_t>(y)));
      case MathOp::mul:
        return Value(static_cast<int64_t>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y)));
      case MathOp::div:
        if (y == 0) throw EvalError("attempted to divide by 0");
        if (x == INT64_MIN && y == -1) return Value(x);
        return Value(x / y);
    }
  }
  double x, y;
  if (numeric(a, x) && numeric(b, y)) {
    switch (op) {
      case MathOp::add:
        return Value(x + y);
      case MathOp::sub:
        return Value(x - y);
      case MathOp::mul:
        return Value(x * y);
      case MathOp::div:
        if (y == 0) throw EvalError("attempted to divide by 0");
        return Value(x / y);
    }
  }
  if (a.is_time() && b.is_time() && op == MathOp::sub) return Value(Dur{a.as_time().unix_nano - b.as_time().unix_nano});
  if (a.is_time() && b.is_duration() && (op == MathOp::add || op == MathOp::sub))
    return Value(Time{op == MathOp::add ? a.as_time().unix_nano + b.as_duration().nanos
                                        : a.as_time().unix_nano - b.as_duration().nanos});
  if (a.is_duration() && b.is_duration() && (op == MathOp::add || op == MathOp::sub))
    return Value(Dur{op == MathOp::add ? a.as_duration().nanos + b.as_duration().nanos
                                       : a.as_duration().nanos - b.as_duration().nanos});
  throw EvalError("unsupported math between " + a.type_name() + " and " + b.type_name());
}

bool any_equal(const AnyValue& a, const AnyValue& b) {
  return compare(Value::from_any(a), Value::from_any(b), CompareOp::eq);
}

}  // namespace otlpd::ottl
