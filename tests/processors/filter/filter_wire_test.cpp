// The filter's OTTL span conditions on received bytes give what the decoded path gives (a differential test), and
// leave bytes untouched when nothing is dropped.
#include <catch2/catch.hpp>

#include "processors/harness.h"

using namespace otlpd;
using namespace otlpd::test;
using Span = opentelemetry::proto::trace::v1::Span;

namespace {

// Three resources: one whose spans all go for some conditions, scopes with mixed spans, one empty of matches.
TraceBatch traffic() {
  auto b = TraceBatch::make();
  auto& req = b.first();
  for (int r = 0; r < 3; ++r) {
    auto* rs = req.add_resource_spans();
    set_attr(*rs->mutable_resource()->mutable_attributes(), "service.name", r == 0 ? "cron" : "api");
    rs->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
    for (int s = 0; s < 2; ++s) {
      auto* ss = rs->add_scope_spans();
      ss->mutable_scope()->set_name(s == 0 ? "http" : "db");
      for (int i = 0; i < 5; ++i) {
        auto* span = ss->add_spans();
        span->set_name((i % 2 ? "GET /health" : "GET /users/") + std::to_string(r * 10 + s * 5 + i));
        span->set_kind(i == 4 ? Span::SPAN_KIND_CLIENT : Span::SPAN_KIND_SERVER);
        span->set_trace_id(std::string(16, static_cast<char>(r + 1)));
        span->set_span_id(std::string(8, static_cast<char>(i + 1)));
        set_attr(*span->mutable_attributes(), "http.route", i % 2 ? "/health" : "/users");
        span->add_events()->set_name("e");
      }
    }
  }
  return b;
}

std::string run(const std::string& yaml, TraceBatch batch, bool& sent) {
  Capture<TraceBatch> out;
  auto p = make_processor<TraceBatch>("filter", yaml, out);
  REQUIRE(input<TraceBatch>(*p).consume(std::move(batch)).is_ok());
  auto got = out.take();
  sent = !got.empty();
  std::string bytes;
  for (const auto& b : got) bytes += b.serialize();
  return bytes;
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
  for (const auto& c : conditions) {
    INFO(c);
    const std::string yaml = "traces: {span: [" + c + "]}";
    const auto prototype = traffic();
    const std::string bytes = prototype.read_parts()[0].request->SerializeAsString();
    bool sent_decoded = false, sent_wire = false;
    const auto decoded = run(yaml, prototype.clone(), sent_decoded);
    const auto wire = run(yaml, TraceBatch::adopt_wire(bytes, 30), sent_wire);
    CHECK(sent_decoded == sent_wire);
    CHECK(decoded == wire);
  }
}

TEST_CASE("filter OTTL on received bytes keeps the bytes when nothing is dropped, and counts what went",
          "[processors][ottl]") {
  const std::string bytes = traffic().first().SerializeAsString();
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
