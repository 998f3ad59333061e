// Reading YAML config: nodes that know their path and line, env expansion, typed values, strict maps.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otlpd {

// A config error whose message names the YAML path and line (and the valid choices, where there are some).
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Duration = std::chrono::nanoseconds;

struct ByteSize {
  uint64_t bytes = 0;
  auto operator<=>(const ByteSize&) const = default;
};

// Expands ${env:VAR}, ${VAR}, ${env:VAR:-default} and $$ in a scalar. An unset variable without a default
// becomes empty, as in the Collector, and its name is added to `unset` (the caller warns).
std::string expand_env(std::string_view text, std::vector<std::string>* unset = nullptr);

// Parses Go/Collector durations: "200ms", "5s", "1m30s", "1.5h", "100us", "0"; a bare integer is nanoseconds.
std::optional<Duration> parse_duration(std::string_view text);
// Parses sizes: "4MiB", "512KiB", "1GB", "1024" (bytes).
std::optional<ByteSize> parse_byte_size(std::string_view text);

// A YAML node plus where it is: "receivers::otlp::protocols::grpc" and its line.
class ConfigNode {
 public:
  ConfigNode(YAML::Node node, std::string path) : node_(std::move(node)), path_(std::move(path)) {}
  // A map entry's value, located at its key's line (a null value has no useful position of its own).
  ConfigNode(YAML::Node node, std::string path, const YAML::Node& key)
      : node_(std::move(node)), path_(std::move(path)), key_line_(key.Mark().line + 1) {}

  const std::string& path() const { return path_; }
  // 1-based line, 0 when unknown.
  int line() const;
  const YAML::Node& yaml() const { return node_; }

  bool is_null() const { return !node_.IsDefined() || node_.IsNull(); }
  bool is_map() const { return node_.IsMap(); }
  bool is_sequence() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }

  // The scalar's text with environment references expanded; fails if not a scalar.
  std::string scalar() const;
  // The sequence's elements (null → none); fails if not a sequence.
  std::vector<ConfigNode> items() const;
  // The map's entries in file order (null → none); fails if not a map.
  std::vector<std::pair<std::string, ConfigNode>> entries() const;

  // Throws ConfigError("<path> (line N): <what>").
  [[noreturn]] void fail(std::string_view what) const;

  // Typed reads of this node; each fails with the path and line on a bad value.
  template <typename T>
  T as() const;

 private:
  YAML::Node node_;
  std::string path_;
  int key_line_ = 0;
};

template <>
std::string ConfigNode::as<std::string>() const;
template <>
bool ConfigNode::as<bool>() const;
template <>
int64_t ConfigNode::as<int64_t>() const;
template <>
uint64_t ConfigNode::as<uint64_t>() const;
template <>
int ConfigNode::as<int>() const;
template <>
uint32_t ConfigNode::as<uint32_t>() const;
template <>
double ConfigNode::as<double>() const;
template <>
Duration ConfigNode::as<Duration>() const;
template <>
ByteSize ConfigNode::as<ByteSize>() const;
template <>
std::vector<std::string> ConfigNode::as<std::vector<std::string>>() const;
template <>
std::map<std::string, std::string> ConfigNode::as<std::map<std::string, std::string>>() const;

// Reads a map strictly: every key must be asked for, or finish() reports it with the valid choices.
//
//   MapReader r(node);
//   r.get("endpoint", cfg.endpoint);
//   if (auto tls = r.child("tls")) parse_tls(*tls, cfg.tls);
//   r.finish();
class MapReader {
 public:
  // A null node reads as an empty map; anything else that is not a map fails.
  explicit MapReader(const ConfigNode& node);

  // Reads `key` into `out` when present (and not null); returns whether it was.
  template <typename T>
  bool get(std::string_view key, T& out) {
    auto n = child(key);
    if (!n || n->is_null()) return false;
    out = n->as<T>();
    return true;
  }
  // Like get(), but the key must be there.
  template <typename T>
  void require(std::string_view key, T& out) {
    if (!get(key, out)) node_.fail("missing required key '" + std::string(key) + "'");
  }
  // The node under `key` when present.
  std::optional<ConfigNode> child(std::string_view key);
  bool has(std::string_view key);
  // Fails on the first key that was never asked for, listing the keys that were.
  void finish() const;

  const ConfigNode& node() const { return node_; }

 private:
  ConfigNode node_;
  std::set<std::string, std::less<>> known_;
};

// `node` as one line of text that is equal for equal effective configs: scalars with environment references
// expanded (as ConfigNode::scalar reads them), map keys sorted, every scalar quoted.
std::string canonical_text(const YAML::Node& node);

// "a, b, c" (for error messages that list choices).
std::string join(const std::vector<std::string>& items, std::string_view sep = ", ");

}  // namespace otlpd
