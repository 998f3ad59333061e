// Typed YAML scalars, string matchers, span kind and severity names for processor configs.
#include "processors/common/config_value.h"

#include <re2/re2.h>

#include <cctype>
#include <charconv>
#include <limits>
#include <utility>

#include "config/node.h"
#include "platform/text.h"

namespace otlpd::processors {

namespace {

bool parse_int(std::string_view s, int64_t& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_double(std::string_view s, double& out) {
  auto l = ascii_lower(s);
  if (l == ".inf" || l == "+.inf") return out = std::numeric_limits<double>::infinity(), true;
  if (l == "-.inf") return out = -std::numeric_limits<double>::infinity(), true;
  if (l == ".nan") return out = std::numeric_limits<double>::quiet_NaN(), true;
  std::string_view t = s;
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  if (t.empty() || t.find_first_not_of("0123456789.eE+-") != std::string_view::npos) return false;
  if (t.find_first_of("0123456789") == std::string_view::npos) return false;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  return ec == std::errc() && p == t.data() + t.size();
}

}  // namespace

ConfigValue typed_scalar(const ConfigNode& node) {
  if (node.is_null()) node.fail("expected a value, got null");
  if (!node.is_scalar()) node.fail("expected a scalar value (string, number or bool)");
  std::string text = node.scalar();
  // yaml-cpp tags quoted scalars "!" and plain ones "?": only plain scalars take a YAML type.
  if (node.yaml().Tag() == "!") return ConfigValue(std::move(text));
  auto l = ascii_lower(text);
  int64_t i = 0;
  double d = 0;
  if (l == "true" || l == "false") return ConfigValue(l == "true");
  if (parse_int(text, i)) return ConfigValue(i);
  if (parse_double(text, d)) return ConfigValue(d);
  return ConfigValue(std::move(text));
}

StringMatcher StringMatcher::strict(std::string text) {
  StringMatcher m;
  m.text_ = std::move(text);
  return m;
}

StringMatcher StringMatcher::regexp(const std::string& pattern, const ConfigNode& where) {
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const RE2>(pattern, opts);
  if (!re->ok()) where.fail("invalid regular expression '" + pattern + "': " + re->error());
  StringMatcher m;
  m.text_ = pattern;
  m.re_ = std::move(re);
  return m;
}

bool StringMatcher::matches(std::string_view s) const {
  if (re_) return RE2::PartialMatch(s, *re_);
  return s == text_;
}

std::string_view span_kind_name(int kind) {
  static constexpr std::string_view kNames[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
                                                "SPAN_KIND_CLIENT",      "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"};
  if (kind < 0 || kind >= 6) return "SPAN_KIND_UNSPECIFIED";
  return kNames[kind];
}

int parse_span_kind(std::string_view text) {
  std::string u(text);
  for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (u.rfind("SPAN_KIND_", 0) != 0) u = "SPAN_KIND_" + u;
  for (int k = 0; k < 6; ++k)
    if (span_kind_name(k) == u) return k;
  return -1;
}

int parse_severity_number(std::string_view text) {
  int64_t n = 0;
  if (parse_int(text, n)) return n >= 0 && n <= 24 ? static_cast<int>(n) : -1;
  std::string u(text);
  for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static constexpr std::pair<std::string_view, int> kBases[] = {{"TRACE", 1}, {"DEBUG", 5},  {"INFO", 9},
                                                                {"WARN", 13}, {"ERROR", 17}, {"FATAL", 21}};
  for (const auto& [name, base] : kBases) {
    if (u.rfind(name, 0) != 0) continue;
    std::string_view rest = std::string_view(u).substr(name.size());
    if (rest.empty()) return base;
    if (rest.size() == 1 && rest[0] >= '2' && rest[0] <= '4') return base + (rest[0] - '1');
  }
  if (u == "UNSPECIFIED" || u == "SEVERITY_NUMBER_UNSPECIFIED") return 0;
  return -1;
}

}  // namespace otlpd::processors
