// The filter processor: every condition-map field, list semantics, container clean-up and config errors. Condition
// maps are translated into OTTL conditions at load; each map below is checked against the OTTL it stands for.
#include <catch2/catch.hpp>

#include "platform/telemetry.h"
#include "processors/common/values.h"
#include "processors/harness.h"

using namespace otlpd;
using namespace otlpd::test;
using Span = opentelemetry::proto::trace::v1::Span;

namespace {

// Runs `batch` through a filter configured with `yaml`; returns what came out (empty: nothing was sent).
template <typename B>
std::vector<B> run(const std::string& yaml, B batch) {
  Capture<B> out;
  auto p = make_processor<B>("filter", yaml, out);
  REQUIRE(input<B>(*p).consume(std::move(batch)).is_ok());
  return out.take();
}

std::vector<std::string> names_after(const std::string& yaml, TraceBatch batch) {
  auto got = run(yaml, std::move(batch));
  if (got.empty()) return {};
  REQUIRE(got.size() == 1);
  return span_names(got[0]);
}

// Spans: "GET /health" (server, route /health), "GET /users" (server, error), "query" (client) in service api;
// "tick" (internal) in service cron, scope "scheduler".
TraceBatch traffic() {
  auto b = spans(0, "api");
  auto* ss = b.first().mutable_resource_spans(0)->mutable_scope_spans(0);
  auto add = [&](auto* scope, const std::string& name, Span::SpanKind kind, const std::string& route) {
    auto* s = scope->add_spans();
    s->set_name(name);
    s->set_kind(kind);
    if (!route.empty()) set_attr(*s->mutable_attributes(), "http.route", route);
    return s;
  };
  add(ss, "GET /health", Span::SPAN_KIND_SERVER, "/health");
  add(ss, "GET /users", Span::SPAN_KIND_SERVER, "/users")
      ->mutable_status()
      ->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  add(ss, "query", Span::SPAN_KIND_CLIENT, "");
  auto* rs = b.first().add_resource_spans();
  set_attr(*rs->mutable_resource()->mutable_attributes(), "service.name", "cron");
  auto* sched = rs->add_scope_spans();
  sched->mutable_scope()->set_name("scheduler");
  add(sched, "tick", Span::SPAN_KIND_INTERNAL, "");
  return b;
}

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("filter drops health-check spans where http.route is /health", "[processors]") {
  const auto before =
      Telemetry::global().counter_value("otelcol_processor_filter_spans_filtered", {{"filter", "filter"}});
  CHECK(names_after("traces: {span: [{attributes: {http.route: /health}}]}", traffic()) ==
        Names{"GET /users", "query", "tick"});
  CHECK(Telemetry::global().counter_value("otelcol_processor_filter_spans_filtered", {{"filter", "filter"}}) ==
        before + 1);
}

TEST_CASE("filter span conditions: name, kind, status, resource, scope, attributes", "[processors]") {
  CHECK(names_after("traces: {span: [{name: GET /health}]}", traffic()) == Names{"GET /users", "query", "tick"});
  CHECK(names_after("traces: {span: [{name: {strict: GET}}]}", traffic()).size() == 4);
  CHECK(names_after("traces: {span: [{name: {regexp: '^GET '}}]}", traffic()) == Names{"query", "tick"});
  CHECK(names_after("traces: {span: [{kind: client}]}", traffic()) == Names{"GET /health", "GET /users", "tick"});
  CHECK(names_after("traces: {span: [{kind: [SPAN_KIND_CLIENT, internal]}]}", traffic()) ==
        Names{"GET /health", "GET /users"});
  CHECK(names_after("traces: {span: [{status_code: error}]}", traffic()) == Names{"GET /health", "query", "tick"});
  CHECK(names_after("traces: {span: [{status_code: unset}]}", traffic()) == Names{"GET /users"});
  CHECK(names_after("traces: {span: [{resource_attributes: {service.name: cron}}]}", traffic()) ==
        Names{"GET /health", "GET /users", "query"});
  CHECK(names_after("traces: {span: [{scope_name: scheduler}]}", traffic()) ==
        Names{"GET /health", "GET /users", "query"});
  CHECK(names_after("traces: {span: [{attributes: {http.route: {regexp: '^/u'}}}]}", traffic()) ==
        Names{"GET /health", "query", "tick"});
  CHECK(names_after("traces: {span: [{attributes: {http.route: {exists: false}}}]}", traffic()) ==
        Names{"GET /health", "GET /users"});
  CHECK(names_after("traces: {span: [{attributes: {http.route: {exists: true}}}]}", traffic()) ==
        Names{"query", "tick"});
  // An entry matches only when all its fields match.
  CHECK(names_after("traces: {span: [{kind: server, status_code: ok}]}", traffic()).size() == 4);
  CHECK(names_after("traces: {span: [{kind: server, status_code: error}]}", traffic()) ==
        Names{"GET /health", "query", "tick"});
  // Any entry drops.
  CHECK(names_after("traces: {span: [{name: query}, {name: tick}]}", traffic()) == Names{"GET /health", "GET /users"});
  // Negatives: nothing matches, nothing dropped.
  CHECK(names_after("traces: {span: [{name: absent}, {attributes: {http.route: /nope}}]}", traffic()).size() == 4);
}

TEST_CASE("filter removes emptied scopes and resources, and sends nothing when all is dropped", "[processors]") {
  auto got = run<TraceBatch>("traces: {span: [{resource_attributes: {service.name: cron}}]}", traffic());
  REQUIRE(got.size() == 1);
  const auto& req = *got[0].read_parts()[0].request;
  REQUIRE(req.resource_spans_size() == 1);
  CHECK(processors::service_name(req.resource_spans(0).resource().attributes()) == "api");

  CHECK(run<TraceBatch>("traces: {span: [{name: {regexp: '.'}}]}", traffic()).empty());
}

TEST_CASE("filter drops span events by name and attributes", "[processors]") {
  auto b = spans(1);
  auto* s = b.first().mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  s->add_events()->set_name("exception");
  auto* e = s->add_events();
  e->set_name("log");
  set_attr(*e->mutable_attributes(), "level", "debug");
  s->add_events()->set_name("log");
  auto got = run<TraceBatch>("traces: {spanevent: [{name: exception}, {name: log, attributes: {level: debug}}]}",
                             std::move(b));
  REQUIRE(got.size() == 1);
  const auto& span = got[0].read_parts()[0].request->resource_spans(0).scope_spans(0).spans(0);
  REQUIRE(span.events_size() == 1);
  CHECK(span.events(0).name() == "log");
  CHECK(span.events(0).attributes().empty());
}

TEST_CASE("filter drops metrics by name and type, and data points by attributes", "[processors]") {
  auto b = gauge("go_goroutines", 3);
  b.append(gauge("http_requests", 3));
  auto got = run<MetricBatch>("metrics: {metric: [{name: {regexp: '^go_'}}], datapoint: [{attributes: {i: '1'}}]}",
                              std::move(b));
  REQUIRE(got.size() == 1);
  REQUIRE(got[0].read_parts().size() == 1);  // the go_ part became empty and was removed
  const auto& m = got[0].read_parts()[0].request->resource_metrics(0).scope_metrics(0).metrics(0);
  CHECK(m.name() == "http_requests");
  REQUIRE(m.gauge().data_points_size() == 2);
  CHECK(m.gauge().data_points(0).as_int() == 0);
  CHECK(m.gauge().data_points(1).as_int() == 2);

  CHECK(run<MetricBatch>("metrics: {metric: [{type: gauge}]}", gauge("x", 1)).empty());
  CHECK(run<MetricBatch>("metrics: {metric: [{type: [sum, histogram]}]}", gauge("x", 1)).size() == 1);
  // A metric whose every point is dropped is removed; a data point condition may name the metric.
  CHECK(run<MetricBatch>("metrics: {datapoint: [{name: x}]}", gauge("x", 2)).empty());
  CHECK(run<MetricBatch>("metrics: {datapoint: [{name: y}]}", gauge("x", 2))[0].item_count() == 2);
}

TEST_CASE("filter drops log records by severity, text, body and attributes", "[processors]") {
  auto make = [] {
    auto b = logs(4);
    auto& recs = *b.first().mutable_resource_logs(0)->mutable_scope_logs(0)->mutable_log_records();
    recs.Mutable(0)->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_DEBUG);
    recs.Mutable(1)->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_INFO);
    recs.Mutable(2)->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_WARN);
    recs.Mutable(2)->set_severity_text("WARNING");
    recs.Mutable(3)->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_ERROR);
    set_attr(*recs.Mutable(3)->mutable_attributes(), "component", "noisy");
    return b;
  };
  CHECK(log_bodies(run<LogBatch>("logs: {log_record: [{severity_number: {max: 9}}]}", make())) ==
        Names{"log 2", "log 3"});
  CHECK(log_bodies(run<LogBatch>("logs: {log_record: [{severity_number: {min: WARN, max: WARN4}}]}", make())) ==
        Names{"log 0", "log 1", "log 3"});
  CHECK(log_bodies(run<LogBatch>("logs: {log_record: [{severity_number: INFO}]}", make())) ==
        Names{"log 0", "log 2", "log 3"});
  CHECK(log_bodies(run<LogBatch>("logs: {log_record: [{severity_text: {regexp: '^WARN'}}]}", make())) ==
        Names{"log 0", "log 1", "log 3"});
  CHECK(log_bodies(run<LogBatch>("logs: {log_record: [{body: log 1}]}", make())) == Names{"log 0", "log 2", "log 3"});
  CHECK(log_bodies(run<LogBatch>("logs: {log_record: [{attributes: {component: noisy}}]}", make())) ==
        Names{"log 0", "log 1", "log 2"});
  CHECK(log_bodies(run<LogBatch>("logs: {log_record: [{attributes: {component: quiet}}]}", make())).size() == 4);
}

TEST_CASE("filter passes signals it has no conditions for", "[processors]") {
  CHECK(run<LogBatch>("traces: {span: [{name: x}]}", logs(2))[0].item_count() == 2);
}

TEST_CASE("invalid filter conditions are config errors", "[processors]") {
  auto bad = [](const std::string& yaml) { return [yaml] { parse_processor("filter", yaml); }; };
  CHECK_THROWS_WITH(bad("traces: {span: [{}]}")(), Catch::Contains("at least one field"));
  CHECK_THROWS_WITH(bad("traces: {span: [{severity_text: x}]}")(), Catch::Contains("severity_text"));
  CHECK_THROWS_WITH(bad("logs: {log_record: [{kind: server}]}")(), Catch::Contains("kind"));
  CHECK_THROWS_WITH(bad("traces: {span: [{kind: sideways}]}")(),
                    Catch::Contains("unknown value 'sideways'; valid values are: unspecified"));
  CHECK_THROWS_WITH(bad("traces: {span: [{status_code: fine}]}")(),
                    Catch::Contains("unknown value 'fine'; valid values are: unset, ok, error"));
  CHECK_THROWS_WITH(bad("traces: {span: [{name: {regexp: '('}}]}")(), Catch::Contains("invalid regular expression"));
  CHECK_THROWS_WITH(bad("logs: {log_record: [{severity_number: {max: LOUD}}]}")(),
                    Catch::Contains("unknown value 'LOUD'; valid values are: 0-24"));
  CHECK_THROWS_WITH(bad("metrics: {metric: [{type: counter}]}")(),
                    Catch::Contains("unknown value 'counter'; valid values are: gauge, sum"));
  CHECK_THROWS_WITH(bad("metrics: {metric: [{attributes: {a: b}}]}")(), Catch::Contains("attributes"));
  CHECK_THROWS_WITH(bad("traces: {spans: []}")(), Catch::Contains("spans"));
  CHECK_THROWS_WITH(bad("error_mode: loud")(), Catch::Contains("ignore, silent, propagate"));
  CHECK_NOTHROW(bad("error_mode: ignore\ntraces: {span: [{name: x}]}")());
}

// Each condition map and the OTTL condition written out: the same spans go (the translation is the whole engine).
TEST_CASE("filter condition maps behave as the OTTL conditions they translate to", "[processors][ottl]") {
  const std::pair<std::string, std::string> pairs[] = {
      {"{name: GET /health}", "'name == \"GET /health\"'"},
      {"{name: {regexp: '^GET '}}", "'IsMatch(name, \"^GET \")'"},
      {"{kind: [client, internal]}", "'kind == SPAN_KIND_CLIENT or kind == SPAN_KIND_INTERNAL'"},
      {"{kind: server, status_code: error}", "'kind == SPAN_KIND_SERVER and status.code == STATUS_CODE_ERROR'"},
      {"{resource_attributes: {service.name: cron}}", "'resource.attributes[\"service.name\"] == \"cron\"'"},
      {"{scope_name: {regexp: sched}}", "'IsMatch(instrumentation_scope.name, \"sched\")'"},
      {"{attributes: {http.route: {exists: false}}}", "'attributes[\"http.route\"] == nil'"},
  };
  for (const auto& [map, ottl] : pairs) {
    INFO(map << " vs " << ottl);
    CHECK(names_after("traces: {span: [" + map + "]}", traffic()) ==
          names_after("traces: {span: [" + ottl + "]}", traffic()));
  }
}

TEST_CASE("filter condition maps: typed attribute values, quoting, severity names and the body's string form",
          "[processors][ottl]") {
  // An int in YAML equals an int or a double attribute; a quoted "200" only the string.
  auto b = spans(3);
  auto& ss = *b.first().mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans();
  ss.Mutable(0)->mutable_attributes()->Add()->set_key("code");
  ss.Mutable(0)->mutable_attributes(0)->mutable_value()->set_int_value(200);
  set_attr(*ss.Mutable(1)->mutable_attributes(), "code", "200");
  ss.Mutable(2)->mutable_attributes()->Add()->set_key("code");
  ss.Mutable(2)->mutable_attributes(0)->mutable_value()->set_double_value(200.0);
  CHECK(names_after("traces: {span: [{attributes: {code: 200}}]}", b.clone()) == Names{"span1"});
  CHECK(names_after("traces: {span: [{attributes: {code: \"200\"}}]}", b.clone()) == Names{"span0", "span2"});
  // A regexp over a number's text.
  CHECK(names_after("traces: {span: [{attributes: {code: {regexp: '^2'}}}]}", b.clone()).empty());
  // Quotes and backslashes survive the translation.
  ss.Mutable(0)->set_name("say \"hi\" \\ bye");
  CHECK(names_after("traces: {span: [{name: 'say \"hi\" \\ bye'}]}", b.clone()) == Names{"span1", "span2"});

  // Severities by name and number; a map body matched by its JSON text.
  auto l = logs(3);
  auto& recs = *l.first().mutable_resource_logs(0)->mutable_scope_logs(0)->mutable_log_records();
  recs.Mutable(0)->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_INFO2);
  recs.Mutable(1)->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_WARN3);
  auto* kv = recs.Mutable(2)->mutable_body()->mutable_kvlist_value()->add_values();
  kv->set_key("user");
  kv->mutable_value()->set_string_value("ann");
  auto left = [](const std::vector<LogBatch>& got) { return got.empty() ? 0 : got[0].item_count(); };
  CHECK(left(run<LogBatch>("logs: {log_record: [{severity_number: INFO2}]}", l.clone())) == 2);
  CHECK(left(run<LogBatch>("logs: {log_record: [{severity_number: {min: 15}}]}", l.clone())) == 2);
  CHECK(left(run<LogBatch>("logs: {log_record: [{severity_number: {min: WARN4}}]}", l.clone())) == 3);
  CHECK(left(run<LogBatch>("logs: {log_record: [{body: {regexp: 'user.*ann'}}]}", l.clone())) == 2);
}

TEST_CASE("filter condition maps run on received bytes, as OTTL span conditions do", "[processors][ottl]") {
  const std::string bytes = traffic().first().SerializeAsString();
  Capture<TraceBatch> out;
  auto p = make_processor<TraceBatch>("filter", "traces: {span: [{name: nothing}]}", out);
  REQUIRE(input<TraceBatch>(*p).consume(TraceBatch::adopt_wire(bytes, 4)).is_ok());
  auto got = out.take();
  REQUIRE(got.size() == 1);
  REQUIRE(got[0].raw_parts()[0].wire != nullptr);  // judged on the bytes, not decoded as a whole
  CHECK(got[0].raw_parts()[0].request == nullptr);
}
