// Parsing of the `filter` processor's conditions.
#include "processors/filter/config.h"

#include "config/node.h"
#include "opentelemetry/proto/metrics/v1/metrics.pb.h"

namespace otlpd::filter_processor {

namespace {

using opentelemetry::proto::metrics::v1::Metric;

// `text`, `{strict: text}` or `{regexp: pattern}`.
StringMatcher string_matcher(const ConfigNode& n) {
  if (n.is_scalar()) return StringMatcher::strict(n.as<std::string>());
  if (!n.is_map()) n.fail("expected a string, {strict: <string>} or {regexp: <pattern>}");
  MapReader r(n);
  std::optional<StringMatcher> m;
  if (auto s = r.child("strict"); s && !s->is_null()) m = StringMatcher::strict(s->as<std::string>());
  if (auto re = r.child("regexp"); re && !re->is_null()) {
    if (m) n.fail("give one of 'strict' or 'regexp', not both");
    m = StringMatcher::regexp(re->as<std::string>(), *re);
  }
  r.finish();
  if (!m) n.fail("expected {strict: <string>} or {regexp: <pattern>}");
  return *m;
}

std::vector<AttributeCondition> attribute_conditions(const ConfigNode& n) {
  if (!n.is_map()) n.fail("expected a map of attribute key to value, {regexp: <pattern>} or {exists: <bool>}");
  std::vector<AttributeCondition> out;
  for (const auto& [key, value] : n.entries()) {
    AttributeCondition c;
    c.key = key;
    if (value.is_map()) {
      MapReader r(value);
      if (auto s = r.child("strict"); s && !s->is_null()) c.equals = processors::typed_scalar(*s);
      if (auto re = r.child("regexp"); re && !re->is_null())
        c.matches = StringMatcher::regexp(re->as<std::string>(), *re);
      bool exists = false;
      if (r.get("exists", exists)) c.exists = exists;
      r.finish();
      if (int(c.equals.has_value()) + int(c.matches.has_value()) + int(c.exists.has_value()) != 1)
        value.fail("give exactly one of 'strict', 'regexp' or 'exists'");
    } else {
      c.equals = processors::typed_scalar(value);
    }
    out.push_back(std::move(c));
  }
  if (out.empty()) n.fail("expected at least one attribute");
  return out;
}

// One value or a list of values.
std::vector<ConfigNode> one_or_many(const ConfigNode& n) {
  if (n.is_sequence()) return n.items();
  return {n};
}

std::vector<int> span_kinds(const ConfigNode& n) {
  std::vector<int> out;
  for (const auto& item : one_or_many(n)) {
    int k = processors::parse_span_kind(item.as<std::string>());
    if (k < 0) item.fail("unknown span kind; valid are: unspecified, internal, server, client, producer, consumer");
    out.push_back(k);
  }
  return out;
}

std::vector<int> status_codes(const ConfigNode& n) {
  std::vector<int> out;
  for (const auto& item : one_or_many(n)) {
    auto s = item.as<std::string>();
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s.rfind("status_code_", 0) == 0) s = s.substr(12);
    if (s == "unset")
      out.push_back(0);
    else if (s == "ok")
      out.push_back(1);
    else if (s == "error")
      out.push_back(2);
    else
      item.fail("unknown status code; valid are: unset, ok, error");
  }
  return out;
}

std::vector<int> metric_types(const ConfigNode& n) {
  std::vector<int> out;
  for (const auto& item : one_or_many(n)) {
    auto s = item.as<std::string>();
    if (s == "gauge")
      out.push_back(Metric::kGauge);
    else if (s == "sum")
      out.push_back(Metric::kSum);
    else if (s == "histogram")
      out.push_back(Metric::kHistogram);
    else if (s == "exponential_histogram")
      out.push_back(Metric::kExponentialHistogram);
    else if (s == "summary")
      out.push_back(Metric::kSummary);
    else
      item.fail("unknown metric type; valid are: gauge, sum, histogram, exponential_histogram, summary");
  }
  return out;
}

int severity(const ConfigNode& n) {
  int s = processors::parse_severity_number(n.as<std::string>());
  if (s < 0) n.fail("unknown severity; use 0-24 or TRACE, DEBUG, INFO, WARN, ERROR, FATAL (with optional 2-4)");
  return s;
}

enum class Target { span, spanevent, metric, datapoint, log_record };

// Reads one entry; MapReader::finish() rejects the fields the target does not have, listing those it has.
Condition parse_condition(const ConfigNode& n, Target t) {
  if (!n.is_map()) n.fail("a condition is a map of fields, e.g. {name: \"GET /health\"}");
  Condition c;
  MapReader r(n);
  auto field = [&](std::string_view key) -> std::optional<ConfigNode> {
    auto f = r.child(key);
    if (!f || f->is_null()) return std::nullopt;
    return f;
  };
  bool any = false;
  if (t != Target::log_record)
    if (auto f = field("name")) c.name = string_matcher(*f), any = true;
  if (t != Target::metric)
    if (auto f = field("attributes")) c.attributes = attribute_conditions(*f), any = true;
  if (auto f = field("resource_attributes")) c.resource_attributes = attribute_conditions(*f), any = true;
  if (auto f = field("scope_name")) c.scope_name = string_matcher(*f), any = true;
  if (t == Target::span) {
    if (auto f = field("kind")) c.kinds = span_kinds(*f), any = true;
    if (auto f = field("status_code")) c.status_codes = status_codes(*f), any = true;
  }
  if (t == Target::metric || t == Target::datapoint)
    if (auto f = field("type")) c.metric_types = metric_types(*f), any = true;
  if (t == Target::log_record) {
    if (auto f = field("severity_number")) {
      if (f->is_scalar()) {
        c.severity_min = c.severity_max = severity(*f);
      } else {
        MapReader sr(*f);
        if (auto m = sr.child("min"); m && !m->is_null()) c.severity_min = severity(*m);
        if (auto m = sr.child("max"); m && !m->is_null()) c.severity_max = severity(*m);
        sr.finish();
        if (!c.severity_min && !c.severity_max) f->fail("give 'min', 'max' or both");
      }
      any = true;
    }
    if (auto f = field("severity_text")) c.severity_text = string_matcher(*f), any = true;
    if (auto f = field("body")) c.body = string_matcher(*f), any = true;
  }
  r.finish();
  if (!any) n.fail("a condition needs at least one field (an empty one would drop everything)");
  return c;
}

std::vector<Condition> conditions(MapReader& r, std::string_view key, Target t) {
  std::vector<Condition> out;
  auto n = r.child(key);
  if (!n || n->is_null()) return out;
  if (!n->is_sequence()) n->fail("expected a list of conditions");
  for (const auto& item : n->items()) out.push_back(parse_condition(item, t));
  return out;
}

}  // namespace

std::unique_ptr<FilterConfig> parse_config(const ConfigNode& node) {
  auto cfg = std::make_unique<FilterConfig>();
  MapReader r(node);
  std::string mode = "propagate";
  r.get("error_mode", mode);
  if (mode == "ignore")
    cfg->error_mode = ErrorMode::ignore;
  else if (mode == "silent")
    cfg->error_mode = ErrorMode::silent;
  else if (mode == "propagate")
    cfg->error_mode = ErrorMode::propagate;
  else
    r.child("error_mode")->fail("unknown error_mode '" + mode + "'; valid are: ignore, silent, propagate");
  if (auto t = r.child("traces"); t && !t->is_null()) {
    MapReader tr(*t);
    cfg->span = conditions(tr, "span", Target::span);
    cfg->spanevent = conditions(tr, "spanevent", Target::spanevent);
    tr.finish();
  }
  if (auto m = r.child("metrics"); m && !m->is_null()) {
    MapReader mr(*m);
    cfg->metric = conditions(mr, "metric", Target::metric);
    cfg->datapoint = conditions(mr, "datapoint", Target::datapoint);
    mr.finish();
  }
  if (auto l = r.child("logs"); l && !l->is_null()) {
    MapReader lr(*l);
    cfg->log_record = conditions(lr, "log_record", Target::log_record);
    lr.finish();
  }
  r.finish();
  return cfg;
}

}  // namespace otlpd::filter_processor
