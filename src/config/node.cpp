// Config nodes, env expansion and typed value parsing.
#include "config/node.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "platform/go_duration.h"
#include "platform/text.h"

namespace otlpd {

namespace {

bool is_var_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

namespace {

void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

void append_canonical(std::string& out, const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) {
    out += '~';
  } else if (n.IsScalar()) {
    append_quoted(out, expand_env(n.Scalar()));
  } else if (n.IsSequence()) {
    out += '[';
    for (size_t i = 0; i < n.size(); ++i) {
      if (i) out += ',';
      append_canonical(out, n[i]);
    }
    out += ']';
  } else if (n.IsMap()) {
    // Sorted through indices: assigning a YAML::Node (as a sort would) assigns into the node it refers to.
    std::vector<std::string> keys;
    std::vector<YAML::Node> values;
    for (const auto& kv : n) {
      keys.push_back(kv.first.Scalar());
      values.push_back(kv.second);
    }
    std::vector<size_t> order(keys.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return keys[a] < keys[b]; });
    out += '{';
    for (size_t i = 0; i < order.size(); ++i) {
      if (i) out += ',';
      append_quoted(out, keys[order[i]]);
      out += ':';
      append_canonical(out, values[order[i]]);
    }
    out += '}';
  }
}

}  // namespace

std::string canonical_text(const YAML::Node& node) {
  std::string out;
  append_canonical(out, node);
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

std::string expand_env(std::string_view text, std::vector<std::string>* unset) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out += c;
      continue;
    }
    char n = text[i + 1];
    if (n == '$') {  // "$$" is a literal "$"
      out += '$';
      ++i;
      continue;
    }
    if (n != '{') {
      out += c;
      continue;
    }
    auto close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      out += c;
      continue;
    }
    std::string_view ref = text.substr(i + 2, close - i - 2);
    if (ref.starts_with("env:")) ref.remove_prefix(4);
    std::string_view name = ref;
    std::optional<std::string_view> fallback;
    if (auto d = ref.find(":-"); d != std::string_view::npos) {
      name = ref.substr(0, d);
      fallback = ref.substr(d + 2);
    }
    bool valid = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
    for (char v : name) valid = valid && is_var_char(v);
    if (!valid) {  // not a reference we understand (e.g. another provider): keep it as written
      out.append(text.substr(i, close - i + 1));
      i = close;
      continue;
    }
    const char* value = std::getenv(std::string(name).c_str());
    if (value && (*value || !fallback)) {
      out += value;
    } else if (fallback) {
      out.append(*fallback);
    } else if (unset) {
      unset->emplace_back(name);
    }
    i = close;
  }
  return out;
}

std::optional<Duration> parse_duration(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  bool negative = false;
  if (text.front() == '-' || text.front() == '+') {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  // A bare integer is nanoseconds (as for Go's time.Duration in the Collector's config).
  bool all_digits = !text.empty();
  for (char c : text) all_digits = all_digits && std::isdigit(static_cast<unsigned char>(c));
  if (all_digits) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc()) return std::nullopt;
    return Duration(negative ? -v : v);
  }
  long double total_ns = 0;
  while (!text.empty()) {
    size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (i == 0) return std::nullopt;
    std::string number(text.substr(0, i));
    char* end = nullptr;
    long double v = std::strtold(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return std::nullopt;
    text.remove_prefix(i);
    size_t j = 0;
    while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
    std::string unit = ascii_lower(text.substr(0, j));
    if (unit == "µs" || text.substr(0, 2) == "\xC2\xB5") unit = "us";
    text.remove_prefix(j);
    auto scale = go_duration_unit_ns(unit);
    if (!scale) return std::nullopt;
    total_ns += v * static_cast<long double>(*scale);
  }
  if (total_ns > 9.2e18L) return std::nullopt;
  auto ns = static_cast<int64_t>(std::llround(static_cast<double>(total_ns)));
  return Duration(negative ? -ns : ns);
}

std::optional<ByteSize> parse_byte_size(std::string_view text) {
  text = trim(text);
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  std::string number(text.substr(0, i));
  char* end = nullptr;
  double v = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || v < 0) return std::nullopt;
  std::string unit = ascii_lower(trim(text.substr(i)));
  double scale;
  if (unit.empty() || unit == "b")
    scale = 1;
  else if (unit == "kib" || unit == "ki")
    scale = 1024.0;
  else if (unit == "mib" || unit == "mi")
    scale = 1024.0 * 1024;
  else if (unit == "gib" || unit == "gi")
    scale = 1024.0 * 1024 * 1024;
  else if (unit == "kb" || unit == "k")
    scale = 1e3;
  else if (unit == "mb" || unit == "m")
    scale = 1e6;
  else if (unit == "gb" || unit == "g")
    scale = 1e9;
  else
    return std::nullopt;
  double bytes = v * scale;
  if (bytes > 1.8e19) return std::nullopt;
  return ByteSize{static_cast<uint64_t>(bytes)};
}

int ConfigNode::line() const {
  if (key_line_ > 0) return key_line_;
  if (!node_.IsDefined()) return 0;
  auto m = node_.Mark();
  return m.line < 0 ? 0 : m.line + 1;
}

void ConfigNode::fail(std::string_view what) const {
  std::string msg = path_.empty() ? std::string("config") : path_;
  if (int l = line(); l > 0) msg += " (line " + std::to_string(l) + ")";
  msg += ": ";
  msg += what;
  throw ConfigError(msg);
}

std::string ConfigNode::scalar() const {
  if (is_null()) return {};
  if (!node_.IsScalar()) fail("expected a single value, found a " + std::string(node_.IsMap() ? "map" : "list"));
  std::vector<std::string> unset;
  std::string v = expand_env(node_.Scalar(), &unset);
  for (const auto& name : unset)
    spdlog::warn("{}: environment variable '{}' is not set; it expands to an empty string", path_, name);
  return v;
}

std::vector<ConfigNode> ConfigNode::items() const {
  std::vector<ConfigNode> out;
  if (is_null()) return out;
  if (!node_.IsSequence()) fail("expected a list");
  for (size_t i = 0; i < node_.size(); ++i) out.emplace_back(node_[i], path_ + "[" + std::to_string(i) + "]");
  return out;
}

std::vector<std::pair<std::string, ConfigNode>> ConfigNode::entries() const {
  std::vector<std::pair<std::string, ConfigNode>> out;
  if (is_null()) return out;
  if (!node_.IsMap()) fail("expected a map of keys to values");
  for (const auto& kv : node_) {
    std::string key = kv.first.Scalar();
    out.emplace_back(key, ConfigNode(kv.second, path_.empty() ? key : path_ + "::" + key, kv.first));
  }
  return out;
}

template <>
std::string ConfigNode::as<std::string>() const {
  return scalar();
}

template <>
bool ConfigNode::as<bool>() const {
  auto v = ascii_lower(trim(scalar()));
  if (v == "true" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "no" || v == "off") return false;
  fail("expected true or false, found '" + v + "'");
}

template <>
int64_t ConfigNode::as<int64_t>() const {
  auto s = std::string(trim(scalar()));
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) fail("expected an integer, found '" + s + "'");
  return v;
}

template <>
uint64_t ConfigNode::as<uint64_t>() const {
  auto s = std::string(trim(scalar()));
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) fail("expected a non-negative integer, found '" + s + "'");
  return v;
}

template <>
int ConfigNode::as<int>() const {
  int64_t v = as<int64_t>();
  if (v < INT32_MIN || v > INT32_MAX) fail("integer out of range: " + std::to_string(v));
  return static_cast<int>(v);
}

template <>
uint32_t ConfigNode::as<uint32_t>() const {
  uint64_t v = as<uint64_t>();
  if (v > UINT32_MAX) fail("integer out of range: " + std::to_string(v));
  return static_cast<uint32_t>(v);
}

template <>
double ConfigNode::as<double>() const {
  auto s = std::string(trim(scalar()));
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) fail("expected a number, found '" + s + "'");
  return v;
}

template <>
Duration ConfigNode::as<Duration>() const {
  auto s = scalar();
  auto d = parse_duration(s);
  if (!d) fail("expected a duration such as 200ms, 5s or 1m, found '" + s + "'");
  return *d;
}

template <>
ByteSize ConfigNode::as<ByteSize>() const {
  auto s = scalar();
  auto b = parse_byte_size(s);
  if (!b) fail("expected a size such as 4MiB, 512KiB or 1024, found '" + s + "'");
  return *b;
}

template <>
std::vector<std::string> ConfigNode::as<std::vector<std::string>>() const {
  std::vector<std::string> out;
  if (is_scalar()) {  // a single value where a list is expected
    out.push_back(scalar());
    return out;
  }
  for (const auto& item : items()) out.push_back(item.scalar());
  return out;
}

template <>
std::map<std::string, std::string> ConfigNode::as<std::map<std::string, std::string>>() const {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : entries()) out[k] = v.scalar();
  return out;
}

MapReader::MapReader(const ConfigNode& node) : node_(node) {
  if (!node_.is_null() && !node_.is_map()) node_.fail("expected a map of keys to values");
}

std::optional<ConfigNode> MapReader::child(std::string_view key) {
  known_.emplace(key);
  if (node_.is_null()) return std::nullopt;
  const YAML::Node& y = node_.yaml();
  for (const auto& kv : y) {
    if (kv.first.Scalar() == key) {
      std::string p = node_.path().empty() ? std::string(key) : node_.path() + "::" + std::string(key);
      return ConfigNode(kv.second, std::move(p), kv.first);
    }
  }
  return std::nullopt;
}

bool MapReader::has(std::string_view key) {
  auto c = child(key);
  return c.has_value();
}

void MapReader::finish() const {
  if (node_.is_null()) return;
  for (const auto& kv : node_.yaml()) {
    const std::string& key = kv.first.Scalar();
    if (known_.count(key)) continue;
    std::vector<std::string> valid(known_.begin(), known_.end());
    std::string p = node_.path().empty() ? key : node_.path() + "::" + key;
    ConfigNode(kv.first, p).fail("unknown key '" + key + "'; valid keys are: " + join(valid));
  }
}

}  // namespace otlpd
