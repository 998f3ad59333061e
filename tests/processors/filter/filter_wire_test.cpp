// The filter's OTTL span, log record, metric and data point conditions on received bytes give what the decoded path
// gives (a differential test), and leave bytes untouched when nothing is dropped.
#include <catch2/catch.hpp>

#include "codec/otlp_wire.h"
#include "processors/harness.h"
#include "processors/wire_traffic.h"

using namespace otlpd;
using namespace otlpd::test;
using Span = opentelemetry::proto::trace::v1::Span;

namespace {

// What the filter sent on, serialized; `sent`: whether it sent anything.
template <typename B>
std::string run(const std::string& yaml, B batch, bool& sent) {
  auto got = run_processor("filter", yaml, std::move(batch));
  sent = !got.empty();
  std::string bytes;
  for (const auto& b : got) bytes += b.serialize();
  return bytes;
}

// The filter configured with `yaml` sends the same from `prototype` decoded as from its bytes.
template <typename B>
void check_same_on_wire(const std::string& yaml, const B& prototype) {
  INFO(yaml);
  const std::string bytes = prototype.read_parts()[0].request->SerializeAsString();
  bool sent_decoded = false, sent_wire = false;
  const auto decoded = run(yaml, prototype.clone(), sent_decoded);
  const auto wire = run(yaml, B::adopt_wire(bytes, prototype.item_count()), sent_wire);
  CHECK(sent_decoded == sent_wire);
  CHECK(decoded == wire);
}

}  // namespace

TEST_CASE("filter OTTL span conditions on received bytes match the decoded path", "[processors][ottl]") {
  const std::string conditions[] = {
      "'attributes[\"http.route\"] == \"/health\"'",
      "'resource.attributes[\"service.name\"] == \"cron\"'",
      "'instrumentation_scope.name == \"db\" or kind == SPAN_KIND_CLIENT'",
      "'IsMatch(name, \"[0-9]$\")'",
      "'name == \"nothing\"'",
      "'true'",
  };
  for (const auto& c : conditions) check_same_on_wire("traces: {span: [" + c + "]}", wire_span_traffic());
}

TEST_CASE("filter OTTL on received bytes keeps the bytes when nothing is dropped, and counts what went",
          "[processors][ottl]") {
  const std::string bytes = wire_span_traffic().first().SerializeAsString();
  Capture<TraceBatch> out;
  auto p = make_processor<TraceBatch>("filter", "traces: {span: ['name == \"GET /health1\"']}", out);
  REQUIRE(input<TraceBatch>(*p).consume(TraceBatch::adopt_wire(bytes, 30)).is_ok());
  auto got = out.take();
  REQUIRE(got.size() == 1);
  REQUIRE(got[0].raw_parts().size() == 1);
  REQUIRE(got[0].raw_parts()[0].wire != nullptr);  // never decoded as a whole
  CHECK(got[0].raw_parts()[0].request == nullptr);
  CHECK(got[0].item_count() == 29);

  auto none = make_processor<TraceBatch>("filter", "traces: {span: ['name == \"nothing\"']}", out);
  REQUIRE(input<TraceBatch>(*none).consume(TraceBatch::adopt_wire(bytes, 30)).is_ok());
  got = out.take();
  REQUIRE(got.size() == 1);
  CHECK((*got[0].raw_parts()[0].wire == bytes));
}

TEST_CASE("filter log record conditions on received bytes match the decoded path", "[processors][ottl]") {
  const std::string conditions[] = {
      "'attributes[\"http.route\"] == \"/health\"'",
      "'resource.attributes[\"service.name\"] == \"cron\"'",
      "'severity_number < SEVERITY_NUMBER_WARN or IsMatch(body, \"^GET\")'",
      "{severity_number: {min: ERROR}, scope_name: http}",
      "'body == \"nothing\"'",
      "'true'",
  };
  for (const auto& c : conditions) check_same_on_wire("logs: {log_record: [" + c + "]}", wire_log_traffic());
  // One record dropped: the part is rewritten from its bytes, never decoded as a whole.
  auto got = run_processor("filter", "logs: {log_record: ['severity_number == SEVERITY_NUMBER_FATAL4']}",
                           LogBatch::adopt_wire(wire_log_traffic().first().SerializeAsString(), 24));
  REQUIRE(got.size() == 1);
  REQUIRE(got[0].raw_parts()[0].wire != nullptr);
  CHECK(got[0].raw_parts()[0].request == nullptr);
  CHECK(got[0].item_count() == 23);
}

TEST_CASE("filter metric and data point conditions on received bytes match the decoded path", "[processors][ottl]") {
  const std::string metric[] = {
      "'name == \"sum.1\"'",
      "'type == METRIC_DATA_TYPE_HISTOGRAM or resource.attributes[\"service.name\"] == \"cron\"'",
      "'HasAttrOnDatapoint(\"http.route\", \"/health\")'",
      "'IsMatch(name, \"^(gauge|no_data|empty)\")'",
      "'instrumentation_scope.name == \"db\"'",
      "'name == \"nothing\"'",
      "'true'",
  };
  const std::string datapoint[] = {
      "'attributes[\"http.route\"] == \"/health\"'",
      "'metric.name == \"gauge.0\" or metric.type == METRIC_DATA_TYPE_SUMMARY'",
      "'instrumentation_scope.name == \"db\" and count > 3'",
      "'value_int > 5 or value_double > 0.7'",
      "'attributes[\"x\"] == \"nothing\"'",
      "'true'",
  };
  for (bool absent : {false, true}) {
    for (const auto& c : metric) check_same_on_wire("metrics: {metric: [" + c + "]}", wire_metric_traffic(absent));
    for (const auto& c : datapoint)
      check_same_on_wire("metrics: {datapoint: [" + c + "]}", wire_metric_traffic(absent));
    for (const auto& m : metric)
      for (const auto& d : datapoint)
        check_same_on_wire("metrics: {metric: [" + m + "], datapoint: [" + d + "]}", wire_metric_traffic(absent));
  }
}

TEST_CASE("filter data point conditions on received bytes rewrite only the metrics that lose points",
          "[processors][ottl]") {
  auto traffic = wire_metric_traffic();
  const std::string bytes = traffic.first().SerializeAsString();
  // Point 1 of each gauge has /health: 4 of 48 points go; the part is never decoded as a whole.
  auto got = run_processor(
      "filter",
      "metrics: {datapoint: ['metric.type == METRIC_DATA_TYPE_GAUGE and attributes[\"http.route\"] == \"/health\"']}",
      MetricBatch::adopt_wire(bytes, 48));
  REQUIRE(got.size() == 1);
  REQUIRE(got[0].raw_parts()[0].wire != nullptr);
  CHECK(got[0].raw_parts()[0].request == nullptr);
  CHECK(got[0].item_count() == 44);
  const std::string& out = *got[0].raw_parts()[0].wire;
  const auto& scope = traffic.first().resource_metrics(0).scope_metrics(0);
  CHECK(out.find(scope.metrics(0).SerializeAsString()) == std::string::npos);  // the gauge, rewritten
  for (int k = 1; k < 5; ++k) CHECK(out.find(scope.metrics(k).SerializeAsString()) != std::string::npos);
  // The gauge without points goes (a datapoint condition leaves it without points), the metric without data stays.
  CHECK(out.find(scope.metrics(5).SerializeAsString()) == std::string::npos);
  CHECK(out.find(scope.metrics(6).SerializeAsString()) != std::string::npos);

  // Nothing dropped and nothing empty (no datapoint conditions): the bytes go on as they came.
  got = run_processor("filter", "metrics: {metric: ['name == \"nothing\"']}", MetricBatch::adopt_wire(bytes, 48));
  REQUIRE(got.size() == 1);
  CHECK(*got[0].raw_parts()[0].wire == bytes);

  // Every metric dropped: nothing is sent.
  got = run_processor("filter", "metrics: {metric: ['true']}", MetricBatch::adopt_wire(bytes, 48));
  CHECK(got.empty());
}

TEST_CASE("filter on received bytes gives a metric with its data in two fields to the decoded path",
          "[processors][ottl]") {
  const std::string bytes = metric_bytes_with_two_data_fields();
  const auto checked = otlp_wire::check<otlp_metrics::ExportMetricsServiceRequest>(bytes);
  REQUIRE(checked.ok);
  REQUIRE(checked.items == 5);
  for (const char* yaml : {"metrics: {datapoint: ['attributes[\"http.route\"] == \"/health\"']}",
                           "metrics: {metric: ['HasAttrOnDatapoint(\"http.route\", \"/users\")']}",
                           "metrics: {metric: ['name == \"nothing\"']}"}) {
    INFO(yaml);
    auto decoded = MetricBatch::make();
    REQUIRE(decoded.first().ParseFromString(bytes));
    auto want = run_processor("filter", yaml, std::move(decoded));
    auto got = run_processor("filter", yaml, MetricBatch::adopt_wire(bytes, checked.items));
    REQUIRE(want.size() == got.size());
    if (want.empty()) continue;
    CHECK(got[0].item_count() == want[0].item_count());
    CHECK(got[0].serialize() == want[0].serialize());
  }
}
