// The count connector: exact counts per resource and attribute set for spans, span events, metrics, data points
// and log records, with OTTL conditions and default attribute values; the default metrics; config errors; and
// the connector between a traces and a metrics pipeline of a Service, and through the daemon into the prometheus
// exporter.
#include <catch2/catch.hpp>

#include <map>

#include "core/registry.h"
#include "processors/harness.h"
#include "support/component_config.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/otlp_client.h"
#include "support/service_helpers.h"
#include "support/test_components.h"

using namespace otlpd;
using namespace otlpd::test;
using Catch::Matchers::Contains;
namespace pm = opentelemetry::proto::metrics::v1;
namespace pt = opentelemetry::proto::trace::v1;
namespace pl = opentelemetry::proto::logs::v1;

namespace {

using KeyValues = google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>;

void attr(KeyValues* to, const std::string& k, const std::string& v) {
  auto* kv = to->Add();
  kv->set_key(k);
  kv->mutable_value()->set_string_value(v);
}

const ConnectorFactory& factory() {
  const auto* f = dynamic_cast<const ConnectorFactory*>(Registry::instance().find(Kind::connector, "count"));
  REQUIRE(f != nullptr);
  return *f;
}

std::string error_of(const std::string& yaml) { return component_error(Kind::connector, "count", yaml); }

struct Fixture {
  Capture<MetricBatch> out;
  std::unique_ptr<Connector> connector;

  explicit Fixture(const std::string& yaml = "") {
    auto cfg = parse_component(Kind::connector, "count", yaml);
    Consumers next;
    next.metrics = &out;
    connector = factory().create({{"count", ""}, {}}, *cfg, next);
  }

  // Every data point sent: "<service.name> <metric> {k=v,...}" → count; and each metric's type checked.
  std::map<std::string, int64_t> counts() {
    std::map<std::string, int64_t> got;
    for (auto& b : out.take())
      for (const auto& p : b.read_parts())
        for (const auto& rm : p.request->resource_metrics()) {
          std::string service;
          for (const auto& kv : rm.resource().attributes())
            if (kv.key() == "service.name") service = kv.value().string_value();
          REQUIRE(rm.scope_metrics_size() == 1);
          CHECK(rm.scope_metrics(0).scope().name() == "countconnector");
          for (const auto& m : rm.scope_metrics(0).metrics()) {
            REQUIRE(m.has_sum());
            CHECK(m.sum().is_monotonic());
            CHECK(m.sum().aggregation_temporality() == pm::AGGREGATION_TEMPORALITY_DELTA);
            for (const auto& dp : m.sum().data_points()) {
              std::string labels;
              for (const auto& kv : dp.attributes())
                labels += (labels.empty() ? "" : ",") + kv.key() + "=" + kv.value().string_value();
              CHECK(dp.time_unix_nano() > 0);
              got[service + " " + m.name() + " {" + labels + "}"] += dp.as_int();
            }
          }
        }
    return got;
  }
};

// Service a: GET (2 events, one level=error), POST (1 event), a span without attributes (no events);
// service b: GET.
otlp_trace::ExportTraceServiceRequest known_spans() {
  otlp_trace::ExportTraceServiceRequest r;
  auto* a = r.add_resource_spans();
  attr(a->mutable_resource()->mutable_attributes(), "service.name", "a");
  auto* ss = a->add_scope_spans();
  auto* get = ss->add_spans();
  attr(get->mutable_attributes(), "http.method", "GET");
  attr(get->add_events()->mutable_attributes(), "level", "error");
  attr(get->add_events()->mutable_attributes(), "level", "info");
  auto* post = ss->add_spans();
  attr(post->mutable_attributes(), "http.method", "POST");
  post->add_events()->set_name("retry");
  ss->add_spans()->set_name("bare");
  auto* b = r.add_resource_spans();
  attr(b->mutable_resource()->mutable_attributes(), "service.name", "b");
  attr(b->add_scope_spans()->add_spans()->mutable_attributes(), "http.method", "GET");
  return r;
}

TraceBatch trace_batch(const otlp_trace::ExportTraceServiceRequest& r) {
  auto b = TraceBatch::make();
  b.first() = r;
  return b;
}

// A gauge with points on hosts h1 and h2, a sum with one point and a histogram with one point.
otlp_metrics::ExportMetricsServiceRequest known_metrics() {
  otlp_metrics::ExportMetricsServiceRequest r;
  auto* rm = r.add_resource_metrics();
  attr(rm->mutable_resource()->mutable_attributes(), "service.name", "a");
  auto* sm = rm->add_scope_metrics();
  auto* cpu = sm->add_metrics();
  cpu->set_name("cpu");
  for (const char* host : {"h1", "h2"}) {
    auto* dp = cpu->mutable_gauge()->add_data_points();
    dp->set_as_double(0.5);
    attr(dp->mutable_attributes(), "host", host);
  }
  auto* requests = sm->add_metrics();
  requests->set_name("requests");
  requests->mutable_sum()->add_data_points()->set_as_int(3);
  auto* latency = sm->add_metrics();
  latency->set_name("latency");
  latency->mutable_histogram()->add_data_points()->set_count(1);
  return r;
}

// Three records: level error (twice) and info, one of the errors with severity ERROR.
otlp_logs::ExportLogsServiceRequest known_logs() {
  otlp_logs::ExportLogsServiceRequest r;
  auto* rl = r.add_resource_logs();
  attr(rl->mutable_resource()->mutable_attributes(), "service.name", "a");
  auto* sl = rl->add_scope_logs();
  for (const char* level : {"error", "error", "info"})
    attr(sl->add_log_records()->mutable_attributes(), "level", level);
  sl->mutable_log_records(0)->set_severity_number(pl::SEVERITY_NUMBER_ERROR);
  return r;
}

}  // namespace

TEST_CASE("count: without config, spans and span events are counted per resource", "[connectors][count]") {
  Fixture f;
  REQUIRE(f.connector->consumers().traces->consume(trace_batch(known_spans())).is_ok());
  CHECK(f.counts() == std::map<std::string, int64_t>{{"a trace.span.count {}", 3},
                                                     {"a trace.span.event.count {}", 3},
                                                     {"b trace.span.count {}", 1}});
}

TEST_CASE("count: spans per attribute value, default_value, conditions and required attributes",
          "[connectors][count]") {
  Fixture f(R"(
spans:
  span.by_method:
    description: spans by method
    attributes: [{key: http.method, default_value: none}]
  span.get:
    conditions: ['attributes["http.method"] == "GET"', 'name == "never"']
  span.with_method:
    attributes: [{key: http.method}]
spanevents:
  event.error:
    conditions: ['attributes["level"] == "error"']
)");
  REQUIRE(f.connector->consumers().traces->consume(trace_batch(known_spans())).is_ok());
  CHECK(f.counts() == std::map<std::string, int64_t>{
                          {"a span.by_method {http.method=GET}", 1},
                          {"a span.by_method {http.method=POST}", 1},
                          {"a span.by_method {http.method=none}", 1},
                          {"a span.get {}", 1},
                          {"a span.with_method {http.method=GET}", 1},
                          {"a span.with_method {http.method=POST}", 1},
                          {"a event.error {}", 1},
                          {"b span.by_method {http.method=GET}", 1},
                          {"b span.get {}", 1},
                          {"b span.with_method {http.method=GET}", 1},
                      });

  SECTION("each batch is counted on its own (delta)") {
    REQUIRE(f.connector->consumers().traces->consume(trace_batch(known_spans())).is_ok());
    CHECK(f.counts()["a span.get {}"] == 1);
  }
  SECTION("the description is the metric's") {
    REQUIRE(f.connector->consumers().traces->consume(trace_batch(known_spans())).is_ok());
    auto batches = f.out.take();
    REQUIRE(batches.size() == 1);
    const auto& m = batches[0].read_parts()[0].request->resource_metrics(0).scope_metrics(0).metrics(0);
    CHECK(m.name() == "span.by_method");
    CHECK(m.description() == "spans by method");
  }
}

TEST_CASE("count: metrics and data points, by condition and attribute", "[connectors][count]") {
  auto feed = [](Fixture& f) {
    auto b = MetricBatch::make();
    b.first() = known_metrics();
    REQUIRE(f.connector->consumers().metrics->consume(std::move(b)).is_ok());
  };
  SECTION("the defaults count every metric and every data point") {
    Fixture f;
    feed(f);
    CHECK(f.counts() == std::map<std::string, int64_t>{{"a metric.count {}", 3}, {"a metric.datapoint.count {}", 4}});
  }
  SECTION("conditions in the metric and data point contexts, attributes of data points") {
    Fixture f(R"(
metrics:
  metric.gauges:
    conditions: ['type == METRIC_DATA_TYPE_GAUGE']
datapoints:
  point.by_host:
    attributes: [{key: host}]
  point.cpu:
    conditions: ['metric.name == "cpu" and attributes["host"] == "h2"']
)");
    feed(f);
    CHECK(f.counts() == std::map<std::string, int64_t>{{"a metric.gauges {}", 1},
                                                       {"a point.by_host {host=h1}", 1},
                                                       {"a point.by_host {host=h2}", 1},
                                                       {"a point.cpu {}", 1}});
  }
}

TEST_CASE("count: log records by condition and attribute", "[connectors][count]") {
  Fixture f(R"(
logs:
  log.by_level:
    attributes: [{key: level}]
  log.errors:
    conditions: ['severity_number >= SEVERITY_NUMBER_ERROR']
)");
  auto b = LogBatch::make();
  b.first() = known_logs();
  REQUIRE(f.connector->consumers().logs->consume(std::move(b)).is_ok());
  CHECK(f.counts() == std::map<std::string, int64_t>{{"a log.by_level {level=error}", 2},
                                                     {"a log.by_level {level=info}", 1},
                                                     {"a log.errors {}", 1}});

  SECTION("the default counts every record") {
    Fixture d;
    auto l = LogBatch::make();
    l.first() = known_logs();
    REQUIRE(d.connector->consumers().logs->consume(std::move(l)).is_ok());
    CHECK(d.counts() == std::map<std::string, int64_t>{{"a log.record.count {}", 3}});
  }
}

TEST_CASE("count: a kind given as an empty map counts nothing, and nothing is sent", "[connectors][count]") {
  Fixture f("spans: {}\nspanevents: {}");
  REQUIRE(f.connector->consumers().traces->consume(trace_batch(known_spans())).is_ok());
  CHECK(f.out.batch_count() == 0);
}

TEST_CASE("count: a condition that cannot be evaluated fails the batch, as the Collector does", "[connectors][count]") {
  Fixture f("spans: {bad: {conditions: ['Substring(name, 40, 6) == \"\"']}}\nspanevents: {}");
  auto s = f.connector->consumers().traces->consume(trace_batch(known_spans()));
  CHECK_FALSE(s.is_ok());
  CHECK_THAT(s.message(), Contains("failed to evaluate a condition"));
  CHECK(f.out.batch_count() == 0);
}

TEST_CASE("count config errors name the metric, the condition and the line", "[connectors][count][config]") {
  CHECK(error_of("").empty());
  CHECK_THAT(error_of("spans:\n  bad:\n    conditions: ['attributes[\"x\" == 1']"),
             Contains("metric \"bad\": statement"));
  CHECK_THAT(error_of("logs:\n  bad:\n    conditions: ['nosuchpath == 1']"), Contains("line 2"));
  CHECK_THAT(error_of("metrics:\n  m:\n    attributes: [{key: host}]"),
             Contains("attributes are not supported for metrics"));
  CHECK_THAT(error_of("datapoints:\n  d:\n    attributes: [{default_value: x}]"), Contains("key"));
  CHECK_THAT(error_of("datapoints:\n  d:\n    attributes: [{key: ''}]"), Contains("must not be empty"));
  CHECK_THAT(error_of("spans:\n  s:\n    descripton: typo"), Contains("descripton"));
  CHECK_THAT(error_of("spanevents:\n  e:\n    conditions: ['span.name == 1 and']"), Contains("metric \"e\""));
}

TEST_CASE("count between a traces and a metrics pipeline sends counts with each batch",
          "[service][connectors][count]") {
  clear_captured();
  auto svc = build_service(R"(
receivers: {test_receiver: }
exporters: {capture/traces: , capture/metrics: }
connectors: {count: {spans: {spans.by_method: {attributes: [{key: http.method}]}}}}
service:
  pipelines:
    traces:
      receivers: [test_receiver]
      exporters: [capture/traces, count]
    metrics:
      receivers: [count]
      exporters: [capture/metrics]
)");
  svc->start();
  REQUIRE(test_receiver_consumers("test_receiver").traces->consume(trace_batch(known_spans())).is_ok());
  with_captured("capture/traces", [](Captured& c) { CHECK(c.traces.size() == 1); });
  with_captured("capture/metrics", [](Captured& c) {
    REQUIRE(c.metrics.size() == 1);
    std::map<std::string, int64_t> by_method;
    for (const auto& p : c.metrics[0].read_parts())
      for (const auto& rm : p.request->resource_metrics())
        for (const auto& dp : rm.scope_metrics(0).metrics(0).sum().data_points())
          by_method[dp.attributes(0).value().string_value()] += dp.as_int();
    CHECK(by_method == std::map<std::string, int64_t>{{"GET", 2}, {"POST", 1}});
  });
  svc->shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

TEST_CASE("count through the daemon into the prometheus exporter: scraped counters add up the batches",
          "[connectors][count][integration]") {
  Daemon d(R"(
receivers:
  otlp:
    protocols: {grpc: {endpoint: 127.0.0.1:0}}
connectors:
  count:
    spans: {http.requests: {attributes: [{key: http.method, default_value: none}]}}
    spanevents: {}
exporters:
  prometheus:
    endpoint: 127.0.0.1:0
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [count]
    metrics:
      receivers: [count]
      exporters: [prometheus]
)");
  for (int i = 0; i < 2; ++i) REQUIRE(export_traces(d.endpoint("otlp", "grpc"), known_spans()).ok());
  HttpRequestOptions get;
  get.method = "GET";
  auto r = http_request("127.0.0.1", d.port("prometheus", "http"), "/metrics", {}, "", get);
  REQUIRE(r.status == 200);
  INFO(r.body);
  CHECK_THAT(r.body, Contains("# TYPE http_requests_total counter\n"));
  for (const std::string series : {"{http_method=\"GET\",job=\"a\"} 2\n", "{http_method=\"POST\",job=\"a\"} 2\n",
                                   "{http_method=\"none\",job=\"a\"} 2\n", "{http_method=\"GET\",job=\"b\"} 2\n"})
    CHECK_THAT(r.body, Contains("http_requests_total" + series));
}
