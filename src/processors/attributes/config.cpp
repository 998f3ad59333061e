// Parsing and validation of the `attributes` processor's configuration.
#include "processors/attributes/config.h"

#include <re2/re2.h>

#include "config/node.h"

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

std::vector<MatchProperties::Attribute> attribute_rules(const ConfigNode& n, bool regexp) {
  std::vector<MatchProperties::Attribute> out;
  for (const auto& item : n.items()) {
    MapReader r(item);
    MatchProperties::Attribute a;
    r.require("key", a.key);
    if (a.key.empty()) item.fail("'key' must not be empty");
    if (auto v = r.child("value"); v && !v->is_null()) {
      if (regexp) a.value_re = StringMatcher::regexp(v->as<std::string>(), *v);
      else a.value = processors::typed_scalar(*v);
    }
    r.finish();
    out.push_back(std::move(a));
  }
  return out;
}

MatchProperties parse_match(const ConfigNode& node) {
  MatchProperties m;
  MapReader r(node);
  std::string type;
  r.require("match_type", type);
  if (type == "regexp") m.regexp = true;
  else if (type != "strict") r.child("match_type")->fail("unknown match_type '" + type + "'; valid are: strict, regexp");

  auto note = [&](std::string_view key) -> std::optional<ConfigNode> {
    auto n = r.child(key);
    if (!n || n->is_null()) return std::nullopt;
    m.fields.emplace_back(std::string(key), where(*n));
    return n;
  };
  if (auto n = note("services")) m.services = matchers(*n, m.regexp);
  if (auto n = note("span_names")) m.span_names = matchers(*n, m.regexp);
  if (auto n = note("span_kinds")) {
    for (const auto& item : n->items()) {
      auto text = item.as<std::string>();
      if (m.regexp) {
        m.span_kinds.push_back(StringMatcher::regexp(text, item));
      } else {
        int k = processors::parse_span_kind(text);
        if (k < 0)
          item.fail("unknown span kind '" + text +
                    "'; valid are: SPAN_KIND_UNSPECIFIED, SPAN_KIND_INTERNAL, SPAN_KIND_SERVER, SPAN_KIND_CLIENT, "
                    "SPAN_KIND_PRODUCER, SPAN_KIND_CONSUMER");
        m.span_kinds.push_back(StringMatcher::strict(std::string(processors::span_kind_name(k))));
      }
    }
  }
  if (auto n = note("metric_names")) m.metric_names = matchers(*n, m.regexp);
  if (auto n = note("log_bodies")) m.log_bodies = matchers(*n, m.regexp);
  if (auto n = note("log_severity_texts")) m.log_severity_texts = matchers(*n, m.regexp);
  if (auto n = note("log_severity_number")) {
    MapReader sr(*n);
    auto min = sr.child("min");
    if (!min || min->is_null()) n->fail("missing required key 'min'");
    int sev = processors::parse_severity_number(min->as<std::string>());
    if (sev < 0) min->fail("unknown severity '" + min->as<std::string>() + "'; use 0-24 or TRACE, DEBUG, INFO, WARN, ERROR, FATAL (with optional 2-4)");
    m.log_severity_min = sev;
    sr.get("match_undefined", m.log_severity_match_undefined);
    sr.finish();
  }
  if (auto n = note("attributes")) m.attributes = attribute_rules(*n, m.regexp);
  if (auto n = note("resources")) m.resources = attribute_rules(*n, m.regexp);
  if (auto n = note("libraries")) {
    for (const auto& item : n->items()) {
      MapReader lr(item);
      auto name = lr.child("name");
      if (!name || name->is_null()) item.fail("missing required key 'name'");
      MatchProperties::Library lib{matcher(*name, m.regexp), std::nullopt};
      if (auto v = lr.child("version"); v && !v->is_null()) lib.version = matcher(*v, m.regexp);
      lr.finish();
      m.libraries.push_back(std::move(lib));
    }
  }
  r.finish();
  return m;
}

Action::Type parse_type(const ConfigNode& n) {
  auto t = n.as<std::string>();
  if (t == "insert") return Action::Type::insert;
  if (t == "update") return Action::Type::update;
  if (t == "upsert") return Action::Type::upsert;
  if (t == "delete") return Action::Type::remove;
  if (t == "hash") return Action::Type::hash;
  if (t == "extract") return Action::Type::extract;
  if (t == "convert") return Action::Type::convert;
  n.fail("unknown action '" + t + "'; valid are: insert, update, upsert, delete, hash, extract, convert");
}

Action parse_action(const ConfigNode& node) {
  Action a;
  MapReader r(node);
  auto type_node = r.child("action");
  if (!type_node || type_node->is_null()) node.fail("missing required key 'action'");
  a.type = parse_type(*type_node);
  r.get("key", a.key);
  auto value = r.child("value");
  auto from_attribute = r.child("from_attribute");
  auto from_context = r.child("from_context");
  auto pattern = r.child("pattern");
  auto converted = r.child("converted_type");
  auto given = [](const std::optional<ConfigNode>& n) { return n && !n->is_null(); };
  r.finish();

  const bool sets = a.type == Action::Type::insert || a.type == Action::Type::update || a.type == Action::Type::upsert;
  if (!sets) {
    for (const auto* n : {&value, &from_attribute, &from_context})
      if (given(*n)) (*n)->fail("only insert, update and upsert take a value, from_attribute or from_context");
  }
  if (a.type != Action::Type::convert && given(converted)) converted->fail("only the convert action takes converted_type");

  switch (a.type) {
    case Action::Type::insert:
    case Action::Type::update:
    case Action::Type::upsert: {
      if (a.key.empty()) node.fail("missing required key 'key'");
      if (given(pattern)) pattern->fail("'pattern' applies to delete, hash and extract only");
      int sources = given(value) + given(from_attribute) + given(from_context);
      if (sources != 1) node.fail("exactly one of 'value', 'from_attribute' or 'from_context' must be given");
      if (given(value)) {
        a.source = Action::Source::value;
        a.value = processors::typed_scalar(*value);
      } else if (given(from_attribute)) {
        a.source = Action::Source::from_attribute;
        a.from = from_attribute->as<std::string>();
        if (a.from.empty()) from_attribute->fail("'from_attribute' must not be empty");
      } else {
        auto ctx = from_context->as<std::string>();
        if (ctx.rfind("metadata.", 0) == 0 && ctx.size() > 9) {
          a.source = Action::Source::metadata;
          a.from = ctx.substr(9);
          for (auto& c : a.from) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else if (ctx == "client.address") {
          a.source = Action::Source::client_address;
        } else if (ctx.rfind("auth.", 0) == 0) {
          from_context->fail("from_context '" + ctx +
                             "' is not supported: otlpd exposes no authenticator attributes; valid are: "
                             "metadata.<header>, client.address");
        } else {
          from_context->fail("unknown from_context '" + ctx + "'; valid are: metadata.<header>, client.address");
        }
      }
      break;
    }
    case Action::Type::remove:
    case Action::Type::hash:
      if (given(pattern)) a.pattern = StringMatcher::regexp(pattern->as<std::string>(), *pattern);
      if (a.key.empty() && !a.pattern) node.fail("one of 'key' or 'pattern' must be given");
      break;
    case Action::Type::extract: {
      if (a.key.empty()) node.fail("missing required key 'key'");
      if (!given(pattern)) node.fail("missing required key 'pattern' (a regular expression with named groups)");
      a.pattern = StringMatcher::regexp(pattern->as<std::string>(), *pattern);
      // RE2 numbers groups from 1; the names map gives the named ones.
      RE2 re(pattern->as<std::string>());
      a.extract_groups.assign(static_cast<size_t>(re.NumberOfCapturingGroups()), std::string());
      for (const auto& [name, index] : re.NamedCapturingGroups()) a.extract_groups[static_cast<size_t>(index - 1)] = name;
      bool named = false;
      for (const auto& g : a.extract_groups) named |= !g.empty();
      if (!named) pattern->fail("the extract pattern has no named groups, e.g. ^/api/(?P<version>v[0-9]+)/");
      break;
    }
    case Action::Type::convert: {
      if (a.key.empty()) node.fail("missing required key 'key'");
      if (given(pattern)) pattern->fail("'pattern' applies to delete, hash and extract only");
      if (!given(converted)) node.fail("missing required key 'converted_type' (int, double or string)");
      auto t = converted->as<std::string>();
      if (t == "int") a.converted_type = Action::Convert::to_int;
      else if (t == "double") a.converted_type = Action::Convert::to_double;
      else if (t == "string") a.converted_type = Action::Convert::to_string;
      else converted->fail("unknown converted_type '" + t + "'; valid are: int, double, string");
      break;
    }
  }
  return a;
}

}  // namespace

std::vector<Action> parse_actions(const ConfigNode& list) {
  std::vector<Action> out;
  for (const auto& item : list.items()) out.push_back(parse_action(item));
  return out;
}

std::unique_ptr<AttributesConfig> parse_config(const ConfigNode& node) {
  auto cfg = std::make_unique<AttributesConfig>();
  MapReader r(node);
  auto actions = r.child("actions");
  if (!actions || actions->is_null() || actions->items().empty())
    node.fail("missing required key 'actions' (a list of at least one action)");
  cfg->actions = parse_actions(*actions);
  if (auto n = r.child("include"); n && !n->is_null()) cfg->include = parse_match(*n);
  if (auto n = r.child("exclude"); n && !n->is_null()) cfg->exclude = parse_match(*n);
  r.finish();
  return cfg;
}

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
        throw ConfigError(at + ": '" + field + "' does not apply to " + std::string(to_string(signal)) +
                          " pipelines");
  }
}

}  // namespace otlpd::attributes_processor
