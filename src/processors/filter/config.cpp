// The `filter` processor's config schema: per-signal lists of conditions, each field declared once with the
// lists it applies to.
#include "processors/filter/config.h"

#include <spdlog/spdlog.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <functional>
#include <set>

#include "ottl/ottl.h"
#include "processors/common/config_value.h"

namespace otlpd::filter_processor {

namespace {

// --- otlpd's condition maps, translated into OTTL conditions ------------------------------------------------------
// Each field of a map becomes one OTTL term; the map is the conjunction of its terms. The translated condition is
// compiled like any other, so there is one evaluation engine (and the on-wire path covers maps too).

// The lists of conditions, as bits: which fields a list's conditions may set.
enum Target : unsigned { span = 1, spanevent = 2, metric = 4, datapoint = 8, log_record = 16, all = 31 };

// A condition map read into the OTTL terms it stands for (joined with "and"), in the context of list `target`.
struct MapCondition {
  Target target = span;
  std::vector<std::string> terms;
};

// `{strict: text}` or `{regexp: pattern}`: one of the two, as an OTTL term over `path`.
struct MatcherTerm {
  std::string path, term;
};

// `IsMatch(path, "pattern")`; a pattern RE2 refuses fails here, at its line.
std::string regexp_term(const std::string& path, const ConfigNode& n) {
  const auto pattern = n.as<std::string>();
  (void)processors::StringMatcher::regexp(pattern, n);
  return "IsMatch(" + path + ", " + ottl::quote(pattern) + ")";
}

const Schema<MatcherTerm>& matcher_schema() {
  using M = MatcherTerm;
  static const auto s =
      Schema<M>()
          .custom("strict", "string", "", "equals the text",
                  [](const ConfigNode& n, M& m) { m.term = m.path + " == " + ottl::quote(n.as<std::string>()); })
          .custom("regexp", "regex", "", "RE2, may match anywhere",
                  [](const ConfigNode& n, M& m) { m.term = regexp_term(m.path, n); })
          .validate([](M& m, const SchemaInput& in) {
            if (in.has("strict") && in.has("regexp")) in.node().fail("give one of 'strict' or 'regexp', not both");
            if (m.term.empty()) in.node().fail("expected {strict: <string>} or {regexp: <pattern>}");
          });
  return s;
}

// `text`, `{strict: text}` or `{regexp: pattern}` over `path`: `path == "text"` or `IsMatch(path, "pattern")`.
std::string string_term(const std::string& path, const ConfigNode& n) {
  if (n.is_scalar()) return path + " == " + ottl::quote(n.as<std::string>());
  if (!n.is_map()) n.fail("expected a string, {strict: <string>} or {regexp: <pattern>}");
  MatcherTerm m{path, {}};
  matcher_schema().parse_into(n, m);
  return m.term;
}

// A YAML scalar as an OTTL literal of the type YAML gives it.
std::string literal(const ConfigNode& n) {
  const auto v = processors::typed_scalar(n);
  if (v.is_string()) return ottl::quote(v.string_value());
  if (v.is_bool()) return v.bool_value() ? "true" : "false";
  if (v.is_int()) return std::to_string(v.int_value());
  const double d = v.double_value();
  if (!std::isfinite(d)) n.fail("an attribute value must be a finite number; NaN and infinities never match");
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  std::string text = buf;
  if (text.find_first_of("eE") != std::string::npos) return "Double(" + ottl::quote(text) + ")";
  if (text.find('.') == std::string::npos) text += ".0";
  return text;
}

// An attribute test written as a map: `{strict: value}`, `{regexp: pattern}` or `{exists: bool}`, over `path`
// (`attributes["k"]`).
const Schema<MatcherTerm>& attribute_test_schema() {
  using A = MatcherTerm;
  static const auto s =
      Schema<A>()
          .custom("strict", "scalar", "", "equals the value, typed as YAML types it",
                  [](const ConfigNode& n, A& a) { a.term = a.path + " == " + literal(n); })
          .custom("regexp", "regex", "", "the string form matches",
                  [](const ConfigNode& n, A& a) { a.term = regexp_term(a.path, n); })
          .custom("exists", "bool", "", "the attribute is present (true) or absent (false)",
                  [](const ConfigNode& n, A& a) { a.term = a.path + (n.as<bool>() ? " != nil" : " == nil"); })
          .validate([](A&, const SchemaInput& in) {
            if (int(in.has("strict")) + int(in.has("regexp")) + int(in.has("exists")) != 1)
              in.node().fail("give exactly one of 'strict', 'regexp' or 'exists'");
          });
  return s;
}

// `key: value` per attribute of the map at `path` (`attributes`, `resource.attributes`): one term each.
void attribute_terms(const std::string& path, const ConfigNode& n, MapCondition& c) {
  if (!n.is_map()) n.fail("expected a map of attribute key to value, {regexp: <pattern>} or {exists: <bool>}");
  const auto entries = n.entries();
  if (entries.empty()) n.fail("expected at least one attribute");
  for (const auto& [key, value] : entries) {
    MatcherTerm t{path + "[" + ottl::quote(key) + "]", {}};
    if (value.is_map())
      attribute_test_schema().parse_into(value, t);
    else
      t.term = t.path + " == " + literal(value);
    c.terms.push_back(std::move(t.term));
  }
}

[[noreturn]] void fail_choice(const ConfigNode& n, const std::string& names) {
  n.fail("unknown value '" + n.as<std::string>() + "'; valid values are: " + names);
}

// One value or a list of values, each read by `read` into an OTTL enum name, as `path == A` or `(path == A or path
// == B)`.
std::string one_or_many(const std::string& path, const ConfigNode& n,
                        const std::function<std::string(const ConfigNode&)>& read) {
  std::vector<std::string> alts;
  for (const auto& item : n.is_sequence() ? n.items() : std::vector<ConfigNode>{n})
    alts.push_back(path + " == " + read(item));
  if (alts.empty()) n.fail("expected at least one value");
  if (alts.size() == 1) return alts[0];
  std::string out = "(";
  for (size_t i = 0; i < alts.size(); ++i) out += (i ? " or " : "") + alts[i];
  return out + ")";
}

std::string span_kind(const ConfigNode& n) {
  int k = processors::parse_span_kind(n.as<std::string>());
  if (k < 0) fail_choice(n, "unspecified, internal, server, client, producer, consumer (or SPAN_KIND_SERVER, ...)");
  return std::string(processors::span_kind_name(k));
}

std::string status_code(const ConfigNode& n) {
  auto s = n.as<std::string>();
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s.starts_with("status_code_")) s = s.substr(12);
  static const std::pair<std::string_view, std::string_view> kCodes[] = {
      {"unset", "STATUS_CODE_UNSET"}, {"ok", "STATUS_CODE_OK"}, {"error", "STATUS_CODE_ERROR"}};
  for (const auto& [name, code] : kCodes)
    if (s == name) return std::string(code);
  fail_choice(n, "unset, ok, error (or STATUS_CODE_ERROR, ...)");
}

std::string metric_type(const ConfigNode& n) {
  static const std::vector<std::pair<std::string, std::string>> kTypes = {
      {"gauge", "METRIC_DATA_TYPE_GAUGE"},
      {"sum", "METRIC_DATA_TYPE_SUM"},
      {"histogram", "METRIC_DATA_TYPE_HISTOGRAM"},
      {"exponential_histogram", "METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM"},
      {"summary", "METRIC_DATA_TYPE_SUMMARY"}};
  return parse_choice(n, kTypes);
}

// A severity as its OTTL enum: 9 → SEVERITY_NUMBER_INFO, 15 → SEVERITY_NUMBER_WARN3.
std::string severity(const ConfigNode& n) {
  int s = processors::parse_severity_number(n.as<std::string>());
  if (s < 0) fail_choice(n, "0-24, TRACE, DEBUG, INFO, WARN, ERROR, FATAL (with optional 2-4)");
  if (s == 0) return "SEVERITY_NUMBER_UNSPECIFIED";
  static constexpr std::string_view kBases[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
  std::string out = "SEVERITY_NUMBER_" + std::string(kBases[(s - 1) / 4]);
  if ((s - 1) % 4) out += static_cast<char>('1' + (s - 1) % 4);
  return out;
}

struct SeverityRange {
  std::optional<std::string> min, max;
};

const Schema<SeverityRange>& severity_range_schema() {
  static const auto s = Schema<SeverityRange>()
                            .custom("min", "severity", "", "lowest severity matched (inclusive)",
                                    [](const ConfigNode& n, SeverityRange& r) { r.min = severity(n); })
                            .custom("max", "severity", "", "highest severity matched (inclusive)",
                                    [](const ConfigNode& n, SeverityRange& r) { r.max = severity(n); })
                            .validate([](SeverityRange& r, const SchemaInput& in) {
                              if (!r.min && !r.max) in.node().fail("give 'min', 'max' or both");
                            });
  return s;
}

void severity_terms(const ConfigNode& n, MapCondition& c) {
  if (n.is_scalar()) {
    c.terms.push_back("severity_number == " + severity(n));
    return;
  }
  auto r = severity_range_schema().parse(n);
  if (r->min) c.terms.push_back("severity_number >= " + *r->min);
  if (r->max) c.terms.push_back("severity_number <= " + *r->max);
}

// A field's path in the list's context: a data point condition reads its metric's name and type.
std::string metric_path(const MapCondition& c, const std::string& field) {
  return c.target == datapoint ? "metric." + field : field;
}

struct Field {
  const char* key;
  const char* type;
  const char* doc;
  unsigned targets;
  Schema<MapCondition>::Reader read;
};

// Every condition field, once; a list's schema takes those that apply to it.
const std::vector<Field>& fields() {
  using C = MapCondition;
  static const std::vector<Field> f = {
      {"name", "string matcher", "span, span event or metric name", span | spanevent | metric | datapoint,
       [](const ConfigNode& n, C& c) { c.terms.push_back(string_term(metric_path(c, "name"), n)); }},
      {"attributes", "attribute map", "the item's own attributes; every one listed must match",
       span | spanevent | datapoint | log_record,
       [](const ConfigNode& n, C& c) { attribute_terms("attributes", n, c); }},
      {"resource_attributes", "attribute map", "resource attributes; every one listed must match", all,
       [](const ConfigNode& n, C& c) { attribute_terms("resource.attributes", n, c); }},
      {"scope_name", "string matcher", "instrumentation scope name", all,
       [](const ConfigNode& n, C& c) { c.terms.push_back(string_term("instrumentation_scope.name", n)); }},
      {"kind", "span kind or list of them", "unspecified, internal, server, client, producer, consumer; any", span,
       [](const ConfigNode& n, C& c) { c.terms.push_back(one_or_many("kind", n, span_kind)); }},
      {"status_code", "status code or list of them", "unset, ok, error; any", span,
       [](const ConfigNode& n, C& c) { c.terms.push_back(one_or_many("status.code", n, status_code)); }},
      {"type", "metric type or list of them", "gauge, sum, histogram, exponential_histogram, summary; any",
       metric | datapoint,
       [](const ConfigNode& n, C& c) { c.terms.push_back(one_or_many(metric_path(c, "type"), n, metric_type)); }},
      {"severity_number", "severity or {min, max}", "0-24 or TRACE ... FATAL (with optional 2-4); inclusive",
       log_record, severity_terms},
      {"severity_text", "string matcher", "severity text", log_record,
       [](const ConfigNode& n, C& c) { c.terms.push_back(string_term("severity_text", n)); }},
      {"body", "string matcher", "the body's string form (maps and arrays as JSON)", log_record,
       [](const ConfigNode& n, C& c) { c.terms.push_back(string_term("body.string", n)); }},
  };
  return f;
}

Schema<MapCondition> make_condition_schema(Target t) {
  Schema<MapCondition> s;
  for (const auto& f : fields())
    if (f.targets & t) s.custom(f.key, f.type, "", f.doc, f.read);
  s.validate([](MapCondition& c, const SchemaInput& in) {
    if (c.terms.empty()) in.node().fail("a condition needs at least one field (an empty one would drop everything)");
  });
  return s;
}

template <Target T>
const Schema<MapCondition>& condition_schema() {
  static const auto s = make_condition_schema(T);
  return s;
}

ottl::ContextKind ottl_context(Target t) {
  switch (t) {
    case span:
      return ottl::ContextKind::span;
    case spanevent:
      return ottl::ContextKind::spanevent;
    case metric:
      return ottl::ContextKind::metric;
    case datapoint:
      return ottl::ContextKind::datapoint;
    default:
      return ottl::ContextKind::log;
  }
}

// An OTTL condition, compiled now: errors name the statement, the column and close valid names.
std::shared_ptr<const ottl::Condition> compile_ottl(const ConfigNode& n, const std::string& text,
                                                    ottl::ContextKind ctx) {
  try {
    return std::make_shared<const ottl::Condition>(ottl::compile_condition(text, ctx));
  } catch (const ottl::ParseError& e) {
    n.fail(ottl::describe_error(text, e));
  }
}

std::shared_ptr<const ottl::Condition> compile_ottl(const ConfigNode& n, ottl::ContextKind ctx) {
  return compile_ottl(n, n.as<std::string>(), ctx);
}

// A condition map as the OTTL condition it stands for; the config load notes the OTTL text once.
template <Target T>
OttlCondition translate(const ConfigNode& n) {
  MapCondition c;
  c.target = T;
  condition_schema<T>().parse_into(n, c);
  std::string text;
  for (size_t i = 0; i < c.terms.size(); ++i) text += (i ? " and " : "") + c.terms[i];
  spdlog::info(
      "filter: {} (line {}): a condition map, run as the OTTL condition '{}' (write that; the Collector "
      "knows only OTTL conditions)",
      n.path(), n.line(), text);
  return OttlCondition{text, compile_ottl(n, text, ottl_context(T)), std::nullopt};
}

// A block "key: [conditions]" of a signal's section: OTTL strings, and condition maps translated into them.
template <Target T>
void conditions(Schema<FilterConfig>& s, const char* key, const char* doc,
                std::vector<OttlCondition> FilterConfig::*ottl) {
  s.block(key, "list of OTTL conditions or condition maps", doc, condition_schema<T>(),
          [ottl](const ConfigNode& n, FilterConfig& c) {
            if (!n.is_sequence()) n.fail("expected a list of conditions");
            for (const auto& item : n.items()) {
              if (item.is_scalar()) {
                (c.*ottl).push_back(
                    OttlCondition{item.as<std::string>(), compile_ottl(item, ottl_context(T)), std::nullopt});
                continue;
              }
              if (!item.is_map())
                item.fail("a condition is an OTTL string, e.g. 'name == \"GET /health\"', or a map of fields");
              (c.*ottl).push_back(translate<T>(item));
            }
          });
}

// --- The Collector's legacy include/exclude matchers ----------------------------------------------------------

using attributes_processor::MatchProperties;

std::string where(const ConfigNode& n) { return n.path() + std::string(" (line ") + std::to_string(n.line()) + ")"; }

// `spans.include` / `spans.exclude`: the Collector's filterconfig.MatchProperties, with the span fields only.
void read_span_match(const ConfigNode& n, std::optional<MatchProperties>& out) {
  out.emplace();
  attributes_processor::match_schema().parse_into(n, *out);
  static const std::set<std::string> kSpanFields = {"services",   "span_names", "span_kinds",
                                                    "attributes", "resources",  "libraries"};
  for (const auto& [field, at] : out->fields)
    if (!kSpanFields.count(field)) throw ConfigError(at + ": '" + field + "' does not apply to spans");
  if (out->fields.empty())
    n.fail(
        "at least one of \"services\", \"span_names\", \"span_kinds\", \"attributes\", \"libraries\" or "
        "\"resources\" must be specified");
}

struct LegacySpans {
  LegacyMatch m;
};

const Schema<LegacySpans>& legacy_spans_schema() {
  static const auto s =
      Schema<LegacySpans>()
          .block("include", "match properties", "spans that do not match are dropped",
                 attributes_processor::match_schema(),
                 [](const ConfigNode& n, LegacySpans& l) { read_span_match(n, l.m.include); })
          .block("exclude", "match properties", "spans that match are dropped", attributes_processor::match_schema(),
                 [](const ConfigNode& n, LegacySpans& l) { read_span_match(n, l.m.exclude); });
  return s;
}

// `logs.include` / `logs.exclude`: the Collector's LogMatchProperties, read into MatchProperties.
struct RawLogMatch {
  std::optional<bool> regexp;
  std::optional<ConfigNode> resource_attributes, record_attributes, severity_texts, severity_number, bodies;
};

const Schema<RawLogMatch>& log_match_schema() {
  using R = RawLogMatch;
  static const auto s =
      Schema<R>()
          .custom("match_type", "one of: strict, regexp", "", "strict: exact values; regexp: RE2, unanchored",
                  [](const ConfigNode& n, R& r) {
                    r.regexp =
                        parse_choice(n, std::vector<std::pair<std::string, bool>>{{"strict", false}, {"regexp", true}});
                  })
          .block("resource_attributes", "list of {key, value}", "resource attributes; every entry must match",
                 attributes_processor::attribute_rule_schema(),
                 [](const ConfigNode& n, R& r) { r.resource_attributes = n; })
          .custom("record_attributes", "list of {key, value}", "", "record attributes; every entry must match",
                  [](const ConfigNode& n, R& r) { r.record_attributes = n; })
          .custom("severity_texts", "list of strings or regexes", "", "severity texts; any matches",
                  [](const ConfigNode& n, R& r) { r.severity_texts = n; })
          .block("severity_number", "map", "records at or above a severity",
                 attributes_processor::severity_number_schema(),
                 [](const ConfigNode& n, R& r) { r.severity_number = n; })
          .custom("bodies", "list of strings or regexes", "", "string bodies; any matches",
                  [](const ConfigNode& n, R& r) { r.bodies = n; });
  return s;
}

void read_log_match(const ConfigNode& n, std::optional<MatchProperties>& out) {
  auto raw = log_match_schema().parse(n);
  out.emplace();
  auto& m = *out;
  const bool needs_type = raw->resource_attributes || raw->record_attributes || raw->severity_texts || raw->bodies;
  if (needs_type && !raw->regexp)
    n.fail(
        "match_type must be set (strict or regexp) when resource_attributes, record_attributes, severity_texts "
        "or bodies are given");
  if (!needs_type && !raw->severity_number)
    n.fail(
        "at least one of \"resource_attributes\", \"record_attributes\", \"severity_texts\", "
        "\"severity_number\" or \"bodies\" must be specified");
  m.regexp = raw->regexp.value_or(false);
  if (raw->resource_attributes)
    m.resources = attributes_processor::parse_attribute_rules(*raw->resource_attributes, m.regexp);
  if (raw->record_attributes)
    m.attributes = attributes_processor::parse_attribute_rules(*raw->record_attributes, m.regexp);
  if (raw->severity_texts) m.log_severity_texts = attributes_processor::parse_matchers(*raw->severity_texts, m.regexp);
  if (raw->bodies) m.log_bodies = attributes_processor::parse_matchers(*raw->bodies, m.regexp);
  if (raw->severity_number) attributes_processor::read_severity_number(*raw->severity_number, m);
  m.fields.emplace_back("logs", where(n));
}

// `metrics.include` / `metrics.exclude`: the Collector's MetricMatchProperties (strict or regexp; not expr).
struct RawMetricMatch {
  bool regexp = false;
  std::optional<ConfigNode> metric_names, resource_attributes;
};

const Schema<RawMetricMatch>& metric_match_schema() {
  using R = RawMetricMatch;
  static const auto s =
      Schema<R>()
          .choice("match_type", &R::regexp, {{"strict", false}, {"regexp", true}},
                  "strict: exact names; regexp: RE2, unanchored",
                  {{"expr",
                    "the expr language is not supported; write the expression as an OTTL condition under "
                    "metrics.metric (HasAttrOnDatapoint(\"k\", \"v\"), name == \"m\")"}},
                  true)
          .custom("metric_names", "list of strings or regexes", "", "metric names; any matches",
                  [](const ConfigNode& n, R& r) { r.metric_names = n; })
          .block("resource_attributes", "list of {key, value}", "resource attributes; every entry must match",
                 attributes_processor::attribute_rule_schema(),
                 [](const ConfigNode& n, R& r) { r.resource_attributes = n; })
          .unsupported("expressions", "the expr language is not supported; use OTTL conditions under metrics.metric")
          .ignored("regexp", "RE2 needs no match cache");
  return s;
}

void read_metric_match(const ConfigNode& n, std::optional<MatchProperties>& out) {
  auto raw = metric_match_schema().parse(n);
  out.emplace();
  auto& m = *out;
  m.regexp = raw->regexp;
  if (raw->metric_names) m.metric_names = attributes_processor::parse_matchers(*raw->metric_names, m.regexp);
  if (raw->resource_attributes)
    m.resources = attributes_processor::parse_attribute_rules(*raw->resource_attributes, m.regexp);
  m.fields.emplace_back("metrics", where(n));
}

// --- `trace_conditions`, `metric_conditions`, `log_conditions`: each condition's context inferred from its paths ---

struct RawConditionGroup {
  std::optional<ErrorMode> error_mode;
  std::vector<ConfigNode> conditions;
};

const std::vector<std::pair<std::string, ErrorMode>>& error_modes() {
  static const std::vector<std::pair<std::string, ErrorMode>> m = {
      {"ignore", ErrorMode::ignore}, {"silent", ErrorMode::silent}, {"propagate", ErrorMode::propagate}};
  return m;
}

const Schema<RawConditionGroup>& condition_group_schema() {
  using G = RawConditionGroup;
  static const auto s =
      Schema<G>()
          .custom("error_mode", "one of: ignore, silent, propagate", "",
                  "overrides the processor's error_mode for these conditions",
                  [](const ConfigNode& n, G& g) { g.error_mode = parse_choice(n, error_modes()); })
          .custom(
              "conditions", "list of OTTL conditions", "", "any that holds drops the item of its inferred context",
              [](const ConfigNode& n, G& g) {
                if (!n.is_sequence()) n.fail("expected a list of OTTL conditions");
                g.conditions = n.items();
              },
              true);
  return s;
}

// The list of `c` that holds conditions of context `k` for `signal`, or null when the signal has no such context.
std::vector<OttlCondition>* list_for(FilterConfig& c, Signal signal, ottl::ContextKind k) {
  using K = ottl::ContextKind;
  switch (signal) {
    case Signal::traces:
      return k == K::resource    ? &c.trace_resource
             : k == K::scope     ? &c.trace_scope
             : k == K::span      ? &c.ottl_span
             : k == K::spanevent ? &c.ottl_spanevent
                                 : nullptr;
    case Signal::metrics:
      return k == K::resource    ? &c.metric_resource
             : k == K::scope     ? &c.metric_scope
             : k == K::metric    ? &c.ottl_metric
             : k == K::datapoint ? &c.ottl_datapoint
                                 : nullptr;
    case Signal::logs:
      return k == K::resource ? &c.log_resource
             : k == K::scope  ? &c.log_scope
             : k == K::log    ? &c.ottl_log_record
                              : nullptr;
  }
  return nullptr;
}

void add_inferred(FilterConfig& c, Signal signal, const ConfigNode& n, std::optional<ErrorMode> mode) {
  const auto text = n.as<std::string>();
  std::optional<ottl::ContextKind> k;
  try {
    k = ottl::infer_context({}, {text});
  } catch (const ottl::ParseError& e) {
    n.fail(ottl::describe_error(text, e));
  }
  if (!k)
    n.fail(
        "cannot infer the context of this condition: prefix its paths with it (resource.attributes[\"k\"], "
        "span.name, log.body...)");
  auto* list = list_for(c, signal, *k);
  if (!list)
    n.fail("the condition names the " + std::string(ottl::context_name(*k)) + " context, which " +
           std::string(to_string(signal)) + " do not have");
  list->push_back(OttlCondition{text, compile_ottl(n, *k), mode});
}

Schema<FilterConfig>::Reader inferred_conditions(Signal signal) {
  return [signal](const ConfigNode& n, FilterConfig& c) {
    if (!n.is_sequence()) n.fail("expected a list of OTTL conditions or {error_mode, conditions} groups");
    for (const auto& item : n.items()) {
      if (item.is_scalar()) {
        add_inferred(c, signal, item, std::nullopt);
        continue;
      }
      if (!item.is_map()) item.fail("expected an OTTL condition or a {error_mode, conditions} group");
      auto g = condition_group_schema().parse(item);
      for (const auto& cond : g->conditions) {
        if (!cond.is_scalar()) cond.fail("expected an OTTL condition");
        add_inferred(c, signal, cond, g->error_mode);
      }
    }
  };
}

// `traces.resource` (and metrics', logs'): OTTL conditions in the resource context.
Schema<FilterConfig>::Reader resource_conditions(std::vector<OttlCondition> FilterConfig::*member) {
  return [member](const ConfigNode& n, FilterConfig& c) {
    if (!n.is_sequence()) n.fail("expected a list of OTTL conditions");
    for (const auto& item : n.items())
      (c.*member).push_back(
          OttlCondition{item.as<std::string>(), compile_ottl(item, ottl::ContextKind::resource), std::nullopt});
  };
}

const Schema<FilterConfig>& traces_schema() {
  static const auto s = [] {
    Schema<FilterConfig> s;
    s.custom("resource", "list of OTTL conditions", "", "resources matching any condition are dropped with their spans",
             resource_conditions(&FilterConfig::trace_resource));
    conditions<span>(s, "span", "spans matching any condition are dropped (with their events)",
                     &FilterConfig::ottl_span);
    conditions<spanevent>(s, "spanevent", "span events matching any condition are dropped",
                          &FilterConfig::ottl_spanevent);
    return s;
  }();
  return s;
}

const Schema<FilterConfig>& metrics_schema() {
  static const auto s = [] {
    Schema<FilterConfig> s;
    s.custom("resource", "list of OTTL conditions", "",
             "resources matching any condition are dropped with their metrics",
             resource_conditions(&FilterConfig::metric_resource));
    conditions<metric>(s, "metric", "metrics matching any condition are dropped", &FilterConfig::ottl_metric);
    conditions<datapoint>(s, "datapoint", "data points matching any condition are dropped",
                          &FilterConfig::ottl_datapoint);
    s.block("include", "metric match properties", "legacy: metrics that do not match are dropped",
            metric_match_schema(),
            [](const ConfigNode& n, FilterConfig& c) { read_metric_match(n, c.legacy_metrics.include); });
    s.block("exclude", "metric match properties", "legacy: metrics that match are dropped", metric_match_schema(),
            [](const ConfigNode& n, FilterConfig& c) { read_metric_match(n, c.legacy_metrics.exclude); });
    return s;
  }();
  return s;
}

const Schema<FilterConfig>& logs_schema() {
  static const auto s = [] {
    Schema<FilterConfig> s;
    s.custom("resource", "list of OTTL conditions", "", "resources matching any condition are dropped with their logs",
             resource_conditions(&FilterConfig::log_resource));
    conditions<log_record>(s, "log_record", "log records matching any condition are dropped",
                           &FilterConfig::ottl_log_record);
    s.block("include", "log match properties", "legacy: log records that do not match are dropped", log_match_schema(),
            [](const ConfigNode& n, FilterConfig& c) { read_log_match(n, c.legacy_logs.include); });
    s.block("exclude", "log match properties", "legacy: log records that match are dropped", log_match_schema(),
            [](const ConfigNode& n, FilterConfig& c) { read_log_match(n, c.legacy_logs.exclude); });
    return s;
  }();
  return s;
}

Schema<FilterConfig>::Reader section(const Schema<FilterConfig>& (*inner)()) {
  return [inner](const ConfigNode& n, FilterConfig& c) { inner().parse_into(n, c); };
}

}  // namespace

const Schema<FilterConfig>& schema() {
  static const auto s =
      Schema<FilterConfig>()
          .custom("error_mode", "one of: ignore, silent, propagate", "propagate",
                  "an OTTL condition that fails for an item: propagate refuses the batch, ignore logs and goes on "
                  "(the condition is false), silent goes on",
                  [](const ConfigNode& n, FilterConfig& c) {
                    c.error_mode = parse_choice(
                        n, std::vector<std::pair<std::string, ErrorMode>>{{"ignore", ErrorMode::ignore},
                                                                          {"silent", ErrorMode::silent},
                                                                          {"propagate", ErrorMode::propagate}});
                  })
          .block("spans", "map", "legacy: include/exclude match properties for spans", legacy_spans_schema(),
                 [](const ConfigNode& n, FilterConfig& c) { c.legacy_spans = legacy_spans_schema().parse(n)->m; })
          .block("traces", "map", "span and span event conditions", traces_schema(), section(traces_schema))
          .block("metrics", "map", "metric and data point conditions", metrics_schema(), section(metrics_schema))
          .block("logs", "map", "log record conditions", logs_schema(), section(logs_schema))
          .block("trace_conditions", "list of OTTL conditions or groups",
                 "each condition's context (resource, scope, span, spanevent) inferred from its paths; any match "
                 "drops the item of that context",
                 condition_group_schema(), inferred_conditions(Signal::traces))
          .block("metric_conditions", "list of OTTL conditions or groups",
                 "contexts resource, scope, metric, datapoint, inferred", condition_group_schema(),
                 inferred_conditions(Signal::metrics))
          .block("log_conditions", "list of OTTL conditions or groups", "contexts resource, scope, log, inferred",
                 condition_group_schema(), inferred_conditions(Signal::logs))
          .validate([](FilterConfig& c, const SchemaInput& in) {
            // As the Collector: one signal's legacy matchers and its conditions are not combined.
            if (c.legacy_spans.any() && (!c.ottl_span.empty() || !c.ottl_spanevent.empty()))
              in.fail("spans", "cannot use ottl conditions and include/exclude for spans at the same time");
            if (c.legacy_metrics.any() && (!c.ottl_metric.empty() || !c.ottl_datapoint.empty()))
              in.fail("metrics", "cannot use ottl conditions and include/exclude for metrics at the same time");
            if (c.legacy_logs.any() && (!c.ottl_log_record.empty() || !c.log_resource.empty() || !c.log_scope.empty()))
              in.fail("logs", "cannot use ottl conditions and include/exclude for logs at the same time");
          });
  return s;
}

std::unique_ptr<FilterConfig> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::filter_processor

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::processor, "filter", ::otlpd::filter_processor::schema)
