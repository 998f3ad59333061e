// Declarative config schemas: each key declared once (type, default, doc, checks), parsed strictly,
// self-describing.
#pragma once

#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "config/node.h"
#include "core/component_config.h"
#include "platform/net_endpoint.h"

namespace otlpd {

class ConfigSchema;

// What the schema does with a key that is present.
enum class KeyUse {
  used,         // read into the config
  unsupported,  // refused: "not supported by otlpd"
  ignored,      // cannot matter in otlpd: loads with a warning that names it
};

// One key as `otlpd components --describe` prints it.
struct KeyDoc {
  std::string key;
  std::string type;
  std::string default_value;  // empty: no default
  std::string doc;
  KeyUse use = KeyUse::used;
  const ConfigSchema* nested = nullptr;  // the keys of a block (or of each list item), when it has a schema
};

// The map a schema parsed, for cross-field rules that point at a key's line.
class SchemaInput {
 public:
  explicit SchemaInput(ConfigNode node) : node_(std::move(node)) {}
  // The key's node when present and not null.
  std::optional<ConfigNode> at(std::string_view key) const;
  bool has(std::string_view key) const { return at(key).has_value(); }
  // Fails at the key's line when it is present, else at the map's.
  [[noreturn]] void fail(std::string_view key, std::string_view what) const;
  const ConfigNode& node() const { return node_; }

 private:
  ConfigNode node_;
};

// Bounds and presence for a typed key; the describe output shows them.
template <typename T>
struct Limits {
  std::optional<T> min;
  std::optional<T> max;
  bool required = false;
};
template <typename T>
Limits<T> at_least(T min) {
  return Limits<T>{min, std::nullopt, false};
}
template <typename T>
Limits<T> between(T min, T max) {
  return Limits<T>{min, max, false};
}
template <typename T>
Limits<T> required() {
  return Limits<T>{std::nullopt, std::nullopt, true};
}

// A schema without its config type: what `components --describe` and the docs test read.
class ConfigSchema {
 public:
  virtual ~ConfigSchema() = default;
  virtual std::vector<KeyDoc> keys() const = 0;
  // Free text printed after the keys (shared blocks parsed elsewhere, cross-field rules).
  virtual std::vector<std::string> notes() const = 0;
};

// Every key with its type, default and doc, then the notes: the text of `otlpd components --describe TYPE`.
std::string describe(const ConfigSchema& schema);

// Reads an enum key: "unknown value 'x'; valid values are: a, b" (the one style for every choice); `more` are
// further valid names the caller handles itself.
template <typename E>
E parse_choice(const ConfigNode& n, const std::vector<std::pair<std::string, E>>& choices,
               const std::vector<std::string>& more = {}) {
  const auto text = n.as<std::string>();
  for (const auto& [name, value] : choices)
    if (name == text) return value;
  std::vector<std::string> names;
  for (const auto& c : choices) names.push_back(c.first);
  names.insert(names.end(), more.begin(), more.end());
  n.fail("unknown value '" + text + "'; valid values are: " + join(names));
}

// Reads "host:port" with a numeric port (0-65535); fails naming the key otherwise.
std::string read_host_port(const ConfigNode& n);

// Reads a listen address into its typed value (see parse_net_endpoint); fails naming the key otherwise.
NetEndpoint read_net_endpoint(const ConfigNode& n, bool allow_unix = false);

// Logs "<path> (line N): <why>" at warning level, for keys that load without effect.
void warn_ignored_key(const ConfigNode& n, std::string_view why);

namespace schema_detail {

// The type name and default text of a value type, for describe().
template <typename T>
std::string type_name();
template <typename T>
std::string show(const T& value);
template <>
std::string type_name<bool>();
template <>
std::string show<bool>(const bool& value);
template <>
std::string type_name<std::string>();
template <>
std::string show<std::string>(const std::string& value);
template <>
std::string type_name<int>();
template <>
std::string show<int>(const int& value);
template <>
std::string type_name<int64_t>();
template <>
std::string show<int64_t>(const int64_t& value);
template <>
std::string type_name<uint32_t>();
template <>
std::string show<uint32_t>(const uint32_t& value);
template <>
std::string type_name<uint64_t>();
template <>
std::string show<uint64_t>(const uint64_t& value);
template <>
std::string type_name<double>();
template <>
std::string show<double>(const double& value);
template <>
std::string type_name<float>();
template <>
std::string show<float>(const float& value);
template <>
std::string type_name<Duration>();
template <>
std::string show<Duration>(const Duration& value);
template <>
std::string type_name<ByteSize>();
template <>
std::string show<ByteSize>(const ByteSize& value);
template <>
std::string type_name<std::vector<std::string>>();
template <>
std::string show<std::vector<std::string>>(const std::vector<std::string>& value);
template <>
std::string type_name<std::map<std::string, std::string>>();
template <>
std::string show<std::map<std::string, std::string>>(const std::map<std::string, std::string>& value);

template <typename T>
constexpr bool kOrdered = std::is_arithmetic_v<T> || std::is_same_v<T, Duration> || std::is_same_v<T, ByteSize>;

template <typename T>
std::string limits_text(const Limits<T>& l) {
  std::string out;
  if constexpr (kOrdered<T>) {
    if (l.min && l.max)
      out = "between " + show(*l.min) + " and " + show(*l.max);
    else if (l.min)
      out = "at least " + show(*l.min);
    else if (l.max)
      out = "at most " + show(*l.max);
  }
  if (l.required) out = out.empty() ? "required" : "required, " + out;
  return out;
}

// The value as the config holds it, checked against the limits (and read into a float through double).
template <typename T>
T read_value(const ConfigNode& n, const Limits<T>& l) {
  T v;
  if constexpr (std::is_same_v<T, float>) {
    const double d = n.as<double>();
    if (d > std::numeric_limits<float>::max() || d < -std::numeric_limits<float>::max()) n.fail("number out of range");
    v = static_cast<float>(d);
  } else {
    v = n.as<T>();
  }
  if constexpr (kOrdered<T>) {
    if ((l.min && v < *l.min) || (l.max && v > *l.max))
      n.fail("must be " + limits_text(Limits<T>{l.min, l.max, false}) + ", found " + show(v));
  }
  if constexpr (std::is_same_v<T, std::string>) {
    if (l.required && v.empty()) n.fail("must not be empty");
  }
  return v;
}

}  // namespace schema_detail

// The schema of config struct C: keys bound to members, cross-field rules, and the strict parse.
//
//   static const auto schema = Schema<BatchConfig>()
//       .key("timeout", &BatchConfig::timeout, "age that sends a batch", at_least(Duration::zero()))
//       .validate([](BatchConfig& c, const SchemaInput& in) { ... in.fail("timeout", "why"); });
//   auto cfg = schema.parse(node);
template <typename C>
class Schema : public ConfigSchema {
 public:
  using Reader = std::function<void(const ConfigNode&, C&)>;
  using Rule = std::function<void(C&, const SchemaInput&)>;

  // A key read as T into `member`; the type name and default come from T and a default-constructed C.
  template <typename T>
  Schema& key(std::string name, T C::*member, std::string doc, Limits<T> limits = {}) {
    const C defaults{};
    auto type = schema_detail::type_name<T>();
    if (auto l = schema_detail::limits_text(limits); !l.empty()) type += " (" + l + ")";
    add(
        {std::move(name), std::move(type), limits.required ? "" : schema_detail::show(defaults.*member),
         std::move(doc)},
        [member, limits](const ConfigNode& n, C& c) { c.*member = schema_detail::read_value(n, limits); },
        limits.required);
    return *this;
  }

  // An enum key: the YAML names and their values; `refused` names values otlpd does not support, with why.
  template <typename E>
  Schema& choice(std::string name, E C::*member, std::vector<std::pair<std::string, E>> choices, std::string doc,
                 std::vector<std::pair<std::string, std::string>> refused = {}, bool required = false) {
    const C defaults{};
    std::vector<std::string> names;
    std::string def;
    for (const auto& [n, v] : choices) {
      names.push_back(n);
      if (v == defaults.*member && def.empty()) def = n;
    }
    for (const auto& r : refused) names.push_back(r.first + " (not supported)");
    if (required) def.clear();
    add(
        {std::move(name), (required ? "required, one of: " : "one of: ") + join(names), std::move(def), std::move(doc)},
        [member, choices = std::move(choices), refused = std::move(refused)](const ConfigNode& n, C& c) {
          std::vector<std::string> more;
          for (const auto& r : refused) more.push_back(r.first);
          if (n.is_scalar()) {
            const auto text = n.as<std::string>();
            for (const auto& [value, why] : refused)
              if (value == text) n.fail("value '" + value + "' is not supported by otlpd: " + why);
          }
          c.*member = parse_choice(n, choices, more);
        },
        required);
    return *this;
  }

  // A "host:port" listen or dial address (host may be empty or a bracketed IPv6 address).
  Schema& host_port(std::string name, std::string C::*member, std::string doc) {
    const C defaults{};
    add(
        {std::move(name), "endpoint host:port", schema_detail::show(defaults.*member), std::move(doc)},
        [member](const ConfigNode& n, C& c) { c.*member = read_host_port(n); }, false);
    return *this;
  }

  // A listen address parsed once into a NetEndpoint: "host:port" (a name, IPv4, bracketed IPv6; an empty host
  // is every interface). With `transport` (a key declared before this one), `transport: unix` makes the value a
  // socket path; "unix:///path" then also reads as one.
  Schema& endpoint(std::string name, NetEndpoint C::*member, std::string doc, NetTransport C::*transport = nullptr) {
    const C defaults{};
    add(
        {std::move(name), transport ? "endpoint host:port, or a socket path with transport unix" : "endpoint host:port",
         (defaults.*member).str(), std::move(doc)},
        [member, transport](const ConfigNode& n, C& c) {
          if (transport && c.*transport == NetTransport::unix_socket) {
            std::string error;
            auto ep = parse_unix_endpoint(n.as<std::string>(), error);
            if (!ep) n.fail(error);
            c.*member = std::move(*ep);
          } else {
            c.*member = read_net_endpoint(n, transport != nullptr);
          }
        },
        false);
    return *this;
  }

  // A block (or list of blocks) read by its own schema `inner` through `read`; describe prints its keys
  // nested.
  Schema& block(std::string name, std::string type, std::string doc, const ConfigSchema& inner, Reader read,
                bool required = false) {
    KeyDoc d{std::move(name), required ? type + " (required)" : std::move(type), "", std::move(doc)};
    d.nested = &inner;
    add(std::move(d), std::move(read), required);
    return *this;
  }

  // A key with its own reader (nested blocks, lists of structs, shared helpers).
  Schema& custom(std::string name, std::string type, std::string default_value, std::string doc, Reader read,
                 bool required = false) {
    add({std::move(name), required ? type + " (required)" : std::move(type), std::move(default_value), std::move(doc)},
        std::move(read), required);
    return *this;
  }

  // A key otlpd refuses: the config fails naming it, its line and `why`.
  Schema& unsupported(std::string name, std::string why) {
    std::string text = "not supported by otlpd: " + why;
    add(
        {std::move(name), "-", "", text, KeyUse::unsupported}, [text](const ConfigNode& n, C&) { n.fail(text); },
        false);
    return *this;
  }

  // A key that cannot matter in otlpd: it loads with a warning naming it and `why`.
  Schema& ignored(std::string name, std::string why) {
    std::string text = "ignored by otlpd: " + why;
    add(
        {std::move(name), "any", "", text, KeyUse::ignored},
        [text](const ConfigNode& n, C&) { warn_ignored_key(n, text); }, false);
    return *this;
  }

  // The keys, rules and notes of `inner` at this level, read into `member`: a settings struct shared by several
  // configs whose keys sit beside the config's own (the Collector's `mapstructure:",squash"`). The defaults
  // shown are those `inner` declares.
  template <typename S>
  Schema& embed(S C::*member, const Schema<S>& inner) {
    for (const auto& f : inner.fields_)
      add(
          f.doc, [member, read = f.read](const ConfigNode& n, C& c) { read(n, c.*member); }, f.required);
    for (const auto& rule : inner.rules_)
      rules_.push_back([member, rule](C& c, const SchemaInput& in) { rule(c.*member, in); });
    notes_.insert(notes_.end(), inner.notes_.begin(), inner.notes_.end());
    return *this;
  }

  // A cross-field rule, run after every key is read (the Collector's Validate()); it may also normalise.
  Schema& validate(Rule rule) {
    rules_.push_back(std::move(rule));
    return *this;
  }

  Schema& note(std::string text) {
    notes_.push_back(std::move(text));
    return *this;
  }

  // Reads `node` (a map, or null for all defaults) into `out`: unknown keys, type and range errors and failed
  // rules throw ConfigError with the YAML path and line.
  void parse_into(const ConfigNode& node, C& out) const {
    MapReader r(node);
    for (const auto& f : fields_) {
      auto n = r.child(f.doc.key);
      if (n && !n->is_null())
        f.read(*n, out);
      else if (f.required)
        node.fail("missing required key '" + f.doc.key + "'");
    }
    r.finish();
    SchemaInput in(node);
    for (const auto& rule : rules_) rule(out, in);
  }

  std::unique_ptr<C> parse(const ConfigNode& node) const {
    auto out = std::make_unique<C>();
    parse_into(node, *out);
    return out;
  }

  std::vector<KeyDoc> keys() const override {
    std::vector<KeyDoc> out;
    for (const auto& f : fields_) out.push_back(f.doc);
    return out;
  }
  std::vector<std::string> notes() const override { return notes_; }

 private:
  template <typename>
  friend class Schema;  // embed() reads another schema's fields

  struct Field {
    KeyDoc doc;
    Reader read;
    bool required = false;
  };

  void add(KeyDoc doc, Reader read, bool required) {
    fields_.push_back(Field{std::move(doc), std::move(read), required});
  }

  std::vector<Field> fields_;
  std::vector<Rule> rules_;
  std::vector<std::string> notes_;
};

// The schemas of the components, by kind and primary type name; each component's config.cpp registers its
// own.
bool register_schema(Kind kind, std::string type, std::function<const ConfigSchema&()> get);
// The schema registered for `kind` and `type`, or null when the component still reads its config by hand.
const ConfigSchema* find_schema(Kind kind, std::string_view type);

}  // namespace otlpd

// Registers a component's schema once, at static-initialisation time; at namespace scope in its config.cpp.
#define OTLPD_REGISTER_SCHEMA(KIND, TYPE, GETTER)                                                      \
  namespace {                                                                                          \
  [[maybe_unused]] const bool otlpd_schema_registered =                                                \
      ::otlpd::register_schema(KIND, TYPE, []() -> const ::otlpd::ConfigSchema& { return GETTER(); }); \
  }
