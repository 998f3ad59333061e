// Every documented example of the Collector's transform processor README (processor/transformprocessor/README.md,
// the version stored at commit a68e9a1 of opentelemetry-collector-contrib), each with input and the output the
// README describes (transform_test.cpp holds the newer README's basic-form examples):
//   "Config / Example"      the advanced-form config: resource, span, metric, datapoint, log groups. Its
//                           convert_sum_to_gauge / convert_gauge_to_sum are written in the datapoint context there;
//                           the Collector moved them to the metric context (v0.114, the datapoint forms removed), and
//                           otlpd has them only there: the test runs them in the metric context (docs/ottl.md).
//                           Its `replace_all_patterns(attributes, "/account/\\d{4}", "/account/{accountId}")` has no
//                           mode argument, which the Collector's function requires since v0.62; written with "value".
//   "convert_sum_to_gauge", "convert_gauge_to_sum" ("cumulative", false / "delta", true),
//   "convert_summary_count_val_to_sum", "convert_summary_sum_val_to_sum"
//   "Perform transformation if field does not exist", "Rename attribute" (both ways), "Move field to attribute",
//   "Combine two attributes", "Parsing JSON logs"
// And the metric functions of the newer README (extract_sum_metric, extract_count_metric, copy_metric,
// scale_metric), from their descriptions in the Collector's transformprocessor function docs.
#include <catch2/catch.hpp>

#include "processors/common/values.h"
#include "processors/harness.h"

using namespace otlpd;
using namespace otlpd::test;
using Span = opentelemetry::proto::trace::v1::Span;
using Metric = opentelemetry::proto::metrics::v1::Metric;
using Attrs = google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>;
using Names = std::vector<std::string>;
namespace mv1 = opentelemetry::proto::metrics::v1;

namespace {

template <typename B>
B run(const std::string& yaml, B batch) {
  auto got = run_processor("transform", yaml, std::move(batch));
  REQUIRE(got.size() == 1);
  return std::move(got[0]);
}

using processors::find_attribute;

std::string str(const Attrs& attrs, const std::string& key) {
  const auto* v = find_attribute(attrs, key);
  return v ? v->string_value() : "<absent>";
}

Names keys(const Attrs& attrs) {
  Names out;
  for (const auto& kv : attrs) out.push_back(kv.key());
  return out;
}

const google::protobuf::RepeatedPtrField<Metric>& metrics_of(const MetricBatch& b) {
  return b.read_parts()[0].request->resource_metrics(0).scope_metrics(0).metrics();
}

const Metric* find_metric(const MetricBatch& b, const std::string& name) {
  for (const auto& m : metrics_of(b))
    if (m.name() == name) return &m;
  return nullptr;
}

// One scope of metrics: a sum, a gauge, a summary (count 4, sum 10.5), a histogram (count 3, sum 6) and an
// exponential histogram without a sum; every point has attribute a=1 and times 1/2.
MetricBatch metric_zoo() {
  auto b = MetricBatch::make();
  auto* sm = b.first().add_resource_metrics()->add_scope_metrics();
  auto point = [](auto* p) {
    set_attr(*p->mutable_attributes(), "a", "1");
    p->set_start_time_unix_nano(1);
    p->set_time_unix_nano(2);
    return p;
  };
  auto* sum = sm->add_metrics();
  sum->set_name("system.processes.count");
  sum->set_unit("{process}");
  sum->mutable_sum()->set_is_monotonic(true);
  point(sum->mutable_sum()->add_data_points())->set_as_int(7);
  auto* gauge = sm->add_metrics();
  gauge->set_name("prometheus_metric");
  point(gauge->mutable_gauge()->add_data_points())->set_as_double(2.5);
  auto* summary = sm->add_metrics();
  summary->set_name("rpc.duration");
  summary->set_description("RPC time");
  summary->set_unit("s");
  auto* sp = point(summary->mutable_summary()->add_data_points());
  sp->set_count(4);
  sp->set_sum(10.5);
  auto* q = sp->add_quantile_values();
  q->set_quantile(0.5);
  q->set_value(2);
  auto* hist = sm->add_metrics();
  hist->set_name("http.duration");
  hist->set_unit("s");
  hist->mutable_histogram()->set_aggregation_temporality(mv1::AGGREGATION_TEMPORALITY_DELTA);
  auto* hp = point(hist->mutable_histogram()->add_data_points());
  hp->set_count(3);
  hp->set_sum(6);
  hp->add_explicit_bounds(1);
  hp->add_explicit_bounds(5);
  auto* exp = sm->add_metrics();
  exp->set_name("exp.duration");
  point(exp->mutable_exponential_histogram()->add_data_points())->set_count(2);
  return b;
}

}  // namespace

TEST_CASE("transform README Config Example: every group of the advanced-form example", "[processors][readme]") {
  // Traces: resource and span groups.
  auto t = spans(2, "api");
  auto& rs = *t.first().mutable_resource_spans(0);
  auto& res = *rs.mutable_resource()->mutable_attributes();
  set_attr(res, "process.command_line", "app password=hunter2 --verbose");
  set_attr(res, "cloud.region", "eu");
  set_attr(res, "host.arch", "amd64");
  set_attr(res, "long", std::string(5000, 'x'));
  auto& s0 = *rs.mutable_scope_spans(0)->mutable_spans(0);
  set_attr(*s0.mutable_attributes(), "http.path", "/health");
  set_attr(*s0.mutable_attributes(), "http.route", "/health");
  set_attr(*s0.mutable_attributes(), "http.target", "/user/12/list/34");
  auto& s1 = *rs.mutable_scope_spans(0)->mutable_spans(1);
  set_attr(*s1.mutable_attributes(), "http.route", "/users");
  const std::string traces = R"y(
error_mode: ignore
trace_statements:
  - context: resource
    statements:
      - keep_keys(attributes, ["service.name", "service.namespace", "cloud.region", "process.command_line"])
      - replace_pattern(attributes["process.command_line"], "password\\=[^\\s]*(\\s?)", "password=***")
      - limit(attributes, 100, [])
      - truncate_all(attributes, 4096)
  - context: span
    statements:
      - set(status.code, 1) where attributes["http.path"] == "/health"
      - set(name, attributes["http.route"])
      - replace_match(attributes["http.target"], "/user/*/list/*", "/user/{userId}/list/{listId}")
      - limit(attributes, 100, [])
      - truncate_all(attributes, 4096)
)y";
  auto got = run(traces, std::move(t));
  const auto& out = got.read_parts()[0].request->resource_spans(0);
  CHECK(keys(out.resource().attributes()) == Names{"service.name", "process.command_line", "cloud.region"});
  CHECK(str(out.resource().attributes(), "process.command_line") == "app password=***--verbose");
  const auto& o0 = out.scope_spans(0).spans(0);
  CHECK(o0.status().code() == opentelemetry::proto::trace::v1::Status::STATUS_CODE_OK);
  CHECK(o0.name() == "/health");
  CHECK(str(o0.attributes(), "http.target") == "/user/{userId}/list/{listId}");
  const auto& o1 = out.scope_spans(0).spans(1);
  CHECK(o1.status().code() == opentelemetry::proto::trace::v1::Status::STATUS_CODE_UNSET);
  CHECK(o1.name() == "/users");

  // Metrics: resource, metric and (here) metric-context conversions.
  auto m = metric_zoo();
  auto& mres = *m.first().mutable_resource_metrics(0)->mutable_resource()->mutable_attributes();
  set_attr(mres, "host.name", "h1");
  set_attr(mres, "os.type", "linux");
  auto mgot = run(R"y(
error_mode: ignore
metric_statements:
  - context: resource
    statements:
    - keep_keys(attributes, ["host.name"])
    - truncate_all(attributes, 4096)
  - context: metric
    statements:
      - set(description, "Sum") where type == "Sum"
      - convert_sum_to_gauge() where name == "system.processes.count"
      - convert_gauge_to_sum("cumulative", false) where name == "prometheus_metric"
  - context: datapoint
    statements:
      - limit(attributes, 100, ["host.name"])
      - truncate_all(attributes, 4096)
)y",
                  std::move(m));
  CHECK(keys(mgot.read_parts()[0].request->resource_metrics(0).resource().attributes()) == Names{"host.name"});
  const auto* procs = find_metric(mgot, "system.processes.count");
  REQUIRE(procs);
  CHECK(procs->description().empty());  // `type` is an int: `type == "Sum"` never holds
  REQUIRE(procs->has_gauge());
  CHECK(procs->gauge().data_points(0).as_int() == 7);
  const auto* prom = find_metric(mgot, "prometheus_metric");
  REQUIRE(prom->has_sum());
  CHECK(prom->sum().aggregation_temporality() == mv1::AGGREGATION_TEMPORALITY_CUMULATIVE);
  CHECK_FALSE(prom->sum().is_monotonic());
  CHECK(prom->sum().data_points(0).as_double() == 2.5);

  // Logs: resource.attributes in the resource context, then the log group.
  auto l = logs(2, "api");
  auto& lres = *l.first().mutable_resource_logs(0)->mutable_resource()->mutable_attributes();
  set_attr(lres, "host.name", "h1");
  auto& recs = *l.first().mutable_resource_logs(0)->mutable_scope_logs(0)->mutable_log_records();
  recs.Mutable(0)->mutable_body()->set_string_value("request failed");
  set_attr(*recs.Mutable(0)->mutable_attributes(), "http.route", "/user/1/list/2");
  set_attr(*recs.Mutable(1)->mutable_attributes(), "http.route", "/account/1234");
  auto lgot = run(R"y(
error_mode: ignore
log_statements:
  - context: resource
    statements:
      - keep_keys(resource.attributes, ["service.name", "service.namespace", "cloud.region"])
  - context: log
    statements:
      - set(severity_text, "FAIL") where body == "request failed"
      - replace_all_matches(attributes, "/user/*/list/*", "/user/{userId}/list/{listId}")
      - replace_all_patterns(attributes, "value", "/account/\\d{4}", "/account/{accountId}")
      - set(body, attributes["http.route"])
)y",
                  std::move(l));
  const auto& rl = lgot.read_parts()[0].request->resource_logs(0);
  CHECK(keys(rl.resource().attributes()) == Names{"service.name"});
  const auto& lo = rl.scope_logs(0).log_records();
  CHECK(lo.Get(0).severity_text() == "FAIL");
  CHECK(lo.Get(0).body().string_value() == "/user/{userId}/list/{listId}");
  CHECK(lo.Get(1).severity_text().empty());
  CHECK(lo.Get(1).body().string_value() == "/account/{accountId}");
}

TEST_CASE("transform README metric functions: the sum/gauge conversions", "[processors][readme]") {
  // convert_gauge_to_sum("delta", true); a no-op on metrics of other types.
  auto got = run("metric_statements: [{context: metric, statements: ['convert_gauge_to_sum(\"delta\", true)']}]",
                 metric_zoo());
  const auto* prom = find_metric(got, "prometheus_metric");
  REQUIRE(prom->has_sum());
  CHECK(prom->sum().aggregation_temporality() == mv1::AGGREGATION_TEMPORALITY_DELTA);
  CHECK(prom->sum().is_monotonic());
  CHECK(find_metric(got, "rpc.duration")->has_summary());
  CHECK(find_metric(got, "system.processes.count")->has_sum());
  // convert_sum_to_gauge(): every sum, its points kept.
  got = run("metric_statements: [{context: metric, statements: ['convert_sum_to_gauge()']}]", metric_zoo());
  CHECK(find_metric(got, "system.processes.count")->gauge().data_points(0).as_int() == 7);
  CHECK(find_metric(got, "prometheus_metric")->has_gauge());
  // A bad temporality is a config error; the datapoint context is refused.
  CHECK_THROWS_WITH(
      parse_processor("transform",
                      "metric_statements: [{context: metric, statements: ['convert_gauge_to_sum(\"often\", true)']}]"),
      Catch::Contains("unknown aggregation temporality"));
  CHECK_THROWS(parse_processor("transform",
                               "metric_statements: [{context: datapoint, statements: ['convert_sum_to_gauge()']}]"));
}

TEST_CASE("transform README metric functions: summary count and sum values to new sums", "[processors][readme]") {
  auto got = run(R"y(
metric_statements:
  - context: metric
    statements:
      - convert_summary_count_val_to_sum("delta", true)
      - convert_summary_sum_val_to_sum("cumulative", false)
)y",
                 metric_zoo());
  const auto* count = find_metric(got, "rpc.duration_count");
  REQUIRE(count);
  CHECK(count->description() == "RPC time");
  CHECK(count->sum().aggregation_temporality() == mv1::AGGREGATION_TEMPORALITY_DELTA);
  CHECK(count->sum().is_monotonic());
  const auto& cp = count->sum().data_points(0);
  CHECK(cp.as_int() == 4);
  CHECK(cp.start_time_unix_nano() == 1);
  CHECK(cp.time_unix_nano() == 2);
  CHECK(str(cp.attributes(), "a") == "1");
  const auto* sum = find_metric(got, "rpc.duration_sum");
  REQUIRE(sum);
  CHECK(sum->sum().aggregation_temporality() == mv1::AGGREGATION_TEMPORALITY_CUMULATIVE);
  CHECK(sum->sum().data_points(0).as_double() == 10.5);
  CHECK(find_metric(got, "rpc.duration")->has_summary());  // the summary stays
  CHECK(metrics_of(got).size() == 7);
}

TEST_CASE("transform README metric functions: extract_sum_metric, extract_count_metric, copy_metric, scale_metric",
          "[processors][readme]") {
  auto got = run(R"y(
metric_statements:
  - context: metric
    statements:
      - extract_sum_metric(true) where name == "http.duration" or name == "exp.duration"
      - extract_count_metric(false) where name == "http.duration" or name == "rpc.duration"
      - copy_metric(name="http.duration.ms", unit="ms") where name == "http.duration"
      - scale_metric(1000.0, "ms") where name == "http.duration.ms"
      - scale_metric(2) where name == "system.processes.count"
)y",
                 metric_zoo());
  // The histogram's sum, with its temporality; the exponential histogram has no sum, so no metric.
  const auto* hsum = find_metric(got, "http.duration_sum");
  REQUIRE(hsum);
  CHECK(hsum->unit() == "s");
  CHECK(hsum->sum().is_monotonic());
  CHECK(hsum->sum().aggregation_temporality() == mv1::AGGREGATION_TEMPORALITY_DELTA);
  CHECK(hsum->sum().data_points(0).as_double() == 6);
  CHECK(find_metric(got, "exp.duration_sum") == nullptr);
  CHECK(find_metric(got, "http.duration_count")->sum().data_points(0).as_int() == 3);
  // A summary's count: cumulative.
  const auto* scount = find_metric(got, "rpc.duration_count");
  REQUIRE(scount);
  CHECK(scount->sum().aggregation_temporality() == mv1::AGGREGATION_TEMPORALITY_CUMULATIVE);
  CHECK(scount->sum().data_points(0).as_int() == 4);
  // The copy is scaled (the statements that follow see new metrics), the original is not.
  const auto* ms = find_metric(got, "http.duration.ms");
  REQUIRE(ms);
  CHECK(ms->unit() == "ms");
  CHECK(ms->histogram().data_points(0).sum() == 6000);
  CHECK(ms->histogram().data_points(0).explicit_bounds(1) == 5000);
  CHECK(find_metric(got, "http.duration")->histogram().data_points(0).sum() == 6);
  CHECK(find_metric(got, "system.processes.count")->sum().data_points(0).as_int() == 14);
}

TEST_CASE("transform README Examples: set if absent, rename, move, combine, parse JSON", "[processors][readme]") {
  // Perform transformation if field does not exist.
  auto t = spans(2);
  set_attr(*t.first().mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(1)->mutable_attributes(), "test",
           "fail");
  auto got = run(R"y(
error_mode: ignore
trace_statements:
  - context: span
    statements:
      - set(attributes["test"], "pass") where attributes["test"] == nil
)y",
                 std::move(t));
  const auto& ss = got.read_parts()[0].request->resource_spans(0).scope_spans(0);
  CHECK(str(ss.spans(0).attributes(), "test") == "pass");
  CHECK(str(ss.spans(1).attributes(), "test") == "fail");

  // Rename attribute, both ways.
  auto ns = [] {
    auto b = spans(1);
    set_attr(*b.first().mutable_resource_spans(0)->mutable_resource()->mutable_attributes(), "k8s.namespace.name",
             "shop");
    return b;
  };
  for (const char* statements : {R"y(
      - set(attributes["namespace"], attributes["k8s.namespace.name"])
      - delete_key(attributes, "k8s.namespace.name"))y",
                                 R"y(
      - replace_all_patterns(attributes, "key", "k8s\\.namespace\\.name", "namespace"))y"}) {
    INFO(statements);
    auto r = run(std::string("error_mode: ignore\ntrace_statements:\n  - context: resource\n    statements:") +
                     statements + "\n",
                 ns());
    const auto& attrs = r.read_parts()[0].request->resource_spans(0).resource().attributes();
    CHECK(str(attrs, "namespace") == "shop");
    CHECK(find_attribute(attrs, "k8s.namespace.name") == nullptr);
  }

  // Move field to attribute; combine two attributes.
  auto l = logs(1);
  auto lgot = run(R"y(
error_mode: ignore
log_statements:
  - context: log
    statements:
      - set(attributes["body"], body)
)y",
                  std::move(l));
  CHECK(str(lgot.read_parts()[0].request->resource_logs(0).scope_logs(0).log_records(0).attributes(), "body") ==
        "log 0");
  auto c = spans(1);
  auto& cres = *c.first().mutable_resource_spans(0)->mutable_resource()->mutable_attributes();
  set_attr(cres, "foo", "a");
  set_attr(cres, "bar", "b");
  auto cgot = run(R"y(
error_mode: ignore
trace_statements:
  - context: resource
    statements:
      - set(attributes["test"], Concat([attributes["foo"], attributes["bar"]], " "))
)y",
                  std::move(c));
  CHECK(str(cgot.read_parts()[0].request->resource_spans(0).resource().attributes(), "test") == "a b");

  // Parsing JSON logs: the README's body; a non-JSON body is left alone.
  auto j = logs(2);
  j.first().mutable_resource_logs(0)->mutable_scope_logs(0)->mutable_log_records(0)->mutable_body()->set_string_value(
      R"({"name": "log", "attr1": "foo", "attr2": "bar", "nested": {"attr3": "example"}})");
  auto jgot = run(R"y(
error_mode: ignore
log_statements:
  - context: log
    statements:
      - merge_maps(cache, ParseJSON(body), "upsert") where IsMatch(body, "^\\{")
      - set(attributes["attr1"], cache["attr1"])
      - set(attributes["attr2"], cache["attr2"])
      - set(attributes["nested.attr3"], cache["nested"]["attr3"])
)y",
                  std::move(j));
  const auto& jl = jgot.read_parts()[0].request->resource_logs(0).scope_logs(0).log_records();
  CHECK(str(jl.Get(0).attributes(), "attr1") == "foo");
  CHECK(str(jl.Get(0).attributes(), "attr2") == "bar");
  CHECK(str(jl.Get(0).attributes(), "nested.attr3") == "example");
  CHECK(jl.Get(1).attributes().empty());
}
