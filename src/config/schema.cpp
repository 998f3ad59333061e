// Type names, default texts and the describe output of config schemas.
#include "config/schema.h"

#include "core/component.h"

#include <spdlog/spdlog.h>

#include <cstdint>
#include <sstream>

namespace otlpd {

std::optional<ConfigNode> SchemaInput::at(std::string_view key) const {
  if (!node_.is_map()) return std::nullopt;
  for (const auto& [k, v] : node_.entries())
    if (k == key && !v.is_null()) return v;
  return std::nullopt;
}

void SchemaInput::fail(std::string_view key, std::string_view what) const {
  if (auto n = at(key)) n->fail(what);
  node_.fail(what);
}

std::string read_host_port(const ConfigNode& n) {
  auto v = n.as<std::string>();
  const auto colon = v.rfind(':');
  const std::string port = colon == std::string::npos ? "" : v.substr(colon + 1);
  bool numeric = !port.empty() && port.size() <= 5;
  for (char c : port) numeric = numeric && c >= '0' && c <= '9';
  if (!numeric || std::stoul(port) > 65535) n.fail("expected an endpoint host:port, found '" + v + "'");
  return v;
}

NetEndpoint read_net_endpoint(const ConfigNode& n, bool allow_unix) {
  std::string error;
  auto ep = parse_net_endpoint(n.as<std::string>(), error, allow_unix);
  if (!ep) n.fail(error);
  return std::move(*ep);
}

void warn_ignored_key(const ConfigNode& n, std::string_view why) {
  std::string where = n.path();
  if (int l = n.line(); l > 0) where += " (line " + std::to_string(l) + ")";
  spdlog::warn("{}: {}", where, why);
}

namespace schema_detail {

template <>
std::string type_name<bool>() {
  return "bool";
}
template <>
std::string type_name<std::string>() {
  return "string";
}
template <>
std::string type_name<int>() {
  return "int";
}
template <>
std::string type_name<int64_t>() {
  return "int";
}
template <>
std::string type_name<uint32_t>() {
  return "uint32";
}
template <>
std::string type_name<uint64_t>() {
  return "uint64";
}
template <>
std::string type_name<double>() {
  return "number";
}
template <>
std::string type_name<float>() {
  return "number";
}
template <>
std::string type_name<Duration>() {
  return "duration";
}
template <>
std::string type_name<ByteSize>() {
  return "byte size";
}
template <>
std::string type_name<std::vector<std::string>>() {
  return "list of strings";
}
template <>
std::string type_name<std::map<std::string, std::string>>() {
  return "map of strings";
}

template <>
std::string show<bool>(const bool& v) {
  return v ? "true" : "false";
}
template <>
std::string show<std::string>(const std::string& v) {
  return v.empty() ? std::string(2, '"') : v;
}
template <>
std::string show<int>(const int& v) {
  return std::to_string(v);
}
template <>
std::string show<int64_t>(const int64_t& v) {
  return std::to_string(v);
}
template <>
std::string show<uint32_t>(const uint32_t& v) {
  return std::to_string(v);
}
template <>
std::string show<uint64_t>(const uint64_t& v) {
  return std::to_string(v);
}
template <>
std::string show<double>(const double& v) {
  std::ostringstream s;
  s << v;
  return s.str();
}
template <>
std::string show<float>(const float& v) {
  return show(static_cast<double>(v));
}

template <>
std::string show<Duration>(const Duration& v) {
  // The largest unit that divides the value exactly, so the text parses back to the same duration.
  const int64_t ns = v.count();
  if (ns == 0) return "0s";
  static constexpr std::pair<int64_t, const char*> kUnits[] = {
      {3600'000'000'000, "h"}, {60'000'000'000, "m"}, {1'000'000'000, "s"}, {1'000'000, "ms"}, {1'000, "us"}};
  for (const auto& [scale, unit] : kUnits)
    if (ns % scale == 0) return std::to_string(ns / scale) + unit;
  return std::to_string(ns) + "ns";
}

template <>
std::string show<ByteSize>(const ByteSize& v) {
  if (v.bytes == 0) return "0";
  static constexpr std::pair<uint64_t, const char*> kUnits[] = {
      {uint64_t{1} << 30, "GiB"}, {uint64_t{1} << 20, "MiB"}, {uint64_t{1} << 10, "KiB"}};
  for (const auto& [scale, unit] : kUnits)
    if (v.bytes % scale == 0) return std::to_string(v.bytes / scale) + unit;
  return std::to_string(v.bytes);
}

template <>
std::string show<std::vector<std::string>>(const std::vector<std::string>& v) {
  std::string out = "[";
  out += join(v);
  out += ']';
  return out;
}

template <>
std::string show<std::map<std::string, std::string>>(const std::map<std::string, std::string>& v) {
  std::vector<std::string> items;
  for (const auto& [k, x] : v) items.push_back(k + ": " + x);
  std::string out = "{";
  out += join(items);
  out += '}';
  return out;
}

}  // namespace schema_detail

namespace {

using SchemaMap = std::map<std::pair<Kind, std::string>, std::function<const ConfigSchema&()>, std::less<>>;

SchemaMap& schemas() {
  static SchemaMap m;
  return m;
}

}  // namespace

bool register_schema(Kind kind, std::string type, std::function<const ConfigSchema&()> get) {
  schemas()[{kind, std::move(type)}] = std::move(get);
  return true;
}

const ConfigSchema* find_schema(Kind kind, std::string_view type) {
  auto it = schemas().find(std::pair<Kind, std::string>(kind, type));
  return it == schemas().end() ? nullptr : &it->second();
}

namespace {

// `shown` maps block schemas already printed to their key, so a shared one (include, exclude) prints once.
void describe_into(const ConfigSchema& schema, const std::string& indent, std::string& out,
                   std::map<const ConfigSchema*, std::string>& shown) {
  for (const auto& k : schema.keys()) {
    out += indent + k.key + "  " + k.type;
    if (!k.default_value.empty()) out += "  default: " + k.default_value;
    out += "\n" + indent + "    " + k.doc + "\n";
    if (!k.nested) continue;
    if (auto [it, first] = shown.emplace(k.nested, k.key); first)
      describe_into(*k.nested, indent + "    ", out, shown);
    else
      out += indent + "    (the keys of " + it->second + ")\n";
  }
  for (const auto& n : schema.notes()) out += indent + "note: " + n + "\n";
}

}  // namespace

std::string describe(const ConfigSchema& schema) {
  std::string out;
  std::map<const ConfigSchema*, std::string> shown;
  describe_into(schema, "  ", out, shown);
  return out;
}

}  // namespace otlpd
