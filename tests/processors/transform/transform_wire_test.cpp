// The transform processor's trace and log statements on received bytes give what the decoded path gives (a
// differential test), and copy what no statement changed byte for byte.
#include <catch2/catch.hpp>

#include "processors/transform/transform_wire.h"

using namespace otlpd;
using namespace otlpd::test;
using Span = opentelemetry::proto::trace::v1::Span;

namespace {

// Three resources (the last without a resource message), two scopes each (the second without a scope message),
// five spans a scope with one event each; spans 1 and 3 are health checks, span 4 a client.
TraceBatch traffic() {
  auto b = TraceBatch::make();
  auto& req = b.first();
  for (int r = 0; r < 3; ++r) {
    auto* rs = req.add_resource_spans();
    if (r < 2) set_attr(*rs->mutable_resource()->mutable_attributes(), "service.name", r == 0 ? "cron" : "api");
    rs->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
    for (int s = 0; s < 2; ++s) {
      auto* ss = rs->add_scope_spans();
      if (s == 0) ss->mutable_scope()->set_name("http");
      for (int i = 0; i < 5; ++i) {
        auto* span = ss->add_spans();
        span->set_name((i % 2 ? "GET /health" : "GET /users/") + std::to_string(r * 10 + s * 5 + i));
        span->set_kind(i == 4 ? Span::SPAN_KIND_CLIENT : Span::SPAN_KIND_SERVER);
        span->set_trace_id(std::string(16, static_cast<char>(r + 1)));
        span->set_span_id(std::string(8, static_cast<char>(i + 1)));
        set_attr(*span->mutable_attributes(), "http.route", i % 2 ? "/health" : "/users");
        span->add_events()->set_name(i == 2 ? "exception" : "e");
      }
    }
  }
  return b;
}

// Two resources of log records: severities 1-24 in turn, bodies "GET /n" or "password n", an attribute on every
// third record.
LogBatch log_traffic() {
  auto b = LogBatch::make();
  for (int r = 0; r < 2; ++r) {
    auto* rl = b.first().add_resource_logs();
    set_attr(*rl->mutable_resource()->mutable_attributes(), "service.name", r == 0 ? "cron" : "api");
    auto* sl = rl->add_scope_logs();
    if (r == 0) sl->mutable_scope()->set_name("db");
    for (int i = 0; i < 12; ++i) {
      auto* l = sl->add_log_records();
      l->set_severity_number(static_cast<opentelemetry::proto::logs::v1::SeverityNumber>(r * 12 + i + 1));
      l->mutable_body()->set_string_value((i % 2 ? "GET /" : "password ") + std::to_string(i));
      if (i % 3 == 0) set_attr(*l->mutable_attributes(), "http.route", "/health");
    }
  }
  return b;
}

// The transform configured with `yaml` sends the same for `prototype` decoded as for its bytes.
template <typename B>
void check_same_on_wire(const std::string& yaml, const B& prototype) {
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
  REQUIRE(sent[0].raw_parts()[0].wire != nullptr);
  CHECK(sent[0].raw_parts()[0].request == nullptr);
  CHECK(sent[0].item_count() == prototype.item_count());
  CHECK(*decoded == normalized(sent));
}

}  // namespace

TEST_CASE("transform span statements on received bytes match the decoded path", "[processors][ottl][wire]") {
  const std::string configs[] = {
      // Every span edited.
      R"(trace_statements: ['set(span.attributes["env"], "prod")', 'delete_key(span.attributes, "http.route")'])",
      // A where clause that matches some spans, one that matches none.
      R"(trace_statements: ['set(span.name, "health") where span.attributes["http.route"] == "/health"',
                           'set(span.status.code, STATUS_CODE_ERROR) where span.name == "nothing"'])",
      // Resource and scope edits from the span context, on some spans only.
      R"(trace_statements: ['set(resource.attributes["client"], span.name) where span.kind == SPAN_KIND_CLIENT',
                           'set(instrumentation_scope.version, "2") where IsMatch(span.name, "1$")'])",
      // Resource and scope contexts, then spans reading what they set.
      R"(trace_statements:
  - context: resource
    statements: ['set(attributes["team"], "payments") where attributes["service.name"] == "cron"']
  - context: scope
    statements: ['set(name, "renamed") where name == "http"', 'set(attributes["s"], 1)']
  - context: span
    conditions: ['resource.attributes["team"] != nil']
    statements: ['set(attributes["team"], resource.attributes["team"])', 'set(attributes["scope"], instrumentation_scope.name)'])",
      // Groups in order over a resource: the second reads what the first left on the resource.
      R"(trace_statements:
  - context: span
    statements: ['set(resource.attributes["last"], name)']
  - context: span
    statements: ['set(attributes["last"], resource.attributes["last"])'])",
      // The cache, and span events editing themselves and their span.
      R"(trace_statements:
  - context: span
    statements: ['set(cache["n"], name)', 'set(attributes["c"], cache["n"]) where kind == SPAN_KIND_CLIENT']
  - context: spanevent
    statements: ['set(attributes["span"], span.name) where name == "exception"', 'set(span.attributes["had_exception"], true) where name == "exception"'])",
      // A resource edit alone (the spans are not decoded), and a statement that fails on some spans.
      R"(trace_statements: [{context: resource, statements: ['delete_key(attributes, "service.name")']}])",
      R"(error_mode: ignore
trace_statements: ['set(span.attributes["sub"], Substring(span.name, 8, 4))'])",
      // trace_state members and the events list.
      R"(trace_statements: ['set(span.trace_state["rojo"], "1") where span.events[0]["name"] == "exception"'])",
  };
  for (const auto& c : configs) check_same_on_wire(c, traffic());
}

TEST_CASE("transform log statements on received bytes match the decoded path", "[processors][ottl][wire]") {
  const std::string configs[] = {
      R"(log_statements: ['set(log.attributes["alert"], true) where log.severity_number >= SEVERITY_NUMBER_ERROR'])",
      R"(log_statements: ['set(resource.attributes["saw_get"], log.body) where IsMatch(log.body, "^GET")'])",
      R"(log_statements: ['set(log.body, "x") where log.body == "nothing"'])",
      R"(log_statements: ['replace_pattern(log.body, "password [0-9]+", "***")', 'set(log.severity_text, "S")'])",
      R"(log_statements:
  - context: scope
    statements: ['set(version, "1.0")']
  - context: log
    statements: ['set(attributes["v"], instrumentation_scope.version) where attributes["http.route"] == "/health"'])",
  };
  for (const auto& c : configs) check_same_on_wire(c, log_traffic());
}

TEST_CASE("transform on received bytes copies what no statement changed byte for byte", "[processors][ottl][wire]") {
  // Span 0 of the first scope with its fields in reverse order: protobuf would write them in field order, so these
  // bytes survive only if the span is copied, not re-encoded. Same length, so the request's lengths still hold.
  auto b = traffic();
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
  const std::string bytes = traffic().first().SerializeAsString();
  Capture<TraceBatch> sink;
  auto p = make_processor<TraceBatch>(
      "transform", R"(trace_statements: ['set(span.attributes["n"], Substring(span.name, 100, 1))'])", sink);
  CHECK_FALSE(input<TraceBatch>(*p).consume(TraceBatch::adopt_wire(bytes, 30)).is_ok());
  CHECK(sink.batch_count() == 0);
}
