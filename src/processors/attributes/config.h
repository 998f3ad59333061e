// Configuration of the `attributes` processor: ordered actions and include/exclude match properties,
// with the OpenTelemetry Collector's keys.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/schema.h"
#include "core/component_config.h"
#include "model/context_key.h"
#include "platform/signal.h"
#include "processors/common/config_value.h"

namespace otlpd::attributes_processor {

using processors::ConfigValue;
using processors::StringMatcher;

struct Action {
  enum class Type { insert, update, upsert, remove, hash, extract, convert };
  enum class Source { none, value, from_attribute, context };
  enum class Convert { to_int, to_double, to_string };

  Type type = Type::upsert;
  std::string key;                       // empty when `pattern` selects the keys (delete, hash)
  std::optional<StringMatcher> pattern;  // delete/hash: keys matching; extract: the regex over the value
  Source source = Source::none;          // insert/update/upsert
  ConfigValue value;                     // Source::value
  std::string from;                      // Source::from_attribute: attribute key
  ContextKey context;                    // Source::context: client.address, auth.<name>, metadata.<header>
  Convert converted_type = Convert::to_string;
  std::vector<std::string> extract_groups;  // extract: named capture groups in order (empty name: unnamed)
};

// The Collector's filterconfig.MatchProperties. Each list matches when any entry matches, except
// `attributes` and `resources`, where every entry must match; the whole matches when every list given does.
struct MatchProperties {
  struct Attribute {
    std::string key;
    std::optional<ConfigValue> value;       // strict: typed equality; absent: the key must exist
    std::optional<StringMatcher> value_re;  // regexp: over the value's string form
  };
  struct Library {
    StringMatcher name;
    std::optional<StringMatcher> version;
  };

  bool regexp = false;
  std::vector<StringMatcher> services, span_names, span_kinds, metric_names, log_bodies, log_severity_texts;
  std::optional<int> log_severity_min;  // log_severity_number.min
  bool log_severity_match_undefined = false;
  std::vector<Attribute> attributes, resources;
  std::vector<Library> libraries;
  // Which keys were set, with "path (line N)", to reject those that do not apply to a signal at create time.
  std::vector<std::pair<std::string, std::string>> fields;
};

struct AttributesConfig : ComponentConfig {
  std::vector<Action> actions;
  std::optional<MatchProperties> include, exclude;
};

// The key table (for `otlpd components --describe attributes`) and the strict parse it drives.
const Schema<AttributesConfig>& schema();
std::unique_ptr<AttributesConfig> parse_config(const ConfigNode& node);
// The keys of one action (shared with the `resource` processor's `attributes` list).
const Schema<Action>& action_schema();
// Parses a YAML list of actions (shared with the `resource` processor's `attributes` list).
std::vector<Action> parse_actions(const ConfigNode& list);
// The schema of include/exclude (the Collector's filterconfig.MatchProperties; the filter processor's `spans`).
const Schema<MatchProperties>& match_schema();
// Pieces of it for other match blocks (the filter processor's legacy logs and metrics): a list of strings read as
// strict texts or regexes; a list of {key, value} read by match type; {min, match_undefined} into `m`.
std::vector<StringMatcher> parse_matchers(const ConfigNode& list, bool regexp);
std::vector<MatchProperties::Attribute> parse_attribute_rules(const ConfigNode& list, bool regexp);
void read_severity_number(const ConfigNode& n, MatchProperties& m);
const ConfigSchema& attribute_rule_schema();
const ConfigSchema& severity_number_schema();
// Throws ConfigError when include/exclude use a property that `signal` does not have (span_names for logs…).
void validate_for_signal(const AttributesConfig& cfg, Signal signal);

}  // namespace otlpd::attributes_processor
