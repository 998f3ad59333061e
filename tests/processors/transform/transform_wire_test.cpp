// The transform processor's trace and log statements on received bytes give what the decoded path gives (a
// differential test), and copy what no statement changed byte for byte.
#include <catch2/catch.hpp>

#include "codec/otlp_wire.h"
#include "processors/transform/transform_wire.h"
#include "processors/wire_traffic.h"

using namespace otlpd;
using namespace otlpd::test;
using Span = opentelemetry::proto::trace::v1::Span;

namespace {

// The transform configured with `yaml` sends the same for `prototype` decoded as for its bytes.
// `stays_wire`: the part is never decoded as a whole.
template <typename B>
void check_same_on_wire(const std::string& yaml, const B& prototype, bool stays_wire = true) {
  INFO(yaml);
  const std::string bytes = prototype.read_parts()[0].request->SerializeAsString();
  Capture<B> sink;
  auto p = make_processor<B>("transform", yaml, sink);
  const auto decoded = transformed(*p, sink, prototype.clone());
  REQUIRE(decoded);
  auto wire_batch = B::adopt_wire(bytes, prototype.item_count());
  REQUIRE(input<B>(*p).consume(std::move(wire_batch)).is_ok());
  auto sent = sink.take();
  REQUIRE(sent.size() == 1);
  REQUIRE(sent[0].raw_parts().size() == 1);
  // Never decoded as a whole: the part still has bytes and no message.
  if (stays_wire) {
    REQUIRE(sent[0].raw_parts()[0].wire != nullptr);
    CHECK(sent[0].raw_parts()[0].request == nullptr);
  } else {
    CHECK(sent[0].raw_parts()[0].request != nullptr);
  }
  if (stays_wire) CHECK(sent[0].item_count() == prototype.item_count());  // made metrics add points
  CHECK(*decoded == normalized(sent));
}

}  // namespace

TEST_CASE("transform span statements on received bytes match the decoded path", "[processors][ottl][wire]") {
  for (const char* c : kTraceStatementSets) check_same_on_wire(c, wire_span_traffic(true));
}

TEST_CASE("transform log statements on received bytes match the decoded path", "[processors][ottl][wire]") {
  for (const char* c : kLogStatementSets) check_same_on_wire(c, wire_log_traffic(true));
}

TEST_CASE("transform metric statements on received bytes match the decoded path", "[processors][ottl][wire]") {
  size_t k = 0;
  for (const char* c : kMetricStatementSets) {
    check_same_on_wire(c, wire_metric_traffic(true), k < kMetricSetsOnWire);
    check_same_on_wire(c, wire_metric_traffic(false), k < kMetricSetsOnWire);
    ++k;
  }
}

TEST_CASE("transform on received bytes gives a metric with its data in two fields to the decoded path",
          "[processors][ottl][wire]") {
  const std::string bytes = metric_bytes_with_two_data_fields();
  const auto checked = otlp_wire::check<otlp_metrics::ExportMetricsServiceRequest>(bytes);
  REQUIRE(checked.ok);
  for (const char* yaml : {R"(metric_statements: [{context: resource, statements: ['set(attributes["r"], 1)']}])",
                           R"(metric_statements: [{context: datapoint, statements: ['set(attributes["d"], 1)']}])"}) {
    INFO(yaml);
    Capture<MetricBatch> sink;
    auto p = make_processor<MetricBatch>("transform", yaml, sink);
    auto decoded = MetricBatch::make();
    REQUIRE(decoded.first().ParseFromString(bytes));
    REQUIRE(input<MetricBatch>(*p).consume(std::move(decoded)).is_ok());
    auto want = sink.take();
    REQUIRE(input<MetricBatch>(*p).consume(MetricBatch::adopt_wire(bytes, checked.items)).is_ok());
    auto got = sink.take();
    REQUIRE(want.size() == 1);
    REQUIRE(got.size() == 1);
    CHECK(got[0].item_count() == 3);  // the sum's point and the plain gauge's two, as protobuf reads them
    CHECK(got[0].item_count() == want[0].item_count());
    CHECK(normalized(got) == normalized(want));
  }
}

TEST_CASE("transform metric statements on received bytes copy the metrics no statement changed",
          "[processors][ottl][wire]") {
  auto traffic = wire_metric_traffic();
  const std::string bytes = traffic.first().SerializeAsString();
  auto sent = run_processor(
      "transform", R"(metric_statements: [{context: metric, statements: ['set(unit, "ms") where name == "sum.1"']}])",
      MetricBatch::adopt_wire(bytes, 48));
  REQUIRE(sent.size() == 1);
  REQUIRE(sent[0].raw_parts()[0].wire != nullptr);
  const std::string& out = *sent[0].raw_parts()[0].wire;
  CHECK(out.size() == bytes.size() + 1);  // unit "1" became "ms"
  // Every other metric, with its unknown fields, is copied as it came.
  const auto& scope = traffic.first().resource_metrics(0).scope_metrics(0);
  for (const auto& m : scope.metrics()) CHECK(out.find(m.SerializeAsString()) != std::string::npos);
  const auto& other = traffic.first().resource_metrics(0).scope_metrics(1);
  CHECK(out.find(other.metrics(1).SerializeAsString()) == std::string::npos);  // sum.1, edited
  CHECK(out.find(other.metrics(0).SerializeAsString()) != std::string::npos);
}

TEST_CASE("transform on received bytes copies what no statement changed byte for byte", "[processors][ottl][wire]") {
  // Span 0 of the first scope with its fields in reverse order: protobuf would write them in field order, so these
  // bytes survive only if the span is copied, not re-encoded. Same length, so the request's lengths still hold.
  auto b = wire_span_traffic(true);
  const Span& first = b.first().resource_spans(0).scope_spans(0).spans(0);
  const std::string canonical = first.SerializeAsString();
  Span kind_only, rest = first;
  kind_only.set_kind(first.kind());
  rest.set_kind(Span::SPAN_KIND_UNSPECIFIED);
  const std::string reversed = kind_only.SerializeAsString() + rest.SerializeAsString();
  REQUIRE(reversed.size() == canonical.size());
  REQUIRE(reversed != canonical);
  std::string bytes = b.first().SerializeAsString();
  const size_t at = bytes.find(canonical);
  REQUIRE(at != std::string::npos);
  bytes.replace(at, canonical.size(), reversed);

  auto sent = run_processor("transform",
                            R"(trace_statements: ['set(span.name, "edited") where span.kind == SPAN_KIND_CLIENT'])",
                            TraceBatch::adopt_wire(bytes, 30));
  REQUIRE(sent.size() == 1);
  REQUIRE(sent[0].raw_parts()[0].wire != nullptr);
  const std::string& out = *sent[0].raw_parts()[0].wire;
  CHECK(out != bytes);                             // the client spans were re-encoded
  CHECK(out.find(reversed) != std::string::npos);  // the untouched span was copied
  CHECK(out.find("edited") != std::string::npos);

  // Nothing matches: the bytes go on as they came.
  sent = run_processor("transform", R"(trace_statements: ['set(span.name, "x") where span.name == "none"'])",
                       TraceBatch::adopt_wire(bytes, 30));
  REQUIRE(sent.size() == 1);
  CHECK(*sent[0].raw_parts()[0].wire == bytes);
}

TEST_CASE("transform on received bytes refuses the batch when a statement fails with error_mode propagate",
          "[processors][ottl][wire]") {
  const std::string bytes = wire_span_traffic(true).first().SerializeAsString();
  Capture<TraceBatch> sink;
  auto p = make_processor<TraceBatch>(
      "transform", R"(trace_statements: ['set(span.attributes["n"], Substring(span.name, 100, 1))'])", sink);
  CHECK_FALSE(input<TraceBatch>(*p).consume(TraceBatch::adopt_wire(bytes, 30)).is_ok());
  CHECK(sink.batch_count() == 0);
}
