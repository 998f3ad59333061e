// The prometheus exporter: name translation, the text it serves, and a real Prometheus (Debian's package) that
// scrapes it: every value, label and bucket sent over OTLP is compared with what Prometheus's HTTP API answers.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "exporters/prometheus/translate.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/otlp_client.h"
#include "support/prometheus.h"
#include "support/test_certs.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace otlpd::prometheus_exporter;
using Catch::Matchers::Contains;
namespace pm = opentelemetry::proto::metrics::v1;

namespace {

void attr(google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>* to, const std::string& k,
          const std::string& v) {
  auto* kv = to->Add();
  kv->set_key(k);
  kv->mutable_value()->set_string_value(v);
}

constexpr uint64_t kTime = 1'700'000'000'000'000'000ULL;

// One request: a cumulative counter, a gauge, a cumulative histogram, a delta counter and a delta histogram.
// `delta_step` scales the delta values (they add up across requests) and sets their time: step 1 at kTime, each
// next step a second later.
otlp_metrics::ExportMetricsServiceRequest metrics(int delta_step) {
  const uint64_t delta_time = kTime + static_cast<uint64_t>(delta_step - 1) * 1'000'000'000ULL;
  otlp_metrics::ExportMetricsServiceRequest r;
  auto* rm = r.add_resource_metrics();
  attr(rm->mutable_resource()->mutable_attributes(), "service.name", "shop");
  attr(rm->mutable_resource()->mutable_attributes(), "service.namespace", "acme");
  attr(rm->mutable_resource()->mutable_attributes(), "service.instance.id", "i-1");
  attr(rm->mutable_resource()->mutable_attributes(), "host.name", "h1");
  auto* sm = rm->add_scope_metrics();

  auto* orders = sm->add_metrics();
  orders->set_name("orders");
  orders->set_description("orders placed");
  orders->mutable_sum()->set_is_monotonic(true);
  orders->mutable_sum()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* o = orders->mutable_sum()->add_data_points();
  o->set_as_int(42);
  o->set_time_unix_nano(kTime);
  attr(o->mutable_attributes(), "region", "eu");

  auto* temp = sm->add_metrics();
  temp->set_name("room.temperature");
  temp->set_unit("Cel");
  auto* t = temp->mutable_gauge()->add_data_points();
  t->set_as_double(21.5);
  t->set_time_unix_nano(kTime);

  auto* latency = sm->add_metrics();
  latency->set_name("http.latency");
  latency->set_unit("ms");
  latency->mutable_histogram()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* h = latency->mutable_histogram()->add_data_points();
  h->set_count(6);
  h->set_sum(500);
  for (double b : {10.0, 100.0}) h->add_explicit_bounds(b);
  for (uint64_t c : {1, 2, 3}) h->add_bucket_counts(c);
  h->set_time_unix_nano(kTime);

  auto* io = sm->add_metrics();
  io->set_name("network.io");
  io->set_unit("By");
  io->mutable_sum()->set_is_monotonic(true);
  io->mutable_sum()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
  auto* d = io->mutable_sum()->add_data_points();
  d->set_as_int(100 * delta_step);
  d->set_time_unix_nano(delta_time);

  auto* wait = sm->add_metrics();
  wait->set_name("queue.wait");
  wait->set_unit("s");
  wait->mutable_histogram()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
  auto* w = wait->mutable_histogram()->add_data_points();
  w->set_count(2 * static_cast<uint64_t>(delta_step));
  w->set_sum(1.5 * delta_step);
  w->add_explicit_bounds(1);
  w->add_bucket_counts(static_cast<uint64_t>(delta_step));
  w->add_bucket_counts(static_cast<uint64_t>(delta_step));
  w->set_time_unix_nano(delta_time);

  // Exponential histograms: rpc.duration (base sqrt(2), see support/prometheus.h); a delta one at base 2.
  add_rpc_duration(*sm, kTime);

  auto* size = sm->add_metrics();
  size->set_name("job.size");
  size->set_unit("By");
  size->mutable_exponential_histogram()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
  auto* z = size->mutable_exponential_histogram()->add_data_points();
  z->set_scale(0);
  z->set_count(static_cast<uint64_t>(delta_step));
  z->set_sum(3.0 * delta_step);
  z->mutable_positive()->set_offset(1);  // (2, 4]
  z->mutable_positive()->add_bucket_counts(static_cast<uint64_t>(delta_step));
  z->set_time_unix_nano(delta_time);
  return r;
}

// The cumulative `le` counts of rpc.duration (see metrics()) as Prometheus reads them from the text format.
const std::map<std::string, double> kRpcBuckets{{"-1.4142135623730951", 0}, {"-1", 1}, {"0", 2},   {"1", 2},
                                                {"1.4142135623730951", 3},  {"2", 5},  {"+Inf", 5}};

std::string config(const std::string& extra = "") {
  return R"(
receivers:
  otlp:
    protocols: {grpc: {endpoint: 127.0.0.1:0}}
exporters:
  prometheus:
    endpoint: 127.0.0.1:0
    const_labels: {env: test}
)" + extra +
         R"(
service:
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [prometheus]
)";
}

std::string scrape(const Daemon& d) {
  HttpRequestOptions get;
  get.method = "GET";
  auto r = http_request("127.0.0.1", d.port("prometheus", "http"), "/metrics", {}, "", get);
  REQUIRE(r.status == 200);
  return r.body;
}

}  // namespace

TEST_CASE("OTLP names become Prometheus names with unit and _total suffixes", "[exporters][prometheus]") {
  CHECK(metric_name("traces.span.metrics.calls", "", true, false, true, "") == "traces_span_metrics_calls_total");
  CHECK(metric_name("traces.span.metrics.duration", "ms", false, false, true, "") ==
        "traces_span_metrics_duration_milliseconds");
  CHECK(metric_name("system.memory.usage", "By", false, true, true, "") == "system_memory_usage_bytes");
  CHECK(metric_name("cpu.utilization", "1", false, true, true, "") == "cpu_utilization_ratio");
  CHECK(metric_name("http.requests", "{request}/s", false, true, true, "") == "http_requests_per_second");
  CHECK(metric_name("requests_total", "", true, false, true, "") == "requests_total");
  CHECK(metric_name("network.io", "By", true, false, true, "otlpd") == "otlpd_network_io_bytes_total");
  CHECK(metric_name("network.io", "By", true, false, false, "") == "network_io");
  CHECK(metric_name("2xx.count", "", false, true, true, "") == "_2xx_count");
  CHECK(label_name("http.method") == "http_method");
  CHECK(label_name("1st") == "key_1st");
  CHECK(label_name("_private") == "key_private");
  CHECK(label_name("__reserved") == "__reserved");
  CHECK(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
  CHECK(format_value(0.1) == "0.1");
  CHECK(format_value(42) == "42");
}

TEST_CASE("the prometheus exporter serves counters, gauges, histograms and target_info in the text format",
          "[exporters][prometheus][integration]") {
  Daemon d(config("    send_timestamps: true\n    namespace: acme"));
  REQUIRE(export_metrics(d.endpoint("otlp", "grpc"), metrics(1)).ok());
  REQUIRE(export_metrics(d.endpoint("otlp", "grpc"), metrics(2)).ok());
  auto text = scrape(d);
  INFO(text);
  const std::string labels = "env=\"test\",instance=\"i-1\",job=\"acme/shop\"";
  const std::string ts = " 1700000000000\n";
  CHECK_THAT(text, Contains("# HELP acme_orders_total orders placed\n# TYPE acme_orders_total counter\n"));
  CHECK_THAT(text, Contains("acme_orders_total{" + labels + ",region=\"eu\"} 42" + ts));
  CHECK_THAT(text, Contains("# TYPE acme_room_temperature_celsius gauge\nacme_room_temperature_celsius{" + labels +
                            "} 21.5" + ts));
  CHECK_THAT(text, Contains("acme_http_latency_milliseconds_bucket{" + labels + ",le=\"10\"} 1" + ts));
  CHECK_THAT(text, Contains("acme_http_latency_milliseconds_bucket{" + labels + ",le=\"100\"} 3" + ts));
  CHECK_THAT(text, Contains("acme_http_latency_milliseconds_bucket{" + labels + ",le=\"+Inf\"} 6" + ts));
  CHECK_THAT(text, Contains("acme_http_latency_milliseconds_count{" + labels + "} 6" + ts));
  // Delta points add up: 100 + 200 bytes, and 1+2 / 1+2 buckets, at the time of the second.
  const std::string ts2 = " 1700000001000\n";
  CHECK_THAT(text, Contains("acme_network_io_bytes_total{" + labels + "} 300" + ts2));
  CHECK_THAT(text, Contains("acme_queue_wait_seconds_bucket{" + labels + ",le=\"1\"} 3" + ts2));
  CHECK_THAT(text, Contains("acme_queue_wait_seconds_bucket{" + labels + ",le=\"+Inf\"} 6" + ts2));
  CHECK_THAT(text, Contains("acme_queue_wait_seconds_sum{" + labels + "} 4.5" + ts2));
  CHECK_THAT(text, Contains("target_info{env=\"test\",host_name=\"h1\",instance=\"i-1\",job=\"acme/shop\"} 1"));
  // Exponential histograms as classic ones: le at the bucket boundaries, the lower edges of the outermost
  // buckets included; the delta one added up (1 + 2 in (2, 4]).
  CHECK_THAT(text, Contains("# TYPE acme_rpc_duration_seconds histogram\n"));
  for (const auto& [le, count] : kRpcBuckets)
    CHECK_THAT(text, Contains("acme_rpc_duration_seconds_bucket{" + labels + ",le=\"" + le + "\"} " +
                              format_value(count) + ts));
  CHECK_THAT(text, Contains("acme_rpc_duration_seconds_sum{" + labels + "} 2.5" + ts));
  CHECK_THAT(text, Contains("acme_rpc_duration_seconds_count{" + labels + "} 5" + ts));
  CHECK_THAT(text,
             Contains("acme_job_size_bytes_bucket{" + labels + ",le=\"0\"} 0" + ts2 + "acme_job_size_bytes_bucket{" +
                      labels + ",le=\"2\"} 0" + ts2 + "acme_job_size_bytes_bucket{" + labels + ",le=\"4\"} 3" + ts2 +
                      "acme_job_size_bytes_bucket{" + labels + ",le=\"+Inf\"} 3" + ts2));
  CHECK_THAT(text, Contains("acme_job_size_bytes_sum{" + labels + "} 9" + ts2));
}

TEST_CASE("exponential bucket boundaries are powers of the base, exact at powers of two", "[exporters][prometheus]") {
  CHECK(exponential_bound(0, 3) == 8);
  CHECK(exponential_bound(0, -2) == 0.25);
  CHECK(exponential_bound(-1, 2) == 16);  // base 4
  CHECK(exponential_bound(1, 1) == Approx(std::sqrt(2.0)).epsilon(1e-15));
  CHECK(exponential_bound(2, -4) == 0.5);
  CHECK(exponential_bound(3, -5) == Approx(std::pow(2.0, -5.0 / 8)).epsilon(1e-15));
  CHECK(exponential_bound(20, int64_t{1} << 20) == 2);
  CHECK(std::isinf(exponential_bound(-10, 1'000'000)));
  CHECK(exponential_bound(-10, -1'000'000) == 0);
}

TEST_CASE("an exponential histogram point becomes classic buckets from its negative to its positive buckets",
          "[exporters][prometheus]") {
  pm::ExponentialHistogramDataPoint dp;
  dp.set_scale(0);
  dp.set_count(20);
  dp.set_zero_count(2);
  dp.set_zero_threshold(0.5);
  dp.mutable_negative()->set_offset(-1);  // |v| in (0.5, 1], (1, 2]
  for (uint64_t c : {3, 4}) dp.mutable_negative()->add_bucket_counts(c);
  dp.mutable_positive()->set_offset(2);  // (4, 8], (8, 16], (16, 32]
  for (uint64_t c : {5, 0, 1}) dp.mutable_positive()->add_bucket_counts(c);

  SECTION("every boundary once, in increasing order, and what count has beyond the buckets in +Inf") {
    auto c = classic_buckets(dp);
    CHECK(c.bounds == std::vector<double>{-2, -1, -0.5, 0.5, 4, 8, 16, 32});
    CHECK(c.counts == std::vector<uint64_t>{0, 4, 3, 2, 0, 5, 0, 1, 5});
  }
  SECTION("a zero bucket reaching the first positive boundary shares its bucket") {
    dp.set_zero_threshold(4);
    dp.clear_negative();
    auto c = classic_buckets(dp);
    CHECK(c.bounds == std::vector<double>{4, 8, 16, 32});
    CHECK(c.counts == std::vector<uint64_t>{2, 5, 0, 1, 12});
  }
  SECTION("boundaries beyond a double's range join +Inf") {
    dp.set_scale(-10);  // base 2^1024
    dp.clear_negative();
    auto c = classic_buckets(dp);
    CHECK(c.bounds == std::vector<double>{0.5});
    CHECK(c.counts == std::vector<uint64_t>{2, 18});
  }
}

TEST_CASE("resource_to_telemetry_conversion puts resource attributes on every series",
          "[exporters][prometheus][integration]") {
  Daemon d(config("    resource_to_telemetry_conversion: {enabled: true}"));
  REQUIRE(export_metrics(d.endpoint("otlp", "grpc"), metrics(1)).ok());
  auto text = scrape(d);
  CHECK_THAT(text, Contains("orders_total{env=\"test\",host_name=\"h1\",instance=\"i-1\",job=\"acme/shop\","
                            "region=\"eu\",service_instance_id=\"i-1\",service_name=\"shop\",service_namespace="
                            "\"acme\"} 42\n"));
}

TEST_CASE("a real Prometheus scraping the prometheus exporter stores every value, label and bucket sent",
          "[exporters][prometheus][integration]") {
  if (!std::filesystem::exists(Prometheus::binary()))
    FAIL("Debian's prometheus package is not installed: scripts/deps.sh --test");
  Daemon d(config());
  REQUIRE(export_metrics(d.endpoint("otlp", "grpc"), metrics(1)).ok());
  REQUIRE(export_metrics(d.endpoint("otlp", "grpc"), metrics(2)).ok());
  Prometheus prom("127.0.0.1:" + std::to_string(d.port("prometheus", "http")));
  using Labels = std::map<std::string, std::string>;
  const Labels base{{"env", "test"}, {"instance", "i-1"}, {"job", "acme/shop"}};
  auto with = [&](Labels extra, const std::string& name) {
    extra.insert(base.begin(), base.end());
    extra["__name__"] = name;
    return extra;
  };

  auto orders = prom.await("orders_total");
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].first == with({{"region", "eu"}}, "orders_total"));
  CHECK(orders[0].second == 42);

  auto temp = prom.await("room_temperature_celsius");
  REQUIRE(temp.size() == 1);
  CHECK(temp[0].first == with({}, "room_temperature_celsius"));
  CHECK(temp[0].second == 21.5);

  auto buckets = prom.await("http_latency_milliseconds_bucket");
  std::map<std::string, double> by_le;
  for (const auto& [labels, v] : buckets) {
    auto l = labels;
    by_le[l["le"]] = v;
    l.erase("le");
    CHECK(l == with({}, "http_latency_milliseconds_bucket"));
  }
  CHECK(by_le == std::map<std::string, double>{{"10", 1}, {"100", 3}, {"+Inf", 6}});
  CHECK(prom.await("http_latency_milliseconds_sum")[0].second == 500);
  CHECK(prom.await("http_latency_milliseconds_count")[0].second == 6);

  CHECK(prom.await("network_io_bytes_total")[0].second == 300);
  std::map<std::string, double> wait_le;
  for (const auto& [labels, v] : prom.await("queue_wait_seconds_bucket")) wait_le[labels.at("le")] = v;
  CHECK(wait_le == std::map<std::string, double>{{"1", 3}, {"+Inf", 6}});
  CHECK(prom.await("queue_wait_seconds_sum")[0].second == 4.5);

  std::map<std::string, double> rpc_le;
  for (const auto& [labels, v] : prom.await("rpc_duration_seconds_bucket")) rpc_le[labels.at("le")] = v;
  CHECK(rpc_le == kRpcBuckets);
  CHECK(prom.await("rpc_duration_seconds_count")[0].second == 5);
  CHECK(prom.await("rpc_duration_seconds_sum")[0].second == 2.5);
  // The median (rank 2.5) lies in (1, sqrt(2)]: interpolated from the lower edge 1, not from the zero bucket.
  auto median = prom.await("histogram_quantile(0.5, rpc_duration_seconds_bucket)");
  REQUIRE(median.size() == 1);
  CHECK(median[0].second == Approx(1 + (std::sqrt(2.0) - 1) / 2));
  std::map<std::string, double> size_le;
  for (const auto& [labels, v] : prom.await("job_size_bytes_bucket")) size_le[labels.at("le")] = v;
  CHECK(size_le == std::map<std::string, double>{{"0", 0}, {"2", 0}, {"4", 3}, {"+Inf", 3}});

  auto info = prom.await("target_info");
  REQUIRE(info.size() == 1);
  CHECK(info[0].first == with({{"host_name", "h1"}}, "target_info"));
  CHECK(info[0].second == 1);
}

TEST_CASE("spans through spanmetrics come out of the prometheus exporter as RED metrics",
          "[exporters][prometheus][connectors][integration]") {
  Daemon d(R"(
receivers:
  otlp:
    protocols: {grpc: {endpoint: 127.0.0.1:0}}
connectors:
  spanmetrics: {metrics_flush_interval: 100ms}
exporters:
  prometheus: {endpoint: 127.0.0.1:0}
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [spanmetrics]
    metrics:
      receivers: [spanmetrics]
      exporters: [prometheus]
)");
  otlp_trace::ExportTraceServiceRequest r;
  auto* rs = r.add_resource_spans();
  attr(rs->mutable_resource()->mutable_attributes(), "service.name", "checkout");
  auto* ss = rs->add_scope_spans();
  for (uint64_t ms : {3, 30}) {
    auto* s = ss->add_spans();
    s->set_trace_id(std::string(16, '\x01'));
    s->set_span_id(std::string(8, static_cast<char>(ms)));
    s->set_name("GET /cart");
    s->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
    s->set_start_time_unix_nano(kTime);
    s->set_end_time_unix_nano(kTime + ms * 1'000'000);
  }
  REQUIRE(export_traces(d.endpoint("otlp", "grpc"), r).ok());
  const std::string labels =
      "job=\"checkout\",service_name=\"checkout\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"GET /cart\","
      "status_code=\"STATUS_CODE_UNSET\"";
  std::string text;
  CHECK(wait_until([&] {
    text = scrape(d);
    return text.find("traces_span_metrics_calls_total{" + labels + "} 2\n") != std::string::npos;
  }));
  INFO(text);
  CHECK_THAT(text, Contains("# TYPE traces_span_metrics_duration_milliseconds histogram\n"));
  CHECK_THAT(text, Contains("traces_span_metrics_duration_milliseconds_bucket{" + labels + ",le=\"4\"} 1\n"));
  CHECK_THAT(text, Contains("traces_span_metrics_duration_milliseconds_bucket{" + labels + ",le=\"50\"} 2\n"));
  CHECK_THAT(text, Contains("traces_span_metrics_duration_milliseconds_sum{" + labels + "} 33\n"));
}

namespace {

// A counter and a histogram with start times and exemplars (trace 0x01.., span 0x02..), at `now_ns`.
otlp_metrics::ExportMetricsServiceRequest exemplar_metrics(uint64_t now_ns) {
  otlp_metrics::ExportMetricsServiceRequest r;
  auto* rm = r.add_resource_metrics();
  attr(rm->mutable_resource()->mutable_attributes(), "service.name", "shop");
  auto* sm = rm->add_scope_metrics();
  auto add_exemplar = [&](auto* dp, double v) {
    auto* e = dp->add_exemplars();
    e->set_as_double(v);
    e->set_time_unix_nano(now_ns);
    e->set_trace_id(std::string(16, '\x01'));
    e->set_span_id(std::string(8, '\x02'));
  };
  auto* orders = sm->add_metrics();
  orders->set_name("orders");
  orders->set_description("orders \"placed\"");
  orders->mutable_sum()->set_is_monotonic(true);
  orders->mutable_sum()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* o = orders->mutable_sum()->add_data_points();
  o->set_as_int(42);
  o->set_start_time_unix_nano(now_ns - 60'000'000'000ULL);
  o->set_time_unix_nano(now_ns);
  add_exemplar(o, 1);

  auto* latency = sm->add_metrics();
  latency->set_name("http.latency");
  latency->set_unit("ms");
  latency->mutable_histogram()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* h = latency->mutable_histogram()->add_data_points();
  h->set_count(3);
  h->set_sum(157);
  for (double b : {10.0, 100.0}) h->add_explicit_bounds(b);
  for (uint64_t c : {1, 1, 1}) h->add_bucket_counts(c);
  h->set_start_time_unix_nano(now_ns - 60'000'000'000ULL);
  h->set_time_unix_nano(now_ns);
  add_exemplar(h, 55);
  add_exemplar(h, 100);  // the last in bucket le=100 wins
  return r;
}

const std::string kOpenMetricsAccept =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";  // Prometheus 2.42's

HttpResponse scrape_accepting(const Daemon& d, const std::string& accept) {
  HttpRequestOptions get;
  get.method = "GET";
  auto r = http_request("127.0.0.1", d.port("prometheus", "http"), "/metrics", {{"Accept", accept}}, "", get);
  REQUIRE(r.status == 200);
  return r;
}

}  // namespace

TEST_CASE("with enable_open_metrics, a scraper that asks for OpenMetrics gets it with _created and exemplars",
          "[exporters][prometheus][integration]") {
  const uint64_t now_ns = 1'700'000'100'000'000'000ULL;
  Daemon d(config("    enable_open_metrics: true"));
  REQUIRE(export_metrics(d.endpoint("otlp", "grpc"), exemplar_metrics(now_ns)).ok());

  auto om = scrape_accepting(d, kOpenMetricsAccept);
  INFO(om.body);
  CHECK(om.header("Content-Type") == "application/openmetrics-text; version=1.0.0; charset=utf-8");
  const std::string labels = "env=\"test\",job=\"shop\"";
  const std::string ex = " # {trace_id=\"01010101010101010101010101010101\",span_id=\"0202020202020202\"} ";
  CHECK_THAT(om.body, Contains("# HELP orders orders \\\"placed\\\"\n# TYPE orders counter\n"));
  CHECK_THAT(om.body, Contains("orders_total{" + labels + "} 42.0" + ex + "1.0 1700000100.000\n"));
  CHECK_THAT(om.body, Contains("orders_created{" + labels + "} 1700000040.000\n"));
  CHECK_THAT(om.body, Contains("# TYPE http_latency_milliseconds histogram\n"));
  CHECK_THAT(om.body, Contains("http_latency_milliseconds_bucket{" + labels + ",le=\"10.0\"} 1.0\n"));
  CHECK_THAT(om.body, Contains("http_latency_milliseconds_bucket{" + labels + ",le=\"100.0\"} 2.0" + ex +
                               "100.0 1700000100.000\n"));
  CHECK_THAT(om.body, Contains("http_latency_milliseconds_bucket{" + labels + ",le=\"+Inf\"} 3.0\n"));
  CHECK_THAT(om.body, Contains("http_latency_milliseconds_created{" + labels + "} 1700000040.000\n"));
  CHECK(om.body.ends_with("# EOF\n"));

  // The text format to those that ask for it (or for anything), exemplars left out.
  for (const std::string accept : {"text/plain;version=0.0.4", "*/*", ""}) {
    auto text = scrape_accepting(d, accept);
    CHECK(text.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
    CHECK_THAT(text.body, Contains("# TYPE orders_total counter\norders_total{" + labels + "} 42\n"));
    CHECK(text.body.find("# EOF") == std::string::npos);
    CHECK(text.body.find("trace_id") == std::string::npos);
    CHECK(text.body.find("_created") == std::string::npos);
  }
}

TEST_CASE("without enable_open_metrics the text format is served whatever the scraper asks",
          "[exporters][prometheus][integration]") {
  Daemon d(config());
  REQUIRE(export_metrics(d.endpoint("otlp", "grpc"), exemplar_metrics(kTime)).ok());
  auto r = scrape_accepting(d, kOpenMetricsAccept);
  CHECK(r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(r.body.find("# EOF") == std::string::npos);
}

TEST_CASE("a real Prometheus scrapes the exporter over TLS in OpenMetrics and stores its exemplars",
          "[exporters][prometheus][integration][tls]") {
  if (!std::filesystem::exists(Prometheus::binary()))
    FAIL("Debian's prometheus package is not installed: scripts/deps.sh --test");
  TempDir dir;
  const auto certs = make_self_signed_cert(dir);
  Daemon d(
      config("    enable_open_metrics: true\n    tls: {cert_file: " + certs.cert + ", key_file: " + certs.key + "}"));
  const auto now_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  REQUIRE(export_metrics(d.endpoint("otlp", "grpc"), exemplar_metrics(now_ns)).ok());

  // Plain HTTP is refused (no answer), HTTPS is what Prometheus gets.
  HttpRequestOptions get;
  get.method = "GET";
  get.timeout = std::chrono::milliseconds(2000);
  CHECK_THROWS(http_request("127.0.0.1", d.port("prometheus", "http"), "/metrics", {}, "", get));

  Prometheus prom("127.0.0.1:" + std::to_string(d.port("prometheus", "http")),
                  "    scheme: https\n    tls_config: {ca_file: '" + certs.cert + "'}\n",
                  {"--enable-feature=exemplar-storage"});
  auto orders = prom.await("orders_total");
  INFO(prom.log());
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].second == 42);
  std::map<std::string, double> by_le;
  for (const auto& [labels, v] : prom.await("http_latency_milliseconds_bucket")) by_le[labels.at("le")] = v;
  // OpenMetrics writes bounds as floats; Prometheus 2.42 keeps the label as written.
  CHECK(by_le == std::map<std::string, double>{{"10.0", 1}, {"100.0", 2}, {"+Inf", 3}});

  const auto seconds = now_ns / 1'000'000'000ULL;
  const std::string range = "&start=" + std::to_string(seconds - 60) + "&end=" + std::to_string(seconds + 60);
  std::string exemplars;
  CHECK(wait_until(
      [&] {
        exemplars = prom.get("/api/v1/query_exemplars?query=orders_total" + range);
        return exemplars.find("01010101010101010101010101010101") != std::string::npos;
      },
      std::chrono::seconds(30)));
  INFO(exemplars);
  CHECK_THAT(exemplars, Contains("\"span_id\":\"0202020202020202\""));
  CHECK_THAT(prom.get("/api/v1/query_exemplars?query=http_latency_milliseconds_bucket" + range),
             Contains("\"le\":\"100.0\""));
}

TEST_CASE("in OpenMetrics an exponential histogram with negative buckets has no _sum",
          "[exporters][prometheus][integration]") {
  Daemon d(config("    enable_open_metrics: true"));
  REQUIRE(export_metrics(d.endpoint("otlp", "grpc"), metrics(1)).ok());
  auto om = scrape_accepting(d, kOpenMetricsAccept).body;
  INFO(om);
  const std::string labels = "env=\"test\",instance=\"i-1\",job=\"acme/shop\"";
  CHECK_THAT(om, Contains("rpc_duration_seconds_bucket{" + labels + ",le=\"-1.0\"} 1.0\n"));
  CHECK_THAT(om, Contains("rpc_duration_seconds_bucket{" + labels + ",le=\"2.0\"} 5.0\n"));
  CHECK_THAT(om, Contains("rpc_duration_seconds_count{" + labels + "} 5.0\n"));
  CHECK(om.find("rpc_duration_seconds_sum") == std::string::npos);
  CHECK_THAT(om, Contains("job_size_bytes_sum{" + labels + "} 3.0\n"));
}
