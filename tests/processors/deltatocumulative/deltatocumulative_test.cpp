// The deltatocumulative processor and its running totals (model/delta_to_cumulative.h): delta sums,
// histograms and exponential histograms add up per stream; out-of-order points, the stream limit and staleness.
#include <catch2/catch.hpp>

#include "config/node.h"
#include "model/delta_to_cumulative.h"
#include "processors/harness.h"

using namespace otlpd;
using namespace otlpd::test;

namespace {

namespace pm = opentelemetry::proto::metrics::v1;
using Request = opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using Clock = DeltaToCumulative::Clock;

constexpr uint64_t kSecond = 1'000'000'000;

// One metric `name` under resource service.name=svc; `fill` adds its data.
template <typename Fill>
Request request(const std::string& name, Fill fill) {
  Request r;
  auto* rm = r.add_resource_metrics();
  set_attr(*rm->mutable_resource()->mutable_attributes(), "service.name", "svc");
  auto* m = rm->add_scope_metrics()->add_metrics();
  m->set_name(name);
  fill(*m);
  return r;
}

// A delta sum point at `t` seconds (start one second before) with attribute route=`route`.
Request delta_sum(int64_t value, uint64_t t, const std::string& route = "/a", bool monotonic = true) {
  return request("orders", [&](pm::Metric& m) {
    m.mutable_sum()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
    m.mutable_sum()->set_is_monotonic(monotonic);
    auto* dp = m.mutable_sum()->add_data_points();
    dp->set_as_int(value);
    dp->set_start_time_unix_nano((t - 1) * kSecond);
    dp->set_time_unix_nano(t * kSecond);
    set_attr(*dp->mutable_attributes(), "route", route);
  });
}

const pm::Sum& sum_of(const Request& r) { return r.resource_metrics(0).scope_metrics(0).metrics(0).sum(); }

}  // namespace

TEST_CASE("delta sums become running totals per stream, with the stream's first start time",
          "[processors][deltatocumulative]") {
  DeltaToCumulative totals(std::chrono::minutes(5), 0);
  const auto now = Clock::now();
  std::vector<int64_t> seen;
  for (auto [value, t] : {std::pair{3, 10}, {4, 11}, {5, 12}}) {
    auto r = delta_sum(value, t);
    auto res = totals.accumulate(r, now);
    CHECK(res.accumulated == 1);
    REQUIRE(sum_of(r).data_points_size() == 1);
    CHECK(sum_of(r).aggregation_temporality() == pm::AGGREGATION_TEMPORALITY_CUMULATIVE);
    CHECK(sum_of(r).is_monotonic());
    CHECK(sum_of(r).data_points(0).start_time_unix_nano() == 9 * kSecond);
    CHECK(sum_of(r).data_points(0).time_unix_nano() == static_cast<uint64_t>(t) * kSecond);
    seen.push_back(sum_of(r).data_points(0).as_int());
  }
  CHECK(seen == std::vector<int64_t>{3, 7, 12});

  // Another attribute value, or a non-monotonic sum of the same name, is another stream.
  auto b = delta_sum(100, 13, "/b");
  totals.accumulate(b, now);
  CHECK(sum_of(b).data_points(0).as_int() == 100);
  auto n = delta_sum(-2, 13, "/a", false);
  totals.accumulate(n, now);
  CHECK(sum_of(n).data_points(0).as_int() == -2);
  CHECK(totals.streams() == 3);

  // A double delta added to an int total gives a double.
  auto d = request("orders", [](pm::Metric& m) {
    m.mutable_sum()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
    m.mutable_sum()->set_is_monotonic(true);
    auto* dp = m.mutable_sum()->add_data_points();
    dp->set_as_double(0.5);
    dp->set_time_unix_nano(14 * kSecond);
    set_attr(*dp->mutable_attributes(), "route", "/a");
  });
  totals.accumulate(d, now);
  CHECK(sum_of(d).data_points(0).as_double() == 12.5);
}

TEST_CASE("a stream's attributes are compared in any order", "[processors][deltatocumulative]") {
  DeltaToCumulative totals(std::chrono::minutes(5), 0);
  auto with = [](std::vector<std::pair<std::string, std::string>> attrs, int64_t v, uint64_t t) {
    auto r = delta_sum(v, t);
    auto* a = r.mutable_resource_metrics(0)
                  ->mutable_scope_metrics(0)
                  ->mutable_metrics(0)
                  ->mutable_sum()
                  ->mutable_data_points(0)
                  ->mutable_attributes();
    a->Clear();
    for (const auto& [k, val] : attrs) set_attr(*a, k, val);
    return r;
  };
  auto first = with({{"a", "1"}, {"b", "2"}}, 1, 10);
  auto second = with({{"b", "2"}, {"a", "1"}}, 2, 11);
  totals.accumulate(first, Clock::now());
  totals.accumulate(second, Clock::now());
  CHECK(sum_of(second).data_points(0).as_int() == 3);
  CHECK(totals.streams() == 1);
}

TEST_CASE("cumulative metrics and gauges pass unchanged", "[processors][deltatocumulative]") {
  DeltaToCumulative totals(std::chrono::minutes(5), 0);
  auto r = delta_sum(3, 10);
  r.mutable_resource_metrics(0)
      ->mutable_scope_metrics(0)
      ->mutable_metrics(0)
      ->mutable_sum()
      ->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto g = request("temperature", [](pm::Metric& m) { m.mutable_gauge()->add_data_points()->set_as_double(21.5); });
  const auto r0 = r.SerializeAsString(), g0 = g.SerializeAsString();
  CHECK(totals.accumulate(r, Clock::now()).accumulated == 0);
  CHECK(totals.accumulate(g, Clock::now()).accumulated == 0);
  CHECK(r.SerializeAsString() == r0);
  CHECK(g.SerializeAsString() == g0);
  CHECK(totals.streams() == 0);
}

TEST_CASE("delta histograms add bucket by bucket, and other bounds start the total anew",
          "[processors][deltatocumulative]") {
  DeltaToCumulative totals(std::chrono::minutes(5), 0);
  auto hist = [](std::vector<double> bounds, std::vector<uint64_t> counts, double sum, double min, double max,
                 uint64_t t) {
    return request("latency", [&](pm::Metric& m) {
      m.mutable_histogram()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
      auto* dp = m.mutable_histogram()->add_data_points();
      dp->mutable_explicit_bounds()->Assign(bounds.begin(), bounds.end());
      dp->mutable_bucket_counts()->Assign(counts.begin(), counts.end());
      uint64_t n = 0;
      for (auto c : counts) n += c;
      dp->set_count(n);
      dp->set_sum(sum);
      dp->set_min(min);
      dp->set_max(max);
      dp->set_start_time_unix_nano((t - 1) * kSecond);
      dp->set_time_unix_nano(t * kSecond);
    });
  };
  auto point = [](const Request& r) {
    return r.resource_metrics(0).scope_metrics(0).metrics(0).histogram().data_points(0);
  };
  auto a = hist({10, 50}, {1, 2, 0}, 65, 5, 30, 10);
  auto b = hist({10, 50}, {0, 1, 3}, 400, 20, 200, 11);
  totals.accumulate(a, Clock::now());
  totals.accumulate(b, Clock::now());
  auto p = point(b);
  CHECK(std::vector<uint64_t>(p.bucket_counts().begin(), p.bucket_counts().end()) == std::vector<uint64_t>{1, 3, 3});
  CHECK(p.count() == 7);
  CHECK(p.sum() == 465);
  CHECK(p.min() == 5);
  CHECK(p.max() == 200);
  CHECK(p.start_time_unix_nano() == 9 * kSecond);
  CHECK(b.resource_metrics(0).scope_metrics(0).metrics(0).histogram().aggregation_temporality() ==
        pm::AGGREGATION_TEMPORALITY_CUMULATIVE);

  auto c = hist({100}, {2, 0}, 10, 4, 6, 12);
  totals.accumulate(c, Clock::now());
  p = point(c);
  CHECK(std::vector<uint64_t>(p.bucket_counts().begin(), p.bucket_counts().end()) == std::vector<uint64_t>{2, 0});
  CHECK(p.count() == 2);
  CHECK(p.start_time_unix_nano() == 11 * kSecond);
}

TEST_CASE("delta exponential histograms add at the smaller scale", "[processors][deltatocumulative]") {
  DeltaToCumulative totals(std::chrono::minutes(5), 0);
  auto exp = [](int scale, int offset, std::vector<uint64_t> counts, uint64_t zero, uint64_t t) {
    return request("size", [&](pm::Metric& m) {
      m.mutable_exponential_histogram()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
      auto* dp = m.mutable_exponential_histogram()->add_data_points();
      dp->set_scale(scale);
      dp->mutable_positive()->set_offset(offset);
      dp->mutable_positive()->mutable_bucket_counts()->Assign(counts.begin(), counts.end());
      dp->set_zero_count(zero);
      uint64_t n = zero;
      for (auto c : counts) n += c;
      dp->set_count(n);
      dp->set_time_unix_nano(t * kSecond);
    });
  };
  // Scale 1, buckets 2..5 (counts 1, 2, 3, 4); then scale 0, buckets -1..0 (counts 5, 6): at scale 0 the first
  // becomes buckets 1 (1 + 2) and 2 (3 + 4).
  auto a = exp(1, 2, {1, 2, 3, 4}, 1, 10);
  auto b = exp(0, -1, {5, 6}, 2, 11);
  totals.accumulate(a, Clock::now());
  totals.accumulate(b, Clock::now());
  const auto& p = b.resource_metrics(0).scope_metrics(0).metrics(0).exponential_histogram().data_points(0);
  CHECK(p.scale() == 0);
  CHECK(p.positive().offset() == -1);
  CHECK(std::vector<uint64_t>(p.positive().bucket_counts().begin(), p.positive().bucket_counts().end()) ==
        std::vector<uint64_t>{5, 6, 3, 7});
  CHECK(p.zero_count() == 3);
  CHECK(p.count() == 24);
  CHECK(p.start_time_unix_nano() == 10 * kSecond);
}

TEST_CASE("points not newer than their stream's last, and new streams beyond max_streams, are removed",
          "[processors][deltatocumulative]") {
  DeltaToCumulative totals(std::chrono::seconds(60), 2);
  const auto now = Clock::now();
  auto a = delta_sum(1, 10, "/a");
  auto b = delta_sum(1, 10, "/b");
  auto c = delta_sum(1, 10, "/c");
  CHECK(totals.accumulate(a, now).accumulated == 1);
  CHECK(totals.accumulate(b, now).accumulated == 1);
  auto res = totals.accumulate(c, now);
  CHECK(res.over_limit == 1);
  CHECK(sum_of(c).data_points_size() == 0);

  auto old = delta_sum(5, 10, "/a");
  res = totals.accumulate(old, now);
  CHECK(res.out_of_order == 1);
  CHECK(sum_of(old).data_points_size() == 0);

  // Once stale, streams are forgotten: room for /c, and /a starts anew.
  const auto later = now + std::chrono::seconds(61);
  auto c2 = delta_sum(2, 11, "/c");
  CHECK(totals.accumulate(c2, later).accumulated == 1);
  CHECK(sum_of(c2).data_points(0).as_int() == 2);
  CHECK(totals.streams() == 1);
  CHECK(totals.expire(later + std::chrono::seconds(61)) == 1);
}

TEST_CASE("the deltatocumulative processor turns delta metrics of a pipeline into cumulative ones",
          "[processors][deltatocumulative]") {
  Capture<MetricBatch> out;
  auto p = make_processor<MetricBatch>("deltatocumulative", "max_stale: 1m\nmax_streams: 10", out);
  for (auto [v, t] : {std::pair{3, 10}, {4, 11}}) {
    auto b = MetricBatch::make();
    b.first() = delta_sum(v, t);
    REQUIRE(input<MetricBatch>(*p).consume(std::move(b)).is_ok());
  }
  auto batches = out.take();
  REQUIRE(batches.size() == 2);
  const auto& r = *batches[1].read_parts().at(0).request;
  CHECK(sum_of(r).aggregation_temporality() == pm::AGGREGATION_TEMPORALITY_CUMULATIVE);
  CHECK(sum_of(r).data_points(0).as_int() == 7);

  CHECK(!processor_factory("deltatocumulative").supports(Signal::traces));
  CHECK_THROWS_WITH(parse_processor("deltatocumulative", "max_stale: 0s"), Catch::Contains("max_stale"));
  CHECK_THROWS_WITH(parse_processor("deltatocumulative", "max_streams: -1"), Catch::Contains("max_streams"));
  CHECK_THROWS_WITH(parse_processor("deltatocumulative", "max_staleness: 1m"), Catch::Contains("max_staleness"));
}
