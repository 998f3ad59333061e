// OTTL values: what paths, literals and converters produce, with OTTL's comparison and math rules.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

#include "opentelemetry/proto/common/v1/common.pb.h"

namespace otlpd::ottl {

using AnyValue = opentelemetry::proto::common::v1::AnyValue;
using KeyValue = opentelemetry::proto::common::v1::KeyValue;

// A failure while evaluating a statement for one item (a type the function cannot take, a division by zero):
// the processor's error_mode decides what happens. Never thrown for a well-typed statement on normal data.
class EvalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};
struct Time {
  int64_t unix_nano = 0;
  bool operator==(const Time&) const = default;
};
struct Dur {
  int64_t nanos = 0;
  bool operator==(const Dur&) const = default;
};

// nil, bool, int64, float64, string, bytes, a map or list (held as an AnyValue with kvlist_value or
// array_value), time and duration: the types OTTL functions pass around.
class Value {
 public:
  using Storage = std::variant<std::monostate, bool, int64_t, double, std::string, Bytes, AnyValue, Time, Dur>;

  Value() = default;
  Value(bool b) : v_(b) {}
  Value(int64_t i) : v_(i) {}
  Value(int i) : v_(static_cast<int64_t>(i)) {}
  Value(double d) : v_(d) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(Bytes b) : v_(std::move(b)) {}
  Value(Time t) : v_(t) {}
  Value(Dur d) : v_(d) {}
  // A map or list AnyValue keeps its shape; a scalar AnyValue becomes the scalar (from_any).
  static Value from_any(const AnyValue& v);
  static Value map(AnyValue kvlist);

  bool is_nil() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_int() const { return std::holds_alternative<int64_t>(v_); }
  bool is_double() const { return std::holds_alternative<double>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_bytes() const { return std::holds_alternative<Bytes>(v_); }
  bool is_map() const { return is_any() && any().has_kvlist_value(); }
  bool is_list() const { return is_any() && any().has_array_value(); }
  bool is_time() const { return std::holds_alternative<Time>(v_); }
  bool is_duration() const { return std::holds_alternative<Dur>(v_); }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_double() const { return std::get<double>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const std::string& as_bytes() const { return std::get<Bytes>(v_).data; }
  const AnyValue& any() const { return std::get<AnyValue>(v_); }
  AnyValue& any() { return std::get<AnyValue>(v_); }
  Time as_time() const { return std::get<Time>(v_); }
  Dur as_duration() const { return std::get<Dur>(v_); }
  const Storage& storage() const { return v_; }

  // The value as an OTLP AnyValue (time as its unix nanoseconds, duration as nanoseconds; nil as empty).
  AnyValue to_any() const;
  void to_any(AnyValue& out) const;
  // The Collector's type name, for errors: "string", "int64", "pcommon.Map"...
  std::string type_name() const;
  // The Collector's Value.AsString (maps and lists as JSON, bytes as hex); for String() and Concat.
  std::string to_text() const;

 private:
  bool is_any() const { return std::holds_alternative<AnyValue>(v_); }
  Storage v_;
};

enum class CompareOp { eq, ne, lt, le, gt, ge };
enum class MathOp { add, sub, mul, div };

// `op` applied to two values of one ordered type.
template <typename T>
bool ordered(const T& a, const T& b, CompareOp op) {
  switch (op) {
    case CompareOp::eq:
      return a == b;
    case CompareOp::ne:
      return a != b;
    case CompareOp::lt:
      return a < b;
    case CompareOp::le:
      return a <= b;
    case CompareOp::gt:
      return a > b;
    case CompareOp::ge:
      return a >= b;
  }
  return false;
}

// OTTL's typed comparison: nil equals only nil; different types are unequal and unordered, except int and float
// (compared as floats); strings and bytes compare lexically, bools with false < true; maps and lists only by
// (in)equality.
bool compare(const Value& a, const Value& b, CompareOp op);
// int op int → int, float op float (or mixed) → float, time - time → duration, time ± duration → time,
// duration ± duration → duration; anything else, or integer division by zero, is an EvalError.
Value math(const Value& a, const Value& b, MathOp op);

// Scalar AnyValues compared as Values would be (for keep/delete by value and tests).
bool any_equal(const AnyValue& a, const AnyValue& b);

}  // namespace otlpd::ottl
