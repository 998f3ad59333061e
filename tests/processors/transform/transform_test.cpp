// The transform processor: the Collector's transformprocessor README examples (input and expected output written
// from their descriptions), the basic and advanced forms, context inference, error_mode and config errors.
#include <catch2/catch.hpp>

#include "processors/harness.h"

using namespace otlpd;
using namespace otlpd::test;
using Span = opentelemetry::proto::trace::v1::Span;
using AnyValue = opentelemetry::proto::common::v1::AnyValue;
using Attrs = google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>;

namespace {

template <typename B>
B run(const std::string& yaml, B batch) {
  Capture<B> out;
  auto p = make_processor<B>("transform", yaml, out);
  REQUIRE(input<B>(*p).consume(std::move(batch)).is_ok());
  auto got = out.take();
  REQUIRE(got.size() == 1);
  return std::move(got[0]);
}

template <typename B>
Status status_of(const std::string& yaml, B batch) {
  Capture<B> out;
  auto p = make_processor<B>("transform", yaml, out);
  return input<B>(*p).consume(std::move(batch));
}

const AnyValue* get(const Attrs& attrs, const std::string& key) {
  for (const auto& kv : attrs)
    if (kv.key() == key) return &kv.value();
  return nullptr;
}

std::vector<std::string> keys(const Attrs& attrs) {
  std::vector<std::string> out;
  for (const auto& kv : attrs) out.push_back(kv.key());
  return out;
}

const Span& first_span(const TraceBatch& b) {
  return b.read_parts()[0].request->resource_spans(0).scope_spans(0).spans(0);
}

TraceBatch one_span() {
  auto b = spans(1, "api");
  auto& s = *b.first().mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  s.set_name("GET /users/42");
  s.set_kind(Span::SPAN_KIND_SERVER);
  set_attr(*s.mutable_attributes(), "process.command_line", "app --password=secret --verbose");
  set_attr(*s.mutable_attributes(), "cloud.region", "eu-west-1");
  set_attr(*s.mutable_attributes(), "drop.me", "x");
  set_attr(*s.mutable_attributes(), "long", std::string(5000, 'a'));
  auto& res = *b.first().mutable_resource_spans(0)->mutable_resource()->mutable_attributes();
  set_attr(res, "k8s.namespace.name", "shop");
  return b;
}

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("transform README: keep_keys, replace_pattern, limit and truncate_all on spans (basic form)",
          "[processors][ottl]") {
  auto got = run(R"y(
error_mode: ignore
trace_statements:
  - keep_keys(span.attributes, ["service.name", "service.namespace", "cloud.region", "process.command_line", "long"])
  - replace_pattern(span.attributes["process.command_line"], "password\\=[^\\s]*(\\s?)", "password=***")
  - limit(span.attributes, 100, [])
  - truncate_all(span.attributes, 4096)
)y",
                 one_span());
  const auto& s = first_span(got);
  CHECK(keys(s.attributes()) == Names{"process.command_line", "cloud.region", "long"});
  CHECK(get(s.attributes(), "process.command_line")->string_value() == "app --password=***--verbose");
  CHECK(get(s.attributes(), "long")->string_value().size() == 4096);
}

TEST_CASE("transform README: advanced form with resource, metric and datapoint contexts", "[processors][ottl]") {
  auto b = gauge("system.processes.count", 2);
  auto& res = *b.first().mutable_resource_metrics(0)->mutable_resource()->mutable_attributes();
  set_attr(res, "host.name", "h1");
  set_attr(res, "os.type", "linux");
  auto got = run(R"y(
metric_statements:
  - context: resource
    statements:
      - keep_keys(attributes, ["host.name"])
      - truncate_all(attributes, 4096)
  - context: metric
    statements:
      - set(description, "Gauge") where type == METRIC_DATA_TYPE_GAUGE
  - context: datapoint
    statements:
      - limit(attributes, 100, ["host.name"])
      - set(attributes["doubled"], value_int * 2)
)y",
                 std::move(b));
  const auto& rm = got.read_parts()[0].request->resource_metrics(0);
  CHECK(keys(rm.resource().attributes()) == Names{"host.name"});
  const auto& m = rm.scope_metrics(0).metrics(0);
  CHECK(m.description() == "Gauge");
  CHECK(get(m.gauge().data_points(1).attributes(), "doubled")->int_value() == 2);
}

TEST_CASE("transform README: log body from an attribute, masked tokens, error_mode per group", "[processors][ottl]") {
  auto b = logs(2);
  auto& recs = *b.first().mutable_resource_logs(0)->mutable_scope_logs(0)->mutable_log_records();
  set_attr(*recs.Mutable(0)->mutable_attributes(), "http.route", "token - 0123456789abcdef0123456789abcdef");
  auto got = run(R"y(
log_statements:
  - context: log
    error_mode: silent
    statements:
      - set(log.body, log.attributes["http.route"])
      - replace_pattern(log.body, "token - ([a-zA-Z0-9]{32})", "token - ****")
)y",
                 std::move(b));
  const auto& out = got.read_parts()[0].request->resource_logs(0).scope_logs(0).log_records();
  CHECK(out.Get(0).body().string_value() == "token - ****");
  CHECK(out.Get(1).body().string_value() == "log 1");  // no attribute: set(nil) leaves the body
}

TEST_CASE("transform README: rename an attribute, copy a resource attribute, combine values", "[processors][ottl]") {
  auto got = run(R"y(
trace_statements:
  - set(span.attributes["region"], span.attributes["cloud.region"])
  - delete_key(span.attributes, "cloud.region")
  - set(span.attributes["namespace"], resource.attributes["k8s.namespace.name"])
  - set(span.attributes["combined"], Concat([span.attributes["region"], span.attributes["namespace"]], "/"))
  - set(span.name, "GET /users/{id}") where IsMatch(span.name, "^GET /users/\\d+$")
)y",
                 one_span());
  const auto& s = first_span(got);
  CHECK(get(s.attributes(), "cloud.region") == nullptr);
  CHECK(get(s.attributes(), "combined")->string_value() == "eu-west-1/shop");
  CHECK(s.name() == "GET /users/{id}");
}

TEST_CASE("transform README: parse a JSON body into attributes through the cache", "[processors][ottl]") {
  auto b = logs(2);
  auto& recs = *b.first().mutable_resource_logs(0)->mutable_scope_logs(0)->mutable_log_records();
  recs.Mutable(0)->mutable_body()->set_string_value(R"({"attr1": "v1", "level": "info"})");
  auto got = run(R"y(
log_statements:
  - merge_maps(log.cache, ParseJSON(log.body), "upsert") where IsMatch(log.body, "^\\{")
  - set(log.attributes["attr1"], log.cache["attr1"])
  - set(log.severity_number, SEVERITY_NUMBER_INFO) where log.cache["level"] == "info"
)y",
                 std::move(b));
  const auto& out = got.read_parts()[0].request->resource_logs(0).scope_logs(0).log_records();
  CHECK(get(out.Get(0).attributes(), "attr1")->string_value() == "v1");
  CHECK(out.Get(0).severity_number() == opentelemetry::proto::logs::v1::SEVERITY_NUMBER_INFO);
  CHECK(get(out.Get(1).attributes(), "attr1") == nullptr);  // the cache is per record
}

TEST_CASE("transform conditions select the items a group runs on", "[processors][ottl]") {
  auto got = run(R"y(
trace_statements:
  - context: span
    conditions:
      - kind == SPAN_KIND_CLIENT
      - name == "span1"
    statements:
      - set(attributes["picked"], true)
)y",
                 spans(3));
  const auto& ss = got.read_parts()[0].request->resource_spans(0).scope_spans(0);
  CHECK(get(ss.spans(0).attributes(), "picked") == nullptr);
  REQUIRE(get(ss.spans(1).attributes(), "picked") != nullptr);
  CHECK(get(ss.spans(2).attributes(), "picked") == nullptr);
}

TEST_CASE("transform spanevent and scope contexts", "[processors][ottl]") {
  auto b = one_span();
  auto& s = *b.first().mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  s.add_events()->set_name("exception");
  auto got = run(R"y(
trace_statements:
  - set(spanevent.attributes["span"], span.name)
  - context: scope
    statements: ['set(name, "renamed")']
)y",
                 std::move(b));
  const auto& ss = got.read_parts()[0].request->resource_spans(0).scope_spans(0);
  CHECK(ss.scope().name() == "renamed");
  CHECK(get(ss.spans(0).events(0).attributes(), "span")->string_value() == "GET /users/42");
}

TEST_CASE("transform error_mode: propagate refuses the batch, ignore goes on with the next statement",
          "[processors][ottl]") {
  const std::string stmts = R"y(
trace_statements:
  - set(span.attributes["cut"], Substring(span.name, 0, 100))
  - set(span.attributes["after"], true)
)y";
  CHECK(status_of(stmts, one_span()).is_permanent());
  auto got = run("error_mode: ignore\n" + stmts, one_span());
  CHECK(get(first_span(got).attributes(), "cut") == nullptr);
  CHECK(get(first_span(got).attributes(), "after")->bool_value());
}

TEST_CASE("transform config errors name the statement, the position and valid choices", "[processors][ottl]") {
  auto bad = [](const std::string& yaml) { return [yaml] { parse_processor("transform", yaml); }; };
  CHECK_THROWS_WITH(bad("trace_statements: ['set(span.nme, \"x\")']")(),
                    Catch::Contains("column 5: unknown path 'span.nme'") && Catch::Contains("did you mean span.name?"));
  CHECK_THROWS_WITH(bad("trace_statements: ['set(attributes[\"a\"], \"x\")']")(),
                    Catch::Contains("cannot infer the context"));
  CHECK_THROWS_WITH(bad("log_statements: ['set(span.name, \"x\")']")(), Catch::Contains("valid contexts are"));
  CHECK_THROWS_WITH(bad("trace_statements: [{context: log, statements: ['set(name, \"x\")']}]")(),
                    Catch::Contains("unknown value 'log'; valid values are: resource, scope, span, spanevent"));
  CHECK_THROWS_WITH(bad("trace_statements: [{context: span}]")(), Catch::Contains("statements"));
  // convert_sum_to_gauge exists now (transform_readme_test); aggregate_on_attributes is still missing.
  CHECK_THROWS_WITH(bad("metric_statements: [{context: metric, statements: ['aggregate_on_attributes(\"sum\")']}]")(),
                    Catch::Contains("unknown editor 'aggregate_on_attributes'"));
  CHECK_THROWS_WITH(bad("error_mode: loud")(), Catch::Contains("ignore, silent, propagate"));
  CHECK_NOTHROW(bad("trace_statements: [{context: span, statements: ['set(name, \"x\")']}]")());
}
