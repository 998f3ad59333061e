// Every documented example of the Collector's filter processor README (processor/filterprocessor/README.md, the
// version stored at commit ba96fac of opentelemetry-collector-contrib), each with input and the output the README
// describes:
//   "Examples"                         filter/ottl: span, spanevent, metric, datapoint and log_record conditions
//   "OTTL Functions"                   HasAttrKeyOnDatapoint("http.method"), HasAttrOnDatapoint("http.method", "GET")
//   "Alternative Config Options"       filter/1 (metrics include regexp + resource_attributes, exclude strict),
//                                      filter/2 (logs include strict resource_attributes), filter/regexp,
//                                      filter/regexp_record, filter/severity_text, filter/severity_number,
//                                      filter/bodies
//   "Using an "expr" match_type"       filter/1 with expressions: refused (otlpd has no expr language; the error
//                                      says to write OTTL), see docs/ottl.md
//   "Support for multiple expressions" filter/expr: refused as above; filter/strict: runs
//   "Filter metrics using resource attributes"  resource_attributes_include, _exclude, _regexp
//   "Filter Spans from Traces"         filter/spans (include strict services, exclude regexp on every field)
#include <catch2/catch.hpp>

#include "processors/common/values.h"
#include "processors/harness.h"

using namespace otlpd;
using namespace otlpd::test;
using Names = std::vector<std::string>;
namespace v1 = opentelemetry::proto;

namespace {

template <typename B>
std::vector<B> run(const std::string& yaml, B batch) {
  return run_processor("filter", yaml, std::move(batch));
}

// Names of the spans that came out, with "span/event" for each of their events.
Names span_and_event_names(const std::vector<TraceBatch>& got) {
  Names out;
  for (const auto& b : got)
    for (const auto& p : b.read_parts())
      for (const auto& rs : p.request->resource_spans())
        for (const auto& ss : rs.scope_spans())
          for (const auto& s : ss.spans()) {
            out.push_back(s.name());
            for (const auto& e : s.events()) out.push_back(s.name() + "/" + e.name());
          }
  return out;
}

// A resource with one attribute (none when key is empty).
template <typename R>
void resource_attr(R* r, const std::string& key, const std::string& value) {
  if (!key.empty()) set_attr(*r->mutable_resource()->mutable_attributes(), key, value);
}

v1::metrics::v1::Metric* add_gauge(v1::metrics::v1::ScopeMetrics* sm, const std::string& name,
                                   const std::string& point_key = "", const std::string& point_value = "") {
  auto* m = sm->add_metrics();
  m->set_name(name);
  auto* dp = m->mutable_gauge()->add_data_points();
  dp->set_as_int(1);
  if (!point_key.empty()) set_attr(*dp->mutable_attributes(), point_key, point_value);
  return m;
}

// Metrics `names` under one resource with `key: value`.
MetricBatch metrics(const std::vector<std::pair<std::string, std::string>>& resources,
                    const std::vector<Names>& names) {
  auto b = MetricBatch::make();
  for (size_t r = 0; r < resources.size(); ++r) {
    auto* rm = b.first().add_resource_metrics();
    resource_attr(rm, resources[r].first, resources[r].second);
    auto* sm = rm->add_scope_metrics();
    for (const auto& n : names[r]) add_gauge(sm, n);
  }
  return b;
}

struct Log {
  Log(std::string b, int sev, std::string text = "", std::string key = "", std::string value = "")
      : body(std::move(b)),
        severity(sev),
        severity_text(std::move(text)),
        attr_key(std::move(key)),
        attr_value(std::move(value)) {}
  std::string body;
  int severity = 0;
  std::string severity_text, attr_key, attr_value;
};

LogBatch log_batch(const std::vector<std::pair<std::string, std::vector<Log>>>& by_host) {
  auto b = LogBatch::make();
  for (const auto& [host, logs] : by_host) {
    auto* rl = b.first().add_resource_logs();
    resource_attr(rl, host.empty() ? "" : "host.name", host);
    auto* sl = rl->add_scope_logs();
    for (const auto& l : logs) {
      auto* r = sl->add_log_records();
      r->mutable_body()->set_string_value(l.body);
      r->set_severity_number(static_cast<v1::logs::v1::SeverityNumber>(l.severity));
      r->set_severity_text(l.severity_text);
      if (!l.attr_key.empty()) set_attr(*r->mutable_attributes(), l.attr_key, l.attr_value);
    }
  }
  return b;
}

}  // namespace

TEST_CASE("filter README Examples: filter/ottl drops spans, events, metrics, points and logs", "[processors][readme]") {
  const std::string yaml = R"y(
error_mode: ignore
traces:
  span:
    - 'attributes["container.name"] == "app_container_1"'
    - 'resource.attributes["host.name"] == "localhost"'
    - 'name == "app_3"'
  spanevent:
    - 'attributes["grpc"] == true'
    - 'IsMatch(name, ".*grpc.*")'
metrics:
  metric:
      - 'name == "my.metric" and resource.attributes["my_label"] == "abc123"'
      - 'type == METRIC_DATA_TYPE_HISTOGRAM'
  datapoint:
      - 'metric.type == METRIC_DATA_TYPE_SUMMARY'
      - 'resource.attributes["service.name"] == "my_service_name"'
logs:
  log_record:
    - 'IsMatch(body, ".*password.*")'
    - 'severity_number < SEVERITY_NUMBER_WARN'
)y";
  // Traces: a container span, an app_3 span, a span on localhost; a kept span with three events.
  auto t = TraceBatch::make();
  auto* app = t.first().add_resource_spans();
  resource_attr(app, "host.name", "web-1");
  auto* ss = app->add_scope_spans();
  auto* s = ss->add_spans();
  s->set_name("in_container");
  set_attr(*s->mutable_attributes(), "container.name", "app_container_1");
  ss->add_spans()->set_name("app_3");
  auto* kept = ss->add_spans();
  kept->set_name("kept");
  auto* e = kept->add_events();
  e->set_name("flagged");
  auto* grpc = e->add_attributes();
  grpc->set_key("grpc");
  grpc->mutable_value()->set_bool_value(true);
  kept->add_events()->set_name("my.grpc.call");
  kept->add_events()->set_name("exception");
  auto* local = t.first().add_resource_spans();
  resource_attr(local, "host.name", "localhost");
  local->add_scope_spans()->add_spans()->set_name("on_localhost");
  CHECK(span_and_event_names(run(yaml, std::move(t))) == Names{"kept", "kept/exception"});

  // Metrics: my.metric goes only under my_label=abc123; a histogram goes; a summary's points all go (so does it);
  // every point under service my_service_name goes (so do its metrics).
  auto m = MetricBatch::make();
  auto* labelled = m.first().add_resource_metrics();
  resource_attr(labelled, "my_label", "abc123");
  auto* sm = labelled->add_scope_metrics();
  add_gauge(sm, "my.metric");
  add_gauge(sm, "other.metric");
  auto* hist = sm->add_metrics();
  hist->set_name("latency");
  hist->mutable_histogram()->add_data_points()->set_count(1);
  auto* summary = sm->add_metrics();
  summary->set_name("quantiles");
  summary->mutable_summary()->add_data_points()->set_count(1);
  auto* unlabelled = m.first().add_resource_metrics();
  add_gauge(unlabelled->add_scope_metrics(), "my.metric");
  auto* svc = m.first().add_resource_metrics();
  resource_attr(svc, "service.name", "my_service_name");
  add_gauge(svc->add_scope_metrics(), "requests");
  CHECK(metric_names(run(yaml, std::move(m))) == Names{"other.metric", "my.metric"});

  // Logs: bodies with "password" and severities below WARN (unset is 0, below WARN too) go.
  auto l = log_batch(
      {{"", {{"user password=hunter2", 17}, {"debug line", 5}, {"no severity", 0}, {"warned", 13}, {"failed", 17}}}});
  CHECK(log_bodies(run(yaml, std::move(l))) == Names{"warned", "failed"});
}

TEST_CASE("filter README OTTL Functions: HasAttrKeyOnDatapoint and HasAttrOnDatapoint", "[processors][readme]") {
  auto make = [] {
    auto b = MetricBatch::make();
    auto* sm = b.first().add_resource_metrics()->add_scope_metrics();
    add_gauge(sm, "get", "http.method", "GET");
    add_gauge(sm, "post", "http.method", "POST");
    add_gauge(sm, "none");
    return b;
  };
  CHECK(metric_names(run("metrics: {metric: ['HasAttrKeyOnDatapoint(\"http.method\")']}", make())) == Names{"none"});
  CHECK(metric_names(run("metrics: {metric: ['HasAttrOnDatapoint(\"http.method\", \"GET\")']}", make())) ==
        Names{"post", "none"});
}

TEST_CASE("filter README Alternative Config Options: filter/1 metrics include regexp, exclude strict",
          "[processors][readme]") {
  const std::string yaml = R"y(
metrics:
  include:
    match_type: regexp
    metric_names:
      - prefix/.*
      - prefix_.*
    resource_attributes:
      - key: container.name
        value: app_container_1
  exclude:
    match_type: strict
    metric_names:
      - hello_world
      - hello/world
)y";
  // Only prefixed names from app_container_1 stay (hello_world never matches include, so exclude adds nothing).
  auto b = metrics({{"container.name", "app_container_1"}, {"container.name", "app_container_2"}},
                   {{"prefix/a", "prefix_b", "other", "hello_world"}, {"prefix/c"}});
  CHECK(metric_names(run(yaml, std::move(b))) == Names{"prefix/a", "prefix_b"});
}

TEST_CASE("filter README Alternative Config Options: the log examples", "[processors][readme]") {
  auto hosts = [] {
    return log_batch({{"just_this_one_hostname", {{"a", 9}}},
                      {"prefix-host", {{"b", 9}}},
                      {"other", {{"c", 9, "", "record_attr", "prefix_1"}, {"d", 9, "", "record_attr", "other"}}}});
  };
  // filter/2: strict resource attribute.
  CHECK(log_bodies(run(R"y(
logs:
  include:
    match_type: strict
    resource_attributes:
      - key: host.name
        value: just_this_one_hostname
)y",
                       hosts())) == Names{"a"});
  // filter/regexp: unanchored regexp over the resource attribute.
  CHECK(log_bodies(run(R"y(
logs:
  include:
    match_type: regexp
    resource_attributes:
      - key: host.name
        value: prefix.*
)y",
                       hosts())) == Names{"b"});
  // filter/regexp_record: over the record's attribute.
  CHECK(log_bodies(run(R"y(
logs:
  include:
    match_type: regexp
    record_attributes:
      - key: record_attr
        value: prefix_.*
)y",
                       hosts())) == Names{"c"});

  auto severities = [] {
    return log_batch({{"",
                       {{"trace", 1, "TRACE"},
                        {"debug", 5, "DEBUG"},
                        {"info", 9, "INFO"},
                        {"warn2", 14, "WARN2"},
                        {"error3", 19, "ERROR3"},
                        {"unset", 0, ""},
                        {"IMPORTANT RECORD: disk", 0, ""}}}});
  };
  // filter/severity_text: INFO, WARN and ERROR (with 2-4) texts stay.
  CHECK(log_bodies(run(R"y(
logs:
  include:
    match_type: regexp
    severity_texts:
    - INFO[2-4]?
    - WARN[2-4]?
    - ERROR[2-4]?
)y",
                       severities())) == Names{"info", "warn2", "error3"});
  // filter/severity_number: below INFO goes; undefined severities stay (match_undefined).
  CHECK(log_bodies(run(R"y(
logs:
  include:
    severity_number:
      min: "INFO"
      match_undefined: true
)y",
                       severities())) == Names{"info", "warn2", "error3", "unset", "IMPORTANT RECORD: disk"});
  // filter/bodies: only bodies starting "IMPORTANT RECORD".
  CHECK(log_bodies(run(R"y(
logs:
  include:
    match_type: regexp
    bodies:
    - ^IMPORTANT RECORD
)y",
                       severities())) == Names{"IMPORTANT RECORD: disk"});
}

TEST_CASE("filter README expr examples are refused with the OTTL way, filter/strict runs", "[processors][readme]") {
  // otlpd has no expr language (docs/ottl.md); the error points at OTTL conditions.
  CHECK_THROWS_WITH(parse_processor("filter", R"y(
metrics:
  exclude:
    match_type: expr
    expressions:
    - MetricName == "my.metric" && Label("my_label") == "abc123"
    - MetricType == "Histogram"
)y"),
                    Catch::Contains("OTTL"));
  CHECK_THROWS_WITH(parse_processor("filter", R"y(
metrics:
  exclude:
    match_type: expr
    expressions:
      - MetricName == "system.cpu.time"
      - MetricName == "system.disk.io"
)y"),
                    Catch::Contains("OTTL"));
  // filter/strict: the same effect as the expr example.
  auto b = metrics({{"", ""}}, {{"system.cpu.time", "system.disk.io", "system.memory.usage"}});
  CHECK(metric_names(run(R"y(
metrics:
  exclude:
    match_type: strict
    metric_names:
      - system.cpu.time
      - system.disk.io
)y",
                         std::move(b))) == Names{"system.memory.usage"});
}

TEST_CASE("filter README Filter metrics using resource attributes", "[processors][readme]") {
  auto make = [] {
    return metrics({{"container.name", "app_container_1"}, {"container.name", "app_container_2"}},
                   {{"hello_world", "other"}, {"hello_world", "hello/world"}});
  };
  // resource_attributes_include: only hello_world / hello/world from app_container_1.
  CHECK(metric_names(run(R"y(
metrics:
  include:
    match_type: strict
    metric_names: [hello_world, hello/world]
    resource_attributes:
      - key: container.name
        value: app_container_1
)y",
                         make())) == Names{"hello_world"});
  // resource_attributes_exclude: those names from app_container_1 go.
  CHECK(metric_names(run(R"y(
metrics:
  exclude:
    match_type: strict
    metric_names: [hello_world, hello/world]
    resource_attributes:
      - key: container.name
        value: app_container_1
)y",
                         make())) == Names{"other", "hello_world", "hello/world"});
  // resource_attributes_regexp: the README's (app_container_1|app_container_1) pattern.
  CHECK(metric_names(run(R"y(
metrics:
  exclude:
    match_type: regexp
    metric_names: [hello_world, hello/world]
    resource_attributes:
      - key: container.name
        value: (app_container_1|app_container_1)
)y",
                         make())) == Names{"other", "hello_world", "hello/world"});
}

TEST_CASE("filter README Filter Spans from Traces: filter/spans", "[processors][readme]") {
  const std::string yaml = R"y(
spans:
  include:
    match_type: strict
    services:
      - app_3
  exclude:
    match_type: regexp
    services:
      - app_1
      - app_2
    span_names:
      - hello_world
      - hello/world
    attributes:
      - key: container.name
        value: (app_container_1|app_container_2)
    libraries:
      - name: opentelemetry
        version: 0.0-beta
    resources:
      - key: container.host
        value: (localhost|127.0.0.1)
)y";
  // Only app_3's spans are included; exclude needs every field (app_1/app_2 among them), so it drops none of them.
  auto b = TraceBatch::make();
  for (const char* service : {"app_1", "app_3"}) {
    auto* rs = b.first().add_resource_spans();
    resource_attr(rs, "service.name", service);
    set_attr(*rs->mutable_resource()->mutable_attributes(), "container.host", "localhost");
    auto* ss = rs->add_scope_spans();
    ss->mutable_scope()->set_name("opentelemetry");
    ss->mutable_scope()->set_version("0.0-beta");
    auto* s = ss->add_spans();
    s->set_name(std::string("hello_world"));
    set_attr(*s->mutable_attributes(), "container.name", "app_container_1");
  }
  auto got = run(yaml, std::move(b));
  REQUIRE(got.size() == 1);
  REQUIRE(got[0].read_parts()[0].request->resource_spans_size() == 1);
  CHECK(processors::service_name(got[0].read_parts()[0].request->resource_spans(0).resource().attributes()) == "app_3");
}
