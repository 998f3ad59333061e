// The `attributes` processor's config schema: ordered actions and include/exclude match properties.
#include "processors/attributes/config.h"

#include <re2/re2.h>

#include <tuple>

#include "config/schema.h"

namespace otlpd::attributes_processor {

namespace {

std::string where(const ConfigNode& n) { return n.path() + " (line " + std::to_string(n.line()) + ")"; }

StringMatcher matcher(const ConfigNode& n, bool regexp) {
  auto text = n.as<std::string>();
  return regexp ? StringMatcher::regexp(text, n) : StringMatcher::strict(std::move(text));
}

std::vector<StringMatcher> matchers(const ConfigNode& n, bool regexp) {
  std::vector<StringMatcher> out;
  for (const auto& item : n.items()) out.push_back(matcher(item, regexp));
  return out;
}

// A list item as written; the match_type of the enclosing block decides how its values are read.
struct RawAttribute {
  std::string key;
  std::optional<ConfigNode> value;
};
struct RawLibrary {
  std::optional<ConfigNode> name, version;
};
struct SeverityNumber {
  int min = -1;
  bool match_undefined = false;
};

const Schema<RawAttribute>& attribute_schema() {
  static const auto s =
      Schema<RawAttribute>()
          .key("key", &RawAttribute::key, "attribute key", required<std::string>())
          .custom("value", "scalar (strict) or regex (regexp)", "", "the value; absent: the key must exist",
                  [](const ConfigNode& n, RawAttribute& a) { a.value = n; });
  return s;
}

const Schema<RawLibrary>& library_schema() {
  static const auto s = Schema<RawLibrary>()
                            .custom(
                                "name", "string or regex", "", "instrumentation scope name",
                                [](const ConfigNode& n, RawLibrary& l) { l.name = n; }, true)
                            .custom("version", "string or regex", "", "instrumentation scope version",
                                    [](const ConfigNode& n, RawLibrary& l) { l.version = n; });
  return s;
}

const Schema<SeverityNumber>& severity_schema() {
  static const auto s =
      Schema<SeverityNumber>()
          .custom(
              "min", "severity", "", "0-24 or TRACE, DEBUG, INFO, WARN, ERROR, FATAL (with optional 2-4)",
              [](const ConfigNode& n, SeverityNumber& sev) {
                sev.min = processors::parse_severity_number(n.as<std::string>());
                if (sev.min < 0)
                  n.fail("unknown value '" + n.as<std::string>() +
                         "'; valid values are: 0-24, TRACE, DEBUG, INFO, WARN, ERROR, FATAL (with optional "
                         "2-4)");
              },
              true)
          .key("match_undefined", &SeverityNumber::match_undefined, "records without a severity number match");
  return s;
}

std::vector<MatchProperties::Attribute> attribute_rules(const ConfigNode& n, bool regexp) {
  std::vector<MatchProperties::Attribute> out;
  for (const auto& item : n.items()) {
    auto raw = attribute_schema().parse(item);
    MatchProperties::Attribute a{raw->key, std::nullopt, std::nullopt};
    if (raw->value && regexp)
      a.value_re = StringMatcher::regexp(raw->value->as<std::string>(), *raw->value);
    else if (raw->value)
      a.value = processors::typed_scalar(*raw->value);
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<StringMatcher> span_kinds(const ConfigNode& n, bool regexp) {
  std::vector<StringMatcher> out;
  for (const auto& item : n.items()) {
    auto text = item.as<std::string>();
    if (regexp) {
      out.push_back(StringMatcher::regexp(text, item));
      continue;
    }
    int k = processors::parse_span_kind(text);
    if (k < 0)
      item.fail("unknown value '" + text +
                "'; valid values are: SPAN_KIND_UNSPECIFIED, SPAN_KIND_INTERNAL, SPAN_KIND_SERVER, "
                "SPAN_KIND_CLIENT, "
                "SPAN_KIND_PRODUCER, SPAN_KIND_CONSUMER");
    out.push_back(StringMatcher::strict(std::string(processors::span_kind_name(k))));
  }
  return out;
}

}  // namespace

std::vector<StringMatcher> parse_matchers(const ConfigNode& list, bool regexp) { return matchers(list, regexp); }
std::vector<MatchProperties::Attribute> parse_attribute_rules(const ConfigNode& list, bool regexp) {
  return attribute_rules(list, regexp);
}
void read_severity_number(const ConfigNode& n, MatchProperties& m) {
  auto sev = severity_schema().parse(n);
  m.log_severity_min = sev->min;
  m.log_severity_match_undefined = sev->match_undefined;
}
const ConfigSchema& attribute_rule_schema() { return attribute_schema(); }
const ConfigSchema& severity_number_schema() { return severity_schema(); }

const Schema<MatchProperties>& match_schema() {
  using M = MatchProperties;
  auto list = [](std::string key, std::string doc, std::vector<StringMatcher> M::*member) {
    return std::make_tuple(key, doc, member);
  };
  static const auto s = [&] {
    Schema<M> s;
    s.choice("match_type", &M::regexp, {{"strict", false}, {"regexp", true}},
             "strict: exact values; regexp: RE2, unanchored", {}, true);
    for (auto [key, doc, member] : {list("services", "traces: service.name values", &M::services),
                                    list("span_names", "traces: span names", &M::span_names),
                                    list("metric_names", "metrics: metric names", &M::metric_names),
                                    list("log_bodies", "logs: record bodies", &M::log_bodies),
                                    list("log_severity_texts", "logs: severity texts", &M::log_severity_texts)}) {
      s.custom(key, "list of strings or regexes", "[]", doc, [key = key, member = member](const ConfigNode& n, M& m) {
        m.fields.emplace_back(key, where(n));
        m.*member = matchers(n, m.regexp);
      });
    }
    s.custom("span_kinds", "list of span kinds or regexes", "[]", "traces: SPAN_KIND_SERVER, ...",
             [](const ConfigNode& n, M& m) {
               m.fields.emplace_back("span_kinds", where(n));
               m.span_kinds = span_kinds(n, m.regexp);
             });
    s.block("log_severity_number", "map", "logs: records at or above a severity", severity_schema(),
            [](const ConfigNode& n, M& m) {
              m.fields.emplace_back("log_severity_number", where(n));
              auto sev = severity_schema().parse(n);
              m.log_severity_min = sev->min;
              m.log_severity_match_undefined = sev->match_undefined;
            });
    s.block("attributes", "list of {key, value}", "item attributes; every entry must match", attribute_schema(),
            [](const ConfigNode& n, M& m) {
              m.fields.emplace_back("attributes", where(n));
              m.attributes = attribute_rules(n, m.regexp);
            });
    s.block("resources", "list of {key, value}", "resource attributes; every entry must match", attribute_schema(),
            [](const ConfigNode& n, M& m) {
              m.fields.emplace_back("resources", where(n));
              m.resources = attribute_rules(n, m.regexp);
            });
    s.block("libraries", "list of {name, version}", "instrumentation scopes; any entry matches", library_schema(),
            [](const ConfigNode& n, M& m) {
              m.fields.emplace_back("libraries", where(n));
              for (const auto& item : n.items()) {
                auto raw = library_schema().parse(item);
                M::Library lib{matcher(*raw->name, m.regexp), std::nullopt};
                if (raw->version) lib.version = matcher(*raw->version, m.regexp);
                m.libraries.push_back(std::move(lib));
              }
            });
    return s;
  }();
  return s;
}

namespace {

void read_from_context(const ConfigNode& n, Action& a) {
  auto ctx = n.as<std::string>();
  auto key = ContextKey::parse(ctx);
  if (!key)
    n.fail("unknown value '" + ctx + "'; valid values are: client.address, auth.<attribute>, metadata.<header>");
  a.source = Action::Source::context;
  a.context = std::move(*key);
}

// The rules between an action's keys, by action type.
void check_action(Action& a, const SchemaInput& in) {
  const bool sets = a.type == Action::Type::insert || a.type == Action::Type::update || a.type == Action::Type::upsert;
  if (!sets) {
    for (const auto* key : {"value", "from_attribute", "from_context"})
      if (in.has(key)) in.fail(key, "only insert, update and upsert take a value, from_attribute or from_context");
  }
  if (a.type != Action::Type::convert && in.has("converted_type"))
    in.fail("converted_type", "only the convert action takes converted_type");
  const bool needs_key = a.type != Action::Type::remove && a.type != Action::Type::hash;
  if (needs_key && a.key.empty()) in.node().fail("missing required key 'key'");
  if ((sets || a.type == Action::Type::convert) && in.has("pattern"))
    in.fail("pattern", "'pattern' applies to delete, hash and extract only");
  switch (a.type) {
    case Action::Type::insert:
    case Action::Type::update:
    case Action::Type::upsert:
      if (in.has("value") + in.has("from_attribute") + in.has("from_context") != 1)
        in.node().fail("exactly one of 'value', 'from_attribute' or 'from_context' must be given");
      break;
    case Action::Type::remove:
    case Action::Type::hash:
      if (a.key.empty() && !a.pattern) in.node().fail("one of 'key' or 'pattern' must be given");
      break;
    case Action::Type::extract: {
      auto pattern = in.at("pattern");
      if (!pattern) in.node().fail("missing required key 'pattern' (a regular expression with named groups)");
      // RE2 numbers groups from 1; the names map gives the named ones.
      RE2 re(pattern->as<std::string>());
      a.extract_groups.assign(static_cast<size_t>(re.NumberOfCapturingGroups()), std::string());
      for (const auto& [name, index] : re.NamedCapturingGroups())
        a.extract_groups[static_cast<size_t>(index - 1)] = name;
      bool named = false;
      for (const auto& g : a.extract_groups) named |= !g.empty();
      if (!named) pattern->fail("the extract pattern has no named groups, e.g. ^/api/(?P<version>v[0-9]+)/");
      break;
    }
    case Action::Type::convert:
      if (!in.has("converted_type")) in.node().fail("missing required key 'converted_type' (int, double or string)");
      break;
  }
}

}  // namespace

const Schema<Action>& action_schema() {
  static const auto s =
      Schema<Action>()
          .choice("action", &Action::type,
                  {{"insert", Action::Type::insert},
                   {"update", Action::Type::update},
                   {"upsert", Action::Type::upsert},
                   {"delete", Action::Type::remove},
                   {"hash", Action::Type::hash},
                   {"extract", Action::Type::extract},
                   {"convert", Action::Type::convert}},
                  "what the action does", {}, true)
          .key("key", &Action::key, "the attribute acted on (delete, hash: or `pattern`)")
          .custom("value", "scalar (keeps its YAML type)", "", "insert/update/upsert: the value set",
                  [](const ConfigNode& n, Action& a) {
                    a.source = Action::Source::value;
                    a.value = processors::typed_scalar(n);
                  })
          .custom("from_attribute", "string", "", "insert/update/upsert: copy this attribute's value",
                  [](const ConfigNode& n, Action& a) {
                    a.source = Action::Source::from_attribute;
                    a.from = n.as<std::string>();
                    if (a.from.empty()) n.fail("'from_attribute' must not be empty");
                  })
          .custom("from_context", "string", "",
                  "insert/update/upsert: client.address, auth.<attribute> or metadata.<header>", read_from_context)
          .custom("pattern", "regex", "", "delete/hash: the keys matching; extract: named groups over the value",
                  [](const ConfigNode& n, Action& a) { a.pattern = StringMatcher::regexp(n.as<std::string>(), n); })
          .choice("converted_type", &Action::converted_type,
                  {{"int", Action::Convert::to_int},
                   {"double", Action::Convert::to_double},
                   {"string", Action::Convert::to_string}},
                  "convert: the new type (required by convert)")
          .validate(check_action);
  return s;
}

namespace {

void read_match(const ConfigNode& n, std::optional<MatchProperties>& out) {
  out.emplace();
  match_schema().parse_into(n, *out);
}

}  // namespace

std::vector<Action> parse_actions(const ConfigNode& list) {
  std::vector<Action> out;
  for (const auto& item : list.items()) out.push_back(std::move(*action_schema().parse(item)));
  return out;
}

const Schema<AttributesConfig>& schema() {
  static const auto s =
      Schema<AttributesConfig>()
          .block("actions", "list of actions", "run in order on item attributes", action_schema(),
                 [](const ConfigNode& n, AttributesConfig& c) { c.actions = parse_actions(n); })
          .block("include", "match properties", "only items matching these are edited", match_schema(),
                 [](const ConfigNode& n, AttributesConfig& c) { read_match(n, c.include); })
          .block("exclude", "match properties", "items matching these are not edited", match_schema(),
                 [](const ConfigNode& n, AttributesConfig& c) { read_match(n, c.exclude); })
          .validate([](AttributesConfig& c, const SchemaInput& in) {
            if (c.actions.empty()) in.node().fail("missing required key 'actions' (a list of at least one action)");
          });
  return s;
}

std::unique_ptr<AttributesConfig> parse_config(const ConfigNode& node) { return schema().parse(node); }
void validate_for_signal(const AttributesConfig& cfg, Signal signal) {
  auto allowed = [&](std::string_view field) {
    if (field == "attributes" && signal == Signal::metrics) return false;
    if (field == "resources" || field == "libraries" || field == "attributes") return true;
    if (field == "services" || field == "span_names" || field == "span_kinds") return signal == Signal::traces;
    if (field == "metric_names") return signal == Signal::metrics;
    return signal == Signal::logs;  // log_bodies, log_severity_texts, log_severity_number
  };
  for (const auto* m : {&cfg.include, &cfg.exclude}) {
    if (!*m) continue;
    for (const auto& [field, at] : (*m)->fields)
      if (!allowed(field))
        throw ConfigError(at + ": '" + field + "' does not apply to " + std::string(to_string(signal)) + " pipelines");
  }
}

}  // namespace otlpd::attributes_processor

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::processor, "attributes", ::otlpd::attributes_processor::schema)
