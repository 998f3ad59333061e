// Values and matchers that processor configs hold, free of protobuf: a typed YAML scalar, string matchers, span
// kind and severity names. The processors convert them to OTLP values where they use them (values.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace re2 {
class RE2;
}

namespace otlpd {
class ConfigNode;
}

namespace otlpd::processors {

// A YAML scalar with the type YAML 1.2 gives it: string, bool, int or double (an AnyValue's scalar kinds).
class ConfigValue {
 public:
  using Storage = std::variant<std::string, bool, int64_t, double>;

  ConfigValue() = default;
  ConfigValue(std::string s) : v_(std::move(s)) {}
  ConfigValue(const char* s) : v_(std::string(s)) {}
  ConfigValue(bool b) : v_(b) {}
  ConfigValue(int64_t i) : v_(i) {}
  ConfigValue(double d) : v_(d) {}

  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_int() const { return std::holds_alternative<int64_t>(v_); }
  bool is_double() const { return std::holds_alternative<double>(v_); }
  const std::string& string_value() const { return std::get<std::string>(v_); }
  bool bool_value() const { return std::get<bool>(v_); }
  int64_t int_value() const { return std::get<int64_t>(v_); }
  double double_value() const { return std::get<double>(v_); }
  const Storage& storage() const { return v_; }

  bool operator==(const ConfigValue&) const = default;

 private:
  Storage v_;
};

// A YAML scalar typed as YAML 1.2 types it: quoted → string; plain true/false → bool, integers → int,
// decimals (and .inf/.nan) → double; anything else → string. Fails (with path and line) on null or non-scalars.
ConfigValue typed_scalar(const ConfigNode& node);

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

}  // namespace otlpd::processors
