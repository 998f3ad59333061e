// The filter's OTTL span and log record conditions on received bytes give what the decoded path gives (a
// differential test), and leave bytes untouched when nothing is dropped.
#include <catch2/catch.hpp>

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
