// The prometheusremotewrite exporter: translation to remote-write series, requests split by
// max_batch_size_bytes, the sender's classification of answers (against a fake receiver), and the real daemon
// writing to a real Prometheus (Debian's package) whose HTTP API must answer every value, label and bucket sent.
#include <simdjson.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <tuple>

#include "exporters/prometheusremotewrite/sender.h"
#include "exporters/prometheusremotewrite/write_request.h"
#include "support/daemon.h"
#include "support/fake_otlp_http.h"
#include "support/null_host.h"
#include "support/otlp_client.h"
#include "support/prometheus.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace otlpd::prometheusremotewrite_exporter;
using namespace std::chrono_literals;
namespace pm = opentelemetry::proto::metrics::v1;
using exporter_helper::SendOutcome;

namespace {

void attr(google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>* to, const std::string& k,
          const std::string& v) {
  auto* kv = to->Add();
  kv->set_key(k);
  kv->mutable_value()->set_string_value(v);
}

uint64_t now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

// A cumulative counter, a gauge, a cumulative histogram, a summary, a delta counter, a delta histogram and a
// cumulative exponential histogram, at time `t`.
otlp_metrics::ExportMetricsServiceRequest metrics(uint64_t t) {
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
  for (auto [region, n] : {std::pair{"eu", 42}, std::pair{"us", 7}}) {
    auto* o = orders->mutable_sum()->add_data_points();
    o->set_as_int(n);
    o->set_time_unix_nano(t);
    attr(o->mutable_attributes(), "region", region);
  }

  auto* temp = sm->add_metrics();
  temp->set_name("room.temperature");
  temp->set_unit("Cel");
  auto* g = temp->mutable_gauge()->add_data_points();
  g->set_as_double(21.5);
  g->set_time_unix_nano(t);

  auto* latency = sm->add_metrics();
  latency->set_name("http.latency");
  latency->set_unit("ms");
  latency->mutable_histogram()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* h = latency->mutable_histogram()->add_data_points();
  h->set_count(6);
  h->set_sum(500);
  for (double b : {10.0, 100.0}) h->add_explicit_bounds(b);
  for (uint64_t c : {1, 2, 3}) h->add_bucket_counts(c);
  h->set_time_unix_nano(t);
  attr(h->mutable_attributes(), "http.route", "/cart");

  auto* rtt = sm->add_metrics();
  rtt->set_name("rtt");
  rtt->set_unit("s");
  auto* q = rtt->mutable_summary()->add_data_points();
  q->set_count(4);
  q->set_sum(2);
  auto* q50 = q->add_quantile_values();
  q50->set_quantile(0.5);
  q50->set_value(0.25);
  auto* q99 = q->add_quantile_values();
  q99->set_quantile(0.99);
  q99->set_value(1.5);
  q->set_time_unix_nano(t);

  auto* io = sm->add_metrics();
  io->set_name("network.io");
  io->set_unit("By");
  io->mutable_sum()->set_is_monotonic(true);
  io->mutable_sum()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
  auto* d = io->mutable_sum()->add_data_points();
  d->set_as_int(100);
  d->set_time_unix_nano(t);

  auto* wait = sm->add_metrics();
  wait->set_name("queue.wait");
  wait->set_unit("s");
  wait->mutable_histogram()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
  auto* w = wait->mutable_histogram()->add_data_points();
  w->set_count(1);
  w->set_sum(1);
  w->add_bucket_counts(1);
  w->set_time_unix_nano(t);

  add_rpc_duration(*sm, t);
  return r;
}

MetricBatch batch_of(const otlp_metrics::ExportMetricsServiceRequest& r) {
  auto b = MetricBatch::make();
  b.first() = r;
  return b;
}

// Series by their labels written as text (name first, then the others in order).
std::map<std::string, double> by_text(const std::vector<prometheus::TimeSeries>& series) {
  std::map<std::string, double> out;
  for (const auto& ts : series) {
    std::string name, rest;
    for (const auto& l : ts.labels()) {
      if (l.name() == "__name__")
        name = l.value();
      else
        rest += (rest.empty() ? "" : ",") + l.name() + "=" + l.value();
    }
    if (ts.histograms_size() > 0) continue;  // native histograms: see their own tests
    REQUIRE(ts.samples_size() == 1);
    out[name + "{" + rest + "}"] = ts.samples(0).value();
  }
  return out;
}

// otlp (gRPC) → prometheusremotewrite to `url`, with `extra` lines of exporter keys.
std::string daemon_config(const std::string& url, const std::string& extra) {
  return R"(
receivers:
  otlp:
    protocols: {grpc: {endpoint: 127.0.0.1:0}}
exporters:
  prometheusremotewrite:
    endpoint: )" +
         url + "\n" + extra + R"(service:
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [prometheusremotewrite]
)";
}

Deadline in_seconds(int s) { return std::chrono::steady_clock::now() + std::chrono::seconds(s); }

}  // namespace

TEST_CASE("prometheusremotewrite: OTLP metrics become remote-write series as the specification names them",
          "[exporters][prometheusremotewrite]") {
  TranslateOptions o;
  o.external_labels = {{"env", "test"}, {"region", "never"}};
  const uint64_t t = 1'700'000'000'123'000'000ULL;
  auto got = translate(batch_of(metrics(t)), o, 5);
  const std::string base = "env=test,instance=i-1,job=acme/shop";
  std::map<std::string, double> want{
      {"orders_total{" + base + ",region=eu}", 42},  // a point's attribute wins over an external label
      {"orders_total{" + base + ",region=us}", 7},
      {"room_temperature_celsius{" + base + ",region=never}", 21.5},
      {"http_latency_milliseconds_bucket{env=test,http_route=/cart,instance=i-1,job=acme/shop,le=10,region=never}", 1},
      {"http_latency_milliseconds_bucket{env=test,http_route=/cart,instance=i-1,job=acme/shop,le=100,region=never}", 3},
      {"http_latency_milliseconds_bucket{env=test,http_route=/cart,instance=i-1,job=acme/shop,le=+Inf,region=never}",
       6},
      {"http_latency_milliseconds_sum{env=test,http_route=/cart,instance=i-1,job=acme/shop,region=never}", 500},
      {"http_latency_milliseconds_count{env=test,http_route=/cart,instance=i-1,job=acme/shop,region=never}", 6},
      {"rtt_seconds{" + base + ",quantile=0.5,region=never}", 0.25},
      {"rtt_seconds{" + base + ",quantile=0.99,region=never}", 1.5},
      {"rtt_seconds_sum{" + base + ",region=never}", 2},
      {"rtt_seconds_count{" + base + ",region=never}", 4},
      {"target_info{env=test,host_name=h1,instance=i-1,job=acme/shop,region=never}", 1},
  };
  CHECK(by_text(got.series) == want);
  for (const auto& ts : got.series) {
    CHECK((ts.histograms_size() ? ts.histograms(0).timestamp() : ts.samples(0).timestamp()) == 1'700'000'000'123);
    for (int i = 1; i < ts.labels_size(); ++i) CHECK(ts.labels(i - 1).name() < ts.labels(i).name());  // sorted
  }
  // Delta sums and histograms are refused, as the Collector does.
  REQUIRE(got.dropped.size() == 2);
  CHECK(got.dropped[0].first == "network.io");
  CHECK(got.dropped[1].first == "queue.wait");
  CHECK(got.metadata.empty());

  SECTION("options: namespace, no suffixes, resource attributes as labels, no target_info, metadata") {
    o.namespace_ = "otel";
    o.add_metric_suffixes = false;
    o.resource_to_telemetry_conversion = true;
    o.target_info = false;
    o.send_metadata = true;
    auto names = by_text(translate(batch_of(metrics(t)), o, 5).series);
    CHECK(names.count("otel_orders{env=test,host_name=h1,instance=i-1,job=acme/shop,region=eu,service_instance_id=i-1,"
                      "service_name=shop,service_namespace=acme}") == 1);
    for (const auto& [k, v] : names) CHECK(!k.starts_with("target_info"));
    auto md = translate(batch_of(metrics(t)), o, 5).metadata;
    REQUIRE(md.size() == 5);
    CHECK(md[4].metric_family_name() == "otel_rpc_duration");
    CHECK(md[4].type() == prometheus::MetricMetadata::HISTOGRAM);
    CHECK(md[0].metric_family_name() == "otel_orders");
    CHECK(md[0].type() == prometheus::MetricMetadata::COUNTER);
    CHECK(md[0].help() == "orders placed");
    CHECK(md[2].type() == prometheus::MetricMetadata::HISTOGRAM);
  }
  SECTION("a point without a recorded value is the stale marker, a point without a time gets now") {
    auto r = metrics(0);
    auto* dp = r.mutable_resource_metrics(0)
                   ->mutable_scope_metrics(0)
                   ->mutable_metrics(1)
                   ->mutable_gauge()
                   ->mutable_data_points(0);
    dp->set_flags(pm::DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK);
    for (const auto& ts : translate(batch_of(r), o, 5).series) {
      if (ts.histograms_size() > 0) continue;  // its time is its own
      CHECK(ts.samples(0).timestamp() == 5);
      if (ts.labels(0).value() == "room_temperature_celsius") {
        CHECK(std::isnan(ts.samples(0).value()));
        CHECK(std::bit_cast<uint64_t>(ts.samples(0).value()) == std::bit_cast<uint64_t>(stale_nan()));
      }
    }
  }
}

TEST_CASE("prometheusremotewrite: a cumulative exponential histogram is one series of native histograms",
          "[exporters][prometheusremotewrite]") {
  TranslateOptions o;
  o.external_labels = {{"env", "test"}};
  auto got = translate(batch_of(metrics(1'700'000'000'123'000'000ULL)), o, 5);
  std::vector<const prometheus::TimeSeries*> native;
  for (const auto& ts : got.series)
    if (ts.histograms_size() > 0) native.push_back(&ts);
  REQUIRE(native.size() == 1);
  const auto& ts = *native[0];
  CHECK(ts.samples_size() == 0);
  std::map<std::string, std::string> labels;
  for (const auto& l : ts.labels()) labels[l.name()] = l.value();
  CHECK(labels ==
        std::map<std::string, std::string>{
            {"__name__", "rpc_duration_seconds"}, {"env", "test"}, {"instance", "i-1"}, {"job", "acme/shop"}});
  REQUIRE(ts.histograms_size() == 1);
  const auto& h = ts.histograms(0);
  CHECK(h.schema() == 1);
  CHECK(h.count_int() == 5);
  CHECK(h.sum() == 2.5);
  CHECK(h.zero_count_int() == 1);
  CHECK(h.timestamp() == 1'700'000'000'123);
  REQUIRE(h.positive_spans_size() == 1);
  CHECK(h.positive_spans(0).offset() == 1);  // OTLP index 0 is Prometheus's 1
  CHECK(h.positive_spans(0).length() == 2);
  CHECK(std::vector<int64_t>(h.positive_deltas().begin(), h.positive_deltas().end()) == std::vector<int64_t>{1, 1});
  REQUIRE(h.negative_spans_size() == 1);
  CHECK(h.negative_spans(0).offset() == 1);
  CHECK(std::vector<int64_t>(h.negative_deltas().begin(), h.negative_deltas().end()) == std::vector<int64_t>{1});

  SECTION("a delta exponential histogram is dropped, as the Collector does") {
    auto r = metrics(1);
    r.mutable_resource_metrics(0)
        ->mutable_scope_metrics(0)
        ->mutable_metrics(6)
        ->mutable_exponential_histogram()
        ->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
    auto dropped = translate(batch_of(r), o, 5);
    for (const auto& s : dropped.series) CHECK(s.histograms_size() == 0);
    REQUIRE(dropped.dropped.size() == 3);
    CHECK(dropped.dropped[2] == std::pair<std::string, std::string>{
                                    "rpc.duration", "an exponential histogram whose temporality is not cumulative"});
  }
}

TEST_CASE("an exponential histogram point becomes a native histogram: spans, deltas, scale and stale marker",
          "[exporters][prometheusremotewrite]") {
  pm::ExponentialHistogramDataPoint dp;
  dp.set_time_unix_nano(1'700'000'000'123'456'789ULL);
  dp.set_count(15);
  dp.set_sum(7.5);
  dp.set_zero_count(5);
  prometheus::Histogram h;
  std::string error;
  auto deltas = [](const google::protobuf::RepeatedField<int64_t>& d) {
    return std::vector<int64_t>(d.begin(), d.end());
  };
  auto spans = [](const google::protobuf::RepeatedPtrField<prometheus::BucketSpan>& s) {
    std::vector<std::pair<int32_t, uint32_t>> out;
    for (const auto& span : s) out.emplace_back(span.offset(), span.length());
    return out;
  };

  SECTION("gaps of up to two buckets are zeros, longer ones start a new span; counts are deltas") {
    dp.set_scale(1);
    dp.mutable_positive()->set_offset(-2);
    for (uint64_t c : {1, 0, 2, 0, 0, 0, 3}) dp.mutable_positive()->add_bucket_counts(c);
    dp.mutable_negative()->add_bucket_counts(4);
    REQUIRE(native_histogram(dp, 5, h, error));
    CHECK(h.schema() == 1);
    CHECK(spans(h.positive_spans()) == std::vector<std::pair<int32_t, uint32_t>>{{-1, 3}, {3, 1}});
    CHECK(deltas(h.positive_deltas()) == std::vector<int64_t>{1, -1, 2, 1});
    CHECK(spans(h.negative_spans()) == std::vector<std::pair<int32_t, uint32_t>>{{1, 1}});
    CHECK(deltas(h.negative_deltas()) == std::vector<int64_t>{4});
    CHECK(h.zero_threshold() == 1e-128);
    CHECK(h.zero_count_int() == 5);
    CHECK(h.count_int() == 15);
    CHECK(h.sum() == 7.5);
    CHECK(h.timestamp() == 1'700'000'000'123);
    CHECK(h.reset_hint() == prometheus::Histogram::UNKNOWN);
  }
  SECTION("a scale above 8 is reduced to 8 by merging neighbouring buckets") {
    dp.set_scale(10);
    dp.set_zero_threshold(0.001);
    dp.mutable_positive()->set_offset(-3);  // indexes -3..1 are 8's -1, -1, -1, 0, 0
    for (int i = 0; i < 5; ++i) dp.mutable_positive()->add_bucket_counts(1);
    REQUIRE(native_histogram(dp, 5, h, error));
    CHECK(h.schema() == 8);
    CHECK(spans(h.positive_spans()) == std::vector<std::pair<int32_t, uint32_t>>{{0, 2}});
    CHECK(deltas(h.positive_deltas()) == std::vector<int64_t>{3, -1});
    CHECK(h.negative_spans_size() == 0);
    CHECK(h.zero_threshold() == 0.001);
  }
  SECTION("a scale below -4 cannot be expressed") {
    dp.set_scale(-5);
    CHECK_FALSE(native_histogram(dp, 5, h, error));
    CHECK(error == "an exponential histogram point of scale -5 (native histograms go down to -4)");
  }
  SECTION("a point without a recorded value is the stale marker, one without a time gets now") {
    dp.set_flags(pm::DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK);
    dp.set_time_unix_nano(0);
    REQUIRE(native_histogram(dp, 5, h, error));
    CHECK(std::bit_cast<uint64_t>(h.sum()) == std::bit_cast<uint64_t>(stale_nan()));
    CHECK(h.count_int() == std::bit_cast<uint64_t>(stale_nan()));
    CHECK(h.timestamp() == 5);
  }
}

TEST_CASE("prometheusremotewrite: a batch is split into requests of at most max_batch_size_bytes",
          "[exporters][prometheusremotewrite]") {
  Translated t;
  for (int i = 0; i < 300; ++i) {
    auto& ts = t.series.emplace_back();
    auto* l = ts.add_labels();
    l->set_name("__name__");
    std::string name = std::to_string(i);
    name.insert(0, 1, 'm');
    name.append(static_cast<size_t>(i % 40), 'x');
    l->set_value(name);
    auto* s = ts.add_samples();
    s->set_value(i);
    s->set_timestamp(i);
  }
  for (int i = 0; i < 20; ++i) t.metadata.emplace_back().set_metric_family_name(std::string(50, 'a'));
  const size_t whole = [&] {
    prometheus::WriteRequest all;
    for (const auto& ts : t.series) *all.add_timeseries() = ts;
    for (const auto& md : t.metadata) *all.add_metadata() = md;
    return all.ByteSizeLong();
  }();

  for (size_t max : {size_t{1024}, size_t{4000}, whole, whole - 1}) {
    INFO("max " << max << " of " << whole);
    auto requests = split_requests(t, max);
    const size_t want = max >= whole ? 1 : (whole + max - 1) / max;
    CHECK(requests.size() >= want);
    CHECK(requests.size() <= want + 2);
    std::vector<double> values;
    size_t metadata = 0;
    for (const auto& body : requests) {
      CHECK(body.size() <= max);
      prometheus::WriteRequest r;
      REQUIRE(r.ParseFromString(body));
      CHECK((r.timeseries_size() > 0 || r.metadata_size() > 0));
      for (const auto& ts : r.timeseries()) values.push_back(ts.samples(0).value());
      metadata += static_cast<size_t>(r.metadata_size());
    }
    REQUIRE(values.size() == 300);
    for (size_t i = 0; i < values.size(); ++i) CHECK(values[i] == static_cast<double>(i));  // in order
    CHECK(metadata == 20);
  }

  SECTION("native histograms go last, in requests of their own") {
    auto native = t.series[0];
    native.clear_samples();
    native.add_histograms()->set_count_int(7);
    t.series.insert(t.series.begin(), native);
    auto requests = split_requests(t, whole * 2);
    REQUIRE(requests.size() == 2);
    prometheus::WriteRequest first, last;
    REQUIRE(first.ParseFromString(requests[0]));
    REQUIRE(last.ParseFromString(requests[1]));
    CHECK(first.timeseries_size() == 300);
    CHECK(first.metadata_size() == 20);
    REQUIRE(last.timeseries_size() == 1);
    CHECK(last.timeseries(0).histograms(0).count_int() == 7);
  }
  SECTION("a series larger than the limit goes alone") {
    t.series[10].mutable_labels(0)->set_value(std::string(5000, 'y'));
    auto requests = split_requests(t, 1024);
    size_t alone = 0;
    for (const auto& body : requests) {
      prometheus::WriteRequest r;
      REQUIRE(r.ParseFromString(body));
      if (body.size() > 1024) {
        CHECK(r.timeseries_size() == 1);
        ++alone;
      }
    }
    CHECK(alone == 1);
  }
}

TEST_CASE(
    "prometheusremotewrite sender: snappy protobuf with the protocol's headers, 400 permanent, 429 and 503 "
    "retried",
    "[exporters][prometheusremotewrite]") {
  FakeOtlpHttpServer receiver;
  RemoteWriteConfig cfg;
  cfg.client.endpoint = receiver.url() + "/api/v1/write";
  cfg.client.headers = {{"X-Scope-OrgID", "tenant-1"}};
  cfg.max_batch_size_bytes = 1024;
  auto sender = make_remote_write_sender("prometheusremotewrite", cfg);
  sender->start(no_extensions());
  auto batch = batch_of(metrics(now_ns()));

  auto outcome = sender->send(batch, in_seconds(10));
  REQUIRE(outcome.kind == SendOutcome::Kind::ok);
  auto requests = receiver.requests();
  REQUIRE(requests.size() >= 2);  // the batch is larger than 1024 bytes
  std::vector<prometheus::TimeSeries> all;
  for (const auto& r : requests) {
    CHECK(r.path == "/api/v1/write");
    CHECK(r.headers.at("content-encoding") == "snappy");
    CHECK(r.headers.at("content-type") == "application/x-protobuf");
    CHECK(r.headers.at("x-prometheus-remote-write-version") == "0.1.0");
    CHECK(r.headers.at("x-scope-orgid") == "tenant-1");
    CHECK(r.body.size() <= 1024);
    prometheus::WriteRequest w;
    REQUIRE(w.ParseFromString(r.body));
    all.insert(all.end(), w.timeseries().begin(), w.timeseries().end());
  }
  TranslateOptions o;
  CHECK(by_text(all) == by_text(translate(batch, o, 0).series));

  receiver.fail_requests(1, 400);
  outcome = sender->send(batch, in_seconds(10));
  CHECK(outcome.kind == SendOutcome::Kind::permanent);
  CHECK_THAT(outcome.message, Catch::Contains("HTTP 400") && Catch::Contains("injected failure"));

  receiver.fail_requests(1, 503, "2");
  outcome = sender->send(batch, in_seconds(10));
  CHECK(outcome.kind == SendOutcome::Kind::retryable);
  CHECK(outcome.retry_after == 2s);

  receiver.fail_requests(1, 429);
  CHECK(sender->send(batch, in_seconds(10)).kind == SendOutcome::Kind::retryable);
  receiver.fail_requests(1, 500);
  CHECK(sender->send(batch, in_seconds(10)).kind == SendOutcome::Kind::retryable);
  receiver.stop();
  CHECK(sender->send(batch, in_seconds(5)).kind == SendOutcome::Kind::retryable);
  sender->shutdown();
}

TEST_CASE("prometheusremotewrite through the daemon: a 503 is retried, a 400 is not",
          "[exporters][prometheusremotewrite][integration]") {
  FakeOtlpHttpServer receiver;
  Daemon d(daemon_config(receiver.url() + "/api/v1/write",
                         "    retry_on_failure: {initial_interval: 50ms, max_interval: 100ms, max_elapsed_time: 0}\n"
                         "    remote_write_queue: {num_consumers: 1}\n"));
  // Each batch is two requests: the samples, then the native histogram.
  receiver.fail_requests(1, 503);
  REQUIRE(export_metrics(d.endpoint("otlp", "grpc"), metrics(now_ns())).ok());
  REQUIRE(wait_until([&] { return receiver.requests().size() == 2; }, 20s));
  CHECK(receiver.attempts() == 3);

  receiver.fail_requests(1, 400);
  REQUIRE(export_metrics(d.endpoint("otlp", "grpc"), metrics(now_ns())).ok());
  REQUIRE(wait_until([&] { return d.log().find("not retryable") != std::string::npos; }, 20s));
  // The next request arrives at once: nothing waits to retry the refused one (one worker).
  REQUIRE(export_metrics(d.endpoint("otlp", "grpc"), metrics(now_ns())).ok());
  REQUIRE(wait_until([&] { return receiver.requests().size() == 4; }, 20s));
  CHECK(receiver.attempts() == 6);
  CHECK(d.log().find("metric network.io is not sent: a sum whose temporality is not cumulative") != std::string::npos);
}

TEST_CASE("a real Prometheus receiving remote write from the daemon stores every value, label and bucket sent",
          "[exporters][prometheusremotewrite][integration]") {
  if (!std::filesystem::exists(Prometheus::binary()))
    FAIL("Debian's prometheus package is not installed: scripts/deps.sh --test");
  Prometheus prom({}, {}, {"--enable-feature=native-histograms"});
  Daemon d(daemon_config(prom.remote_write_url(),
                         "    external_labels: {env: test}\n"
                         "    max_batch_size_bytes: 1024\n"));
  REQUIRE(export_metrics(d.endpoint("otlp", "grpc"), metrics(now_ns())).ok());
  using Labels = std::map<std::string, std::string>;
  const Labels base{{"env", "test"}, {"instance", "i-1"}, {"job", "acme/shop"}};
  auto with = [&](Labels extra, const std::string& name) {
    extra.insert(base.begin(), base.end());
    extra["__name__"] = name;
    return extra;
  };
  INFO(d.log());

  auto orders = prom.await("orders_total");
  INFO(prom.log());
  REQUIRE(orders.size() == 2);
  std::map<Labels, double> got_orders(orders.begin(), orders.end());
  CHECK(got_orders == std::map<Labels, double>{{with({{"region", "eu"}}, "orders_total"), 42},
                                               {with({{"region", "us"}}, "orders_total"), 7}});

  auto temp = prom.await("room_temperature_celsius");
  REQUIRE(temp.size() == 1);
  CHECK(temp[0].first == with({}, "room_temperature_celsius"));
  CHECK(temp[0].second == 21.5);

  std::map<std::string, double> by_le;
  for (const auto& [labels, v] : prom.await("http_latency_milliseconds_bucket")) {
    auto l = labels;
    by_le[l["le"]] = v;
    l.erase("le");
    CHECK(l == with({{"http_route", "/cart"}}, "http_latency_milliseconds_bucket"));
  }
  CHECK(by_le == std::map<std::string, double>{{"10", 1}, {"100", 3}, {"+Inf", 6}});
  CHECK(prom.await("http_latency_milliseconds_sum")[0].second == 500);
  CHECK(prom.await("http_latency_milliseconds_count")[0].second == 6);
  // The buckets as PromQL reads them: the median falls in (10, 100].
  auto median = prom.await("histogram_quantile(0.5,http_latency_milliseconds_bucket)");
  REQUIRE(median.size() == 1);
  CHECK(median[0].second == Approx(100.0));

  std::map<std::string, double> quantiles;
  for (const auto& [labels, v] : prom.await("rtt_seconds")) quantiles[labels.at("quantile")] = v;
  CHECK(quantiles == std::map<std::string, double>{{"0.5", 0.25}, {"0.99", 1.5}});
  CHECK(prom.await("rtt_seconds_count")[0].second == 4);

  auto info = prom.await("target_info");
  REQUIRE(info.size() == 1);
  CHECK(info[0].first == with({{"host_name", "h1"}}, "target_info"));
  CHECK(info[0].second == 1);

  // The exponential histogram, stored as a native histogram (--enable-feature=native-histograms).
  CHECK(prom.await("histogram_count(rpc_duration_seconds)")[0].second == 5);
  CHECK(prom.await("histogram_sum(rpc_duration_seconds)")[0].second == 2.5);
  // Its labels and buckets as the query API answers them (buckets: [boundary rule, lower, upper, count]).
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(prom.get("/api/v1/query?query=rpc_duration_seconds"));
  auto result = doc["data"]["result"].at(0);
  Labels native_labels;
  for (auto field : result["metric"].get_object())
    native_labels[std::string(field.key)] = std::string(std::string_view(field.value.get_string()));
  CHECK(native_labels == with({}, "rpc_duration_seconds"));
  std::vector<std::tuple<double, double, double>> buckets;
  for (auto b : result["histogram"].at(1)["buckets"].get_array()) {
    auto num = [&](size_t i) { return std::stod(std::string(std::string_view(b.at(i).get_string()))); };
    buckets.emplace_back(num(1), num(2), num(3));
  }
  REQUIRE(buckets.size() == 4);
  const double r2 = std::sqrt(2.0);
  const std::vector<std::tuple<double, double, double>> want{
      {-r2, -1, 1}, {-1e-128, 1e-128, 1}, {1, r2, 1}, {r2, 2, 2}};
  for (size_t i = 0; i < want.size(); ++i) {
    CHECK(std::get<0>(buckets[i]) == Approx(std::get<0>(want[i])));
    CHECK(std::get<1>(buckets[i]) == Approx(std::get<1>(want[i])));
    CHECK(std::get<2>(buckets[i]) == std::get<2>(want[i]));
  }

  // Delta metrics are not sent (the Collector refuses them too): they were in the same requests as the rest.
  CHECK(prom.query("network_io_bytes_total").empty());
  CHECK(prom.query("queue_wait_seconds_bucket").empty());
}

TEST_CASE("a Prometheus without native histograms refuses them and still stores the other series",
          "[exporters][prometheusremotewrite][integration]") {
  if (!std::filesystem::exists(Prometheus::binary()))
    FAIL("Debian's prometheus package is not installed: scripts/deps.sh --test");
  Prometheus prom;
  Daemon d(daemon_config(prom.remote_write_url(), "    retry_on_failure: {enabled: false}\n"));
  REQUIRE(export_metrics(d.endpoint("otlp", "grpc"), metrics(now_ns())).ok());
  INFO(d.log());
  // The samples went before the native histogram, which Prometheus answers with a 500.
  CHECK(prom.await("orders_total").size() == 2);
  CHECK(prom.await("http_latency_milliseconds_count")[0].second == 6);
  CHECK(wait_until([&] { return d.log().find("native histograms are disabled") != std::string::npos; }, 30s));
  CHECK(prom.query("histogram_count(rpc_duration_seconds)").empty());
}
