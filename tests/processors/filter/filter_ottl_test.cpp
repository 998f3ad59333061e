// The filter processor's OTTL conditions, from the examples of the Collector's filterprocessor README: input
// and expected output written from each example's description.
#include <catch2/catch.hpp>

#include "processors/harness.h"

using namespace otlpd;
using namespace otlpd::test;
using Span = opentelemetry::proto::trace::v1::Span;

namespace {

template <typename B>
std::vector<B> run(const std::string& yaml, B batch) {
  Capture<B> out;
  auto p = make_processor<B>("filter", yaml, out);
  REQUIRE(input<B>(*p).consume(std::move(batch)).is_ok());
  return out.take();
}

template <typename B>
Status status_of(const std::string& yaml, B batch) {
  Capture<B> out;
  auto p = make_processor<B>("filter", yaml, out);
  return input<B>(*p).consume(std::move(batch));
}

using Names = std::vector<std::string>;

Names names(const std::vector<TraceBatch>& got) {
  Names out;
  for (const auto& b : got)
    for (const auto& n : span_names(b)) out.push_back(n);
  return out;
}

// Spans of service "app": "GET /health" (server, http.request.method GET, container.name app_container_1),
// "query" (client, no method), "app_3" (internal); service "cron" on host "localhost": "tick".
TraceBatch traffic() {
  auto b = spans(0, "app");
  auto* ss = b.first().mutable_resource_spans(0)->mutable_scope_spans(0);
  auto* s = ss->add_spans();
  s->set_name("GET /health");
  s->set_kind(Span::SPAN_KIND_SERVER);
  set_attr(*s->mutable_attributes(), "http.request.method", "GET");
  set_attr(*s->mutable_attributes(), "container.name", "app_container_1");
  auto* ev = s->add_events();
  ev->set_name("grpc.call");
  ev = s->add_events();
  ev->set_name("exception");
  s = ss->add_spans();
  s->set_name("query");
  s->set_kind(Span::SPAN_KIND_CLIENT);
  s->add_events()->set_name("db.grpc.retry");
  s->add_events()->set_name("exception");
  s = ss->add_spans();
  s->set_name("app_3");
  s->set_kind(Span::SPAN_KIND_INTERNAL);
  auto* rs = b.first().add_resource_spans();
  set_attr(*rs->mutable_resource()->mutable_attributes(), "service.name", "cron");
  set_attr(*rs->mutable_resource()->mutable_attributes(), "host.name", "localhost");
  rs->add_scope_spans()->add_spans()->set_name("tick");
  return b;
}

const Span* find_span(const std::vector<TraceBatch>& got, const std::string& name) {
  for (const auto& b : got)
    for (const auto& p : b.read_parts())
      for (const auto& rs : p.request->resource_spans())
        for (const auto& ss : rs.scope_spans())
          for (const auto& s : ss.spans())
            if (s.name() == name) return &s;
  return nullptr;
}

Names event_names(const Span& s) {
  Names out;
  for (const auto& e : s.events()) out.push_back(e.name());
  return out;
}

}  // namespace

TEST_CASE("filter OTTL: the README's span conditions drop what any of them matches", "[processors][ottl]") {
  // README: span conditions on an attribute, a resource attribute and the name.
  const std::string yaml = R"(
error_mode: ignore
traces:
  span:
    - 'attributes["container.name"] == "app_container_1"'
    - 'resource.attributes["host.name"] == "localhost"'
    - 'name == "app_3"'
)";
  CHECK(names(run(yaml, traffic())) == Names{"query"});
}

TEST_CASE("filter OTTL: span events by attribute and name, none looked at for dropped spans", "[processors][ottl]") {
  // README: spanevent conditions `attributes["grpc"] == true` and `IsMatch(name, ".*grpc.*")`.
  const std::string yaml = R"(
traces:
  span: ['name == "GET /health"']
  spanevent:
    - 'attributes["grpc"] == true'
    - 'IsMatch(name, ".*grpc.*")'
)";
  auto got = run(yaml, traffic());
  CHECK(find_span(got, "GET /health") == nullptr);
  REQUIRE(find_span(got, "query") != nullptr);
  CHECK(event_names(*find_span(got, "query")) == Names{"exception"});
}

TEST_CASE("filter OTTL: non-HTTP and HTTP spans (README: Dropping non-HTTP spans)", "[processors][ottl]") {
  CHECK(names(run("traces: {span: ['attributes[\"http.request.method\"] == nil']}", traffic())) ==
        Names{"GET /health"});
  CHECK(names(run("traces: {span: ['attributes[\"http.request.method\"] != nil']}", traffic())) ==
        Names{"query", "app_3", "tick"});
}

TEST_CASE("filter OTTL: span kind, scope and resource conditions", "[processors][ottl]") {
  CHECK(names(run("traces: {span: ['kind == SPAN_KIND_CLIENT or kind == SPAN_KIND_INTERNAL']}", traffic())) ==
        Names{"GET /health", "tick"});
  CHECK(names(run("traces: {span: ['resource.attributes[\"service.name\"] != \"cron\"']}", traffic())) ==
        Names{"tick"});
  CHECK(run("traces: {span: ['true']}", traffic()).empty());
}

TEST_CASE("filter OTTL: metrics by name, type and resource, and data points by metric and value",
          "[processors][ottl]") {
  // README: `name == "my.metric" and resource.attributes["my_label"] == "abc123"`, `type == ...HISTOGRAM`.
  auto b = gauge("my.metric", 2);
  set_attr(*b.first().mutable_resource_metrics(0)->mutable_resource()->mutable_attributes(), "my_label", "abc123");
  b.append(gauge("other", 3));
  auto got = run(R"(
metrics:
  metric:
    - 'name == "my.metric" and resource.attributes["my_label"] == "abc123"'
    - 'type == METRIC_DATA_TYPE_HISTOGRAM'
)",
                 std::move(b));
  REQUIRE(got.size() == 1);
  CHECK(got[0].item_count() == 3);

  // README (Dropping specific metric and value): `metric.name == "k8s.pod.phase" and value_int == 4`; a metric left
  // with no data points is dropped.
  auto pods = gauge("k8s.pod.phase", 5);  // values 0..4
  auto kept = run("metrics: {datapoint: ['metric.name == \"k8s.pod.phase\" and value_int == 4']}", std::move(pods));
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].item_count() == 4);
  CHECK(run("metrics: {datapoint: ['metric.name == \"x\" and value_int >= 0']}", gauge("x", 3)).empty());
  CHECK(run("metrics: {datapoint: ['metric.type == METRIC_DATA_TYPE_SUMMARY']}", gauge("x", 3))[0].item_count() == 3);
}

TEST_CASE("filter OTTL: HasAttrOnDatapoint and HasAttrKeyOnDatapoint drop whole metrics", "[processors][ottl]") {
  auto b = gauge("a", 3);  // points carry attribute i = "0", "1", "2"
  b.append(gauge("b", 1));
  auto got = run("metrics: {metric: ['HasAttrOnDatapoint(\"i\", \"2\")']}", std::move(b));
  REQUIRE(got.size() == 1);
  CHECK(got[0].item_count() == 1);
  CHECK(run("metrics: {metric: ['HasAttrKeyOnDatapoint(\"i\")']}", gauge("a", 2)).empty());
}

TEST_CASE("filter OTTL: logs by severity and body (README: debug logs, password bodies)", "[processors][ottl]") {
  auto make = [] {
    auto b = logs(4);
    auto& recs = *b.first().mutable_resource_logs(0)->mutable_scope_logs(0)->mutable_log_records();
    recs.Mutable(0)->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_DEBUG);
    recs.Mutable(1)->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_INFO);
    recs.Mutable(1)->mutable_body()->set_string_value("user password=hunter2");
    recs.Mutable(2)->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_WARN);
    return b;
  };
  CHECK(log_bodies(run("logs: {log_record: ['severity_number != SEVERITY_NUMBER_UNSPECIFIED and severity_number < "
                       "SEVERITY_NUMBER_INFO']}",
                       make())) == Names{"user password=hunter2", "log 2", "log 3"});
  CHECK(log_bodies(run("logs: {log_record: ['IsMatch(body, \".*password.*\")']}", make())) ==
        Names{"log 0", "log 2", "log 3"});
}

TEST_CASE("filter OTTL error_mode: propagate refuses the batch, ignore and silent treat the condition as false",
          "[processors][ottl]") {
  // Substring past the end of a name fails at run time.
  const std::string cond = "traces: {span: ['Substring(name, 0, 6) == \"GET /h\"', 'name == \"tick\"']}";
  CHECK_FALSE(status_of(cond, traffic()).is_ok());
  CHECK(status_of("error_mode: propagate\n" + cond, traffic()).is_permanent());
  CHECK(names(run("error_mode: ignore\n" + cond, traffic())) == Names{"query", "app_3"});
  CHECK(names(run("error_mode: silent\n" + cond, traffic())) == Names{"query", "app_3"});
}

TEST_CASE("filter OTTL conditions and otlpd's condition maps mix in one list", "[processors][ottl]") {
  CHECK(names(run("traces: {span: ['name == \"tick\"', {kind: client}]}", traffic())) == Names{"GET /health", "app_3"});
}

TEST_CASE("filter OTTL errors name the condition, the column and close names", "[processors][ottl]") {
  auto bad = [](const std::string& yaml) { return [yaml] { parse_processor("filter", yaml); }; };
  CHECK_THROWS_WITH(bad("traces: {span: ['nme == \"x\"']}")(),
                    Catch::Contains("statement \"nme == \"x\"\": column 1: unknown path 'nme'") &&
                        Catch::Contains("did you mean name?") && Catch::Contains("traces::span"));
  CHECK_THROWS_WITH(bad("logs: {log_record: ['IsMatch(body, \"(\")']}")(), Catch::Contains("column 15"));
  CHECK_THROWS_WITH(bad("metrics: {metric: ['value_int == 1']}")(), Catch::Contains("in the metric context"));
  CHECK_THROWS_WITH(bad("traces: {span: ['name == \"x\" or']}")(), Catch::Contains("column 15: expected a value"));
}

TEST_CASE("filter trace_conditions: each condition's context inferred, higher levels drop whole subtrees",
          "[processors][ottl]") {
  // The Collector's basic form (v0.146 context inference): resource, span and spanevent conditions in one list.
  const std::string yaml = R"y(
trace_conditions:
  - resource.attributes["host.name"] == "localhost"
  - span.name == "app_3"
  - IsMatch(spanevent.name, ".*grpc.*")
)y";
  auto got = run(yaml, traffic());
  CHECK(names(got) == Names{"GET /health", "query"});
  CHECK(event_names(*find_span(got, "GET /health")) == Names{"exception"});
  CHECK(event_names(*find_span(got, "query")) == Names{"exception"});
  // Cross-context: evaluated per span event; the spans stay.
  auto cross = run(R"y(
trace_conditions:
  - resource.attributes["service.name"] == "app" or spanevent.name == "never"
)y",
                   traffic());
  CHECK(names(cross) == Names{"GET /health", "query", "app_3", "tick"});
  CHECK(find_span(cross, "query")->events().empty());
  // traces.resource and a scope condition.
  CHECK(names(run("traces: {resource: ['attributes[\"service.name\"] == \"cron\"']}", traffic())) ==
        Names{"GET /health", "query", "app_3"});
  CHECK(names(run("trace_conditions: ['scope.name == \"\"']", traffic())) == Names{"GET /health", "query", "app_3"});
}

TEST_CASE("filter log_conditions and metric_conditions: groups with their own error_mode", "[processors][ottl]") {
  auto b = logs(3);
  auto& recs = *b.first().mutable_resource_logs(0)->mutable_scope_logs(0)->mutable_log_records();
  recs.Mutable(0)->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_DEBUG);
  // The failing condition is silent in its group; the processor's propagate would refuse the batch.
  auto got = run(R"y(
log_conditions:
  - error_mode: silent
    conditions:
      - Substring(log.body, 0, 100) == "x"
  - log.severity_number < SEVERITY_NUMBER_INFO
)y",
                 std::move(b));
  REQUIRE(got.size() == 1);
  CHECK(got[0].item_count() == 2);
  CHECK(run("metric_conditions: ['resource.attributes[\"service.name\"] == nil']", gauge("m", 2)).empty());
  CHECK(run("metric_conditions: ['datapoint.value_int == 1']", gauge("m", 3))[0].item_count() == 2);

  auto bad = [](const std::string& yaml) { return [yaml] { parse_processor("filter", yaml); }; };
  CHECK_THROWS_WITH(bad("trace_conditions: ['attributes[\"a\"] == 1']")(), Catch::Contains("cannot infer the context"));
  CHECK_THROWS_WITH(bad("log_conditions: ['span.name == \"x\"']")(), Catch::Contains("which logs do not have"));
  CHECK_THROWS_WITH(bad("trace_conditions: ['span.nme == \"x\"']")(), Catch::Contains("did you mean span.name?"));
}
