// The spanmetrics connector: exact calls and duration histograms per dimension set, read on the wire and from
// decoded parts alike; the cardinality limit's overflow series; delta and cumulative across flushes; exponential
// histograms; and the connector between two pipelines of a Service.
#include <catch2/catch.hpp>

#include <map>

#include "connectors/spanmetrics/spanmetrics_connector.h"
#include "processors/harness.h"
#include "support/service_helpers.h"
#include "support/test_components.h"

using namespace otlpd;
using namespace otlpd::test;
using otlpd::spanmetrics::ExponentialHistogram;
using otlpd::spanmetrics::SpanMetricsConnector;
namespace pm = opentelemetry::proto::metrics::v1;
namespace pt = opentelemetry::proto::trace::v1;

namespace {

struct Fixture {
  Capture<MetricBatch> out;
  NullHost host;
  std::unique_ptr<Connector> connector;

  explicit Fixture(const std::string& yaml = "") {
    const auto* f = dynamic_cast<const ConnectorFactory*>(Registry::instance().find(Kind::connector, "spanmetrics"));
    REQUIRE(f != nullptr);
    auto cfg = f->parse(ConfigNode(YAML::Load(yaml), "connectors::spanmetrics"));
    Consumers next;
    next.metrics = &out;
    connector = f->create({{"spanmetrics", ""}, {}}, *cfg, next);
  }
  SpanMetricsConnector& sm() { return dynamic_cast<SpanMetricsConnector&>(*connector); }
  Status feed(const otlp_trace::ExportTraceServiceRequest& r, bool on_wire) {
    TraceBatch b;
    if (on_wire) {
      b = TraceBatch::adopt_wire(r.SerializeAsString(), TraceBatch::kUnknownItems);
    } else {
      b = TraceBatch::make();
      b.first() = r;
    }
    return connector->consumers().traces->consume(std::move(b));
  }
  // One flush's request (empty when nothing was sent).
  otlp_metrics::ExportMetricsServiceRequest flush(
      SpanMetricsConnector::Clock::time_point now = SpanMetricsConnector::Clock::now()) {
    REQUIRE(sm().flush(now).is_ok());
    auto batches = out.take();
    otlp_metrics::ExportMetricsServiceRequest r;
    for (auto& b : batches)
      for (const auto& p : b.read_parts()) r.MergeFrom(*p.request);
    return r;
  }
};

void add_attr(google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>* to, const std::string& k,
              const std::string& v) {
  auto* kv = to->Add();
  kv->set_key(k);
  kv->mutable_value()->set_string_value(v);
}

pt::Span* add_span(pt::ScopeSpans* ss, const std::string& name, pt::Span::SpanKind kind, pt::Status::StatusCode code,
                   uint64_t duration_ns) {
  auto* s = ss->add_spans();
  s->set_name(name);
  s->set_kind(kind);
  s->mutable_status()->set_code(code);
  s->set_start_time_unix_nano(1'700'000'000'000'000'000ULL);
  s->set_end_time_unix_nano(1'700'000'000'000'000'000ULL + duration_ns);
  s->set_trace_id(std::string(16, '\x01'));
  s->set_span_id(std::string(8, '\x02'));
  return s;
}

constexpr uint64_t kMs = 1'000'000;

// Two services; checkout has GET /cart (server, ok) x3 at 1, 3 and 50 ms, and GET /cart (server, error) once at
// 3000 ms; db has SELECT (client, unset) twice at 0 and 20000 ms. A third resource without service.name is not
// counted.
otlp_trace::ExportTraceServiceRequest known_spans() {
  otlp_trace::ExportTraceServiceRequest r;
  auto* rs = r.add_resource_spans();
  add_attr(rs->mutable_resource()->mutable_attributes(), "service.name", "checkout");
  add_attr(rs->mutable_resource()->mutable_attributes(), "host.name", "h1");
  auto* ss = rs->add_scope_spans();
  add_span(ss, "GET /cart", pt::Span::SPAN_KIND_SERVER, pt::Status::STATUS_CODE_OK, 1 * kMs);
  add_span(ss, "GET /cart", pt::Span::SPAN_KIND_SERVER, pt::Status::STATUS_CODE_OK, 3 * kMs);
  add_span(ss, "GET /cart", pt::Span::SPAN_KIND_SERVER, pt::Status::STATUS_CODE_OK, 50 * kMs);
  add_span(ss, "GET /cart", pt::Span::SPAN_KIND_SERVER, pt::Status::STATUS_CODE_ERROR, 3000 * kMs);
  auto* db = r.add_resource_spans();
  add_attr(db->mutable_resource()->mutable_attributes(), "service.name", "db");
  auto* dss = db->add_scope_spans();
  add_span(dss, "SELECT", pt::Span::SPAN_KIND_CLIENT, pt::Status::STATUS_CODE_UNSET, 0);
  add_span(dss, "SELECT", pt::Span::SPAN_KIND_CLIENT, pt::Status::STATUS_CODE_UNSET, 20000 * kMs);
  auto* anonymous = r.add_resource_spans();
  add_span(anonymous->add_scope_spans(), "x", pt::Span::SPAN_KIND_SERVER, pt::Status::STATUS_CODE_OK, kMs);
  return r;
}

template <typename DP>
std::string attrs_of(const DP& dp) {
  std::string out;
  for (const auto& kv : dp.attributes()) {
    if (!out.empty()) out += ",";
    out += kv.key() + "=";
    if (kv.value().has_bool_value())
      out += kv.value().bool_value() ? "true" : "false";
    else
      out += kv.value().string_value();
  }
  return out;
}

const pm::Metric* find_metric(const pm::ScopeMetrics& sm, const std::string& name) {
  for (const auto& m : sm.metrics())
    if (m.name() == name) return &m;
  return nullptr;
}

// calls by data point attributes, over every resource.
std::map<std::string, int64_t> calls_of(const otlp_metrics::ExportMetricsServiceRequest& r,
                                        const std::string& name = "traces.span.metrics.calls") {
  std::map<std::string, int64_t> out;
  for (const auto& rm : r.resource_metrics())
    for (const auto& sm : rm.scope_metrics())
      if (const auto* m = find_metric(sm, name))
        for (const auto& dp : m->sum().data_points()) out[attrs_of(dp)] += dp.as_int();
  return out;
}

std::map<std::string, std::vector<uint64_t>> buckets_of(const otlp_metrics::ExportMetricsServiceRequest& r) {
  std::map<std::string, std::vector<uint64_t>> out;
  for (const auto& rm : r.resource_metrics())
    for (const auto& sm : rm.scope_metrics())
      if (const auto* m = find_metric(sm, "traces.span.metrics.duration"))
        for (const auto& dp : m->histogram().data_points())
          out[attrs_of(dp)] = {dp.bucket_counts().begin(), dp.bucket_counts().end()};
  return out;
}

std::vector<uint64_t> buckets(std::initializer_list<std::pair<size_t, uint64_t>> set) {
  std::vector<uint64_t> b(17, 0);  // 16 default bounds
  for (auto [i, n] : set) b[i] = n;
  return b;
}

const std::string kCartOk =
    "service.name=checkout,span.name=GET /cart,span.kind=SPAN_KIND_SERVER,status.code=STATUS_CODE_OK";
const std::string kCartError =
    "service.name=checkout,span.name=GET /cart,span.kind=SPAN_KIND_SERVER,status.code=STATUS_CODE_ERROR";
const std::string kSelect = "service.name=db,span.name=SELECT,span.kind=SPAN_KIND_CLIENT,status.code=STATUS_CODE_UNSET";

}  // namespace

TEST_CASE("spanmetrics counts calls and duration buckets per service, name, kind and status",
          "[connectors][spanmetrics]") {
  for (bool on_wire : {true, false}) {
    INFO((on_wire ? "received bytes" : "decoded parts"));
    Fixture fx;
    REQUIRE(fx.feed(known_spans(), on_wire).is_ok());
    auto r = fx.flush();
    REQUIRE(r.resource_metrics_size() == 2);  // the resource without service.name is not counted
    CHECK(calls_of(r) == std::map<std::string, int64_t>{{kCartOk, 3}, {kCartError, 1}, {kSelect, 2}});
    // Default bounds (ms): 2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000; a value
    // on a bound counts in that bound's bucket.
    CHECK(buckets_of(r) == std::map<std::string, std::vector<uint64_t>>{
                               {kCartOk, buckets({{0, 1}, {1, 1}, {5, 1}})},
                               {kCartError, buckets({{13, 1}})},
                               {kSelect, buckets({{0, 1}, {16, 1}})},
                           });
    const auto& rm = r.resource_metrics(0);
    const auto& sm = rm.scope_metrics(0);
    CHECK(sm.scope().name() == "spanmetricsconnector");
    const auto* calls = find_metric(sm, "traces.span.metrics.calls");
    const auto* duration = find_metric(sm, "traces.span.metrics.duration");
    REQUIRE(calls);
    REQUIRE(duration);
    CHECK(calls->sum().is_monotonic());
    CHECK(calls->sum().aggregation_temporality() == pm::AGGREGATION_TEMPORALITY_CUMULATIVE);
    CHECK(duration->unit() == "ms");
    CHECK(duration->histogram().aggregation_temporality() == pm::AGGREGATION_TEMPORALITY_CUMULATIVE);
    CHECK(duration->histogram().data_points(0).explicit_bounds_size() == 16);
    double sum = 0;
    for (const auto& rmx : r.resource_metrics())
      for (const auto& dp :
           find_metric(rmx.scope_metrics(0), "traces.span.metrics.duration")->histogram().data_points())
        sum += dp.sum();
    CHECK(sum == Approx(1 + 3 + 50 + 3000 + 0 + 20000));
    // The resource's attributes are kept as they came.
    bool found_host = false;
    for (const auto& rmx : r.resource_metrics())
      for (const auto& kv : rmx.resource().attributes()) found_host = found_host || kv.key() == "host.name";
    CHECK(found_host);
  }
}

TEST_CASE("spanmetrics adds configured dimensions from the span, then the resource, then the default",
          "[connectors][spanmetrics]") {
  Fixture fx(R"(
dimensions:
  - name: http.method
    default: GET
  - name: host.name
  - name: absent
exclude_dimensions: [status.code]
namespace: ""
histogram: {unit: s}
)");
  otlp_trace::ExportTraceServiceRequest r;
  auto* rs = r.add_resource_spans();
  add_attr(rs->mutable_resource()->mutable_attributes(), "service.name", "svc");
  add_attr(rs->mutable_resource()->mutable_attributes(), "host.name", "h1");
  auto* ss = rs->add_scope_spans();
  add_attr(add_span(ss, "a", pt::Span::SPAN_KIND_SERVER, pt::Status::STATUS_CODE_OK, kMs)->mutable_attributes(),
           "http.method", "POST");
  add_span(ss, "a", pt::Span::SPAN_KIND_SERVER, pt::Status::STATUS_CODE_ERROR, 2500 * kMs);
  REQUIRE(fx.feed(r, true).is_ok());
  auto out = fx.flush();
  CHECK(calls_of(out, "calls") ==
        std::map<std::string, int64_t>{
            {"service.name=svc,span.name=a,span.kind=SPAN_KIND_SERVER,http.method=POST,host.name=h1", 1},
            {"service.name=svc,span.name=a,span.kind=SPAN_KIND_SERVER,http.method=GET,host.name=h1", 1}});
  const auto* duration = find_metric(out.resource_metrics(0).scope_metrics(0), "duration");
  REQUIRE(duration);
  CHECK(duration->unit() == "s");
  CHECK(duration->histogram().data_points(0).explicit_bounds(0) == Approx(0.002));
}

TEST_CASE("spanmetrics puts series past aggregation_cardinality_limit into one overflow series",
          "[connectors][spanmetrics]") {
  Fixture fx("aggregation_cardinality_limit: 2");
  otlp_trace::ExportTraceServiceRequest r;
  auto* rs = r.add_resource_spans();
  add_attr(rs->mutable_resource()->mutable_attributes(), "service.name", "svc");
  auto* ss = rs->add_scope_spans();
  for (const char* name : {"a", "b", "c", "a", "d", "c", "b"})
    add_span(ss, name, pt::Span::SPAN_KIND_SERVER, pt::Status::STATUS_CODE_UNSET, kMs);
  REQUIRE(fx.feed(r, true).is_ok());
  auto out = fx.flush();
  const std::string base = "service.name=svc,span.name=";
  const std::string rest = ",span.kind=SPAN_KIND_SERVER,status.code=STATUS_CODE_UNSET";
  CHECK(calls_of(out) == std::map<std::string, int64_t>{
                             {base + "a" + rest, 2}, {base + "b" + rest, 2}, {"otel.metric.overflow=true", 3}});
  CHECK(fx.sm().series_count() == 3);
}

TEST_CASE("spanmetrics cumulative series keep counting across flushes, delta series restart",
          "[connectors][spanmetrics]") {
  otlp_trace::ExportTraceServiceRequest one;
  auto* rs = one.add_resource_spans();
  add_attr(rs->mutable_resource()->mutable_attributes(), "service.name", "svc");
  add_span(rs->add_scope_spans(), "op", pt::Span::SPAN_KIND_SERVER, pt::Status::STATUS_CODE_OK, 5 * kMs);
  const std::string key = "service.name=svc,span.name=op,span.kind=SPAN_KIND_SERVER,status.code=STATUS_CODE_OK";

  SECTION("cumulative") {
    Fixture fx;
    fx.feed(one, true);
    fx.feed(one, true);
    auto first = fx.flush();
    CHECK(calls_of(first)[key] == 2);
    fx.feed(one, true);
    auto second = fx.flush();
    CHECK(calls_of(second)[key] == 3);
    CHECK(buckets_of(second)[key] == buckets({{2, 3}}));
    // The same start time, a later end time.
    const auto& a = first.resource_metrics(0).scope_metrics(0).metrics(0).sum().data_points(0);
    const auto& b = second.resource_metrics(0).scope_metrics(0).metrics(0).sum().data_points(0);
    CHECK(a.start_time_unix_nano() == b.start_time_unix_nano());
    CHECK(b.time_unix_nano() >= a.time_unix_nano());
    // Nothing new: the cumulative series is sent again, unchanged.
    CHECK(calls_of(fx.flush())[key] == 3);
  }
  SECTION("delta") {
    Fixture fx("aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA");
    fx.feed(one, true);
    fx.feed(one, true);
    auto first = fx.flush();
    CHECK(calls_of(first)[key] == 2);
    const auto& m = first.resource_metrics(0).scope_metrics(0).metrics(0);
    CHECK(m.sum().aggregation_temporality() == pm::AGGREGATION_TEMPORALITY_DELTA);
    fx.feed(one, true);
    auto second = fx.flush();
    CHECK(calls_of(second)[key] == 1);
    CHECK(buckets_of(second)[key] == buckets({{2, 1}}));
    // Consecutive delta points tile time: the second starts where the first ended.
    const auto& a = first.resource_metrics(0).scope_metrics(0).metrics(0).sum().data_points(0);
    const auto& b = second.resource_metrics(0).scope_metrics(0).metrics(0).sum().data_points(0);
    CHECK(b.start_time_unix_nano() == a.time_unix_nano());
    // Nothing new: nothing is sent.
    CHECK(fx.flush().resource_metrics_size() == 0);
  }
}

TEST_CASE("spanmetrics drops a resource's series after metrics_expiration without spans", "[connectors][spanmetrics]") {
  Fixture fx("metrics_expiration: 1m");
  REQUIRE(fx.feed(known_spans(), true).is_ok());
  auto now = SpanMetricsConnector::Clock::now();
  CHECK(fx.flush(now).resource_metrics_size() == 2);
  CHECK(fx.flush(now + std::chrono::minutes(2)).resource_metrics_size() == 0);
  CHECK(fx.sm().series_count() == 0);
}

TEST_CASE("spanmetrics exponential histograms count every span within max_size buckets", "[connectors][spanmetrics]") {
  Fixture fx("histogram: {exponential: {max_size: 8}}\nexemplars: {enabled: true, max_per_data_point: 2}");
  otlp_trace::ExportTraceServiceRequest r;
  auto* rs = r.add_resource_spans();
  add_attr(rs->mutable_resource()->mutable_attributes(), "service.name", "svc");
  auto* ss = rs->add_scope_spans();
  for (uint64_t ms : {0, 1, 2, 3, 10, 100, 1000, 10000})
    add_span(ss, "op", pt::Span::SPAN_KIND_SERVER, pt::Status::STATUS_CODE_OK, ms * kMs);
  REQUIRE(fx.feed(r, true).is_ok());
  auto out = fx.flush();
  const auto* d = find_metric(out.resource_metrics(0).scope_metrics(0), "traces.span.metrics.duration");
  REQUIRE(d);
  REQUIRE(d->has_exponential_histogram());
  const auto& dp = d->exponential_histogram().data_points(0);
  CHECK(dp.count() == 8);
  CHECK(dp.zero_count() == 1);
  CHECK(dp.positive().bucket_counts_size() <= 8);
  uint64_t total = 0;
  for (auto c : dp.positive().bucket_counts()) total += c;
  CHECK(total == 7);
  // 1 ms and 10000 ms both fit: the largest bucket's upper bound reaches 10000, the smallest's lower one is below 1.
  const double base = std::pow(2.0, std::pow(2.0, -dp.scale()));
  CHECK(std::pow(base, dp.positive().offset()) < 1.0);
  CHECK(std::pow(base, dp.positive().offset() + dp.positive().bucket_counts_size()) >= 10000.0);
  CHECK(dp.exemplars_size() == 2);
  CHECK(dp.exemplars(0).trace_id() == std::string(16, '\x01'));
}

TEST_CASE("exponential histogram indexes put powers of two at the top of their bucket", "[connectors][spanmetrics]") {
  CHECK(ExponentialHistogram::index_of(1.0, 0) == -1);
  CHECK(ExponentialHistogram::index_of(2.0, 0) == 0);
  CHECK(ExponentialHistogram::index_of(3.0, 0) == 1);
  CHECK(ExponentialHistogram::index_of(4.0, 1) == 3);
  CHECK(ExponentialHistogram::index_of(3.0, 1) == 3);  // sqrt(8) < 3 <= 4
  CHECK(ExponentialHistogram::index_of(2.5, 1) == 2);
  CHECK(ExponentialHistogram::index_of(8.0, -1) == 1);  // (4, 16]
  CHECK(ExponentialHistogram::index_of(17.0, -1) == 2);
}

TEST_CASE("spanmetrics config is checked as the Collector checks it", "[connectors][spanmetrics][config]") {
  const auto* f = Registry::instance().find(Kind::connector, "spanmetrics");
  REQUIRE(f);
  auto error_of = [&](const std::string& yaml) -> std::string {
    try {
      f->parse(ConfigNode(YAML::Load(yaml), "connectors::spanmetrics"));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  using Catch::Matchers::Contains;
  CHECK_THAT(error_of("dimensions: [{name: span.kind}]"), Contains("duplicate dimension name span.kind"));
  CHECK_THAT(error_of("histogram: {explicit: {}, exponential: {}}"),
             Contains("use either `explicit` or `exponential` buckets histogram"));
  CHECK_THAT(error_of("aggregation_temporality: DELTA"), Contains("AGGREGATION_TEMPORALITY_DELTA"));
  CHECK_THAT(error_of("histogram: {explicit: {buckets: [10ms, 5ms]}}"), Contains("ascending"));
  CHECK_THAT(error_of("events: {enabled: true}"), Contains("not supported by otlpd"));
  CHECK(error_of("dimensions_cache_size: 1000\nmetrics_flush_interval: 15s") == "no error");
}

TEST_CASE("spanmetrics between a traces and a metrics pipeline sends its metrics at shutdown",
          "[service][connectors][spanmetrics]") {
  clear_captured();
  auto svc = build_service(R"(
receivers: {test_receiver: }
exporters: {capture/traces: , capture/metrics: }
connectors: {spanmetrics: {metrics_flush_interval: 1h}}
service:
  pipelines:
    traces:
      receivers: [test_receiver]
      exporters: [capture/traces, spanmetrics]
    metrics:
      receivers: [spanmetrics]
      exporters: [capture/metrics]
)");
  svc->start();
  REQUIRE(test_receiver_consumers("test_receiver").traces->consume(one_trace()).is_ok());
  svc->shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  with_captured("capture/traces", [](Captured& c) { CHECK(c.traces.size() == 1); });
  with_captured("capture/metrics", [](Captured& c) {
    REQUIRE(c.metrics.size() == 1);
    int64_t calls = 0;
    for (const auto& p : c.metrics[0].read_parts())
      for (const auto& rm : p.request->resource_metrics())
        for (const auto& m : rm.scope_metrics(0).metrics())
          if (m.name() == "traces.span.metrics.calls")
            for (const auto& dp : m.sum().data_points()) calls += dp.as_int();
    CHECK(calls == 3);
  });
}
