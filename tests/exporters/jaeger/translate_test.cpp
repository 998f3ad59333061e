// OTLP → Jaeger api_v2 translation: every mapping rule of the Collector's translator.
#include "exporters/jaeger/translate.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <limits>
#include <string>

#include "support/otlp_client.h"

namespace otlpd::jaeger_exporter {
namespace {

namespace trace = opentelemetry::proto::trace::v1;
using Tags = google::protobuf::RepeatedPtrField<jaeger_pb::KeyValue>;

const jaeger_pb::KeyValue* find(const Tags& tags, const std::string& key) {
  for (const auto& t : tags)
    if (t.key() == key) return &t;
  return nullptr;
}

int index_of(const Tags& tags, const std::string& key) {
  for (int i = 0; i < tags.size(); ++i)
    if (tags[i].key() == key) return i;
  return -1;
}

std::string str_tag(const Tags& tags, const std::string& key) {
  const auto* t = find(tags, key);
  REQUIRE(t != nullptr);
  CHECK(t->v_type() == jaeger_pb::STRING);
  return t->v_str();
}

// The attributes tests/support's add_all_types() sets, as Jaeger tags.
void check_all_types(const Tags& tags, uint64_t seed) {
  CHECK(str_tag(tags, "str") == "value-" + std::to_string(seed) + " ünïcödé \"quoted\" \\ \n");
  const auto* b = find(tags, "bool");
  REQUIRE(b);
  CHECK(b->v_type() == jaeger_pb::BOOL);
  CHECK(b->v_bool());
  const auto* i = find(tags, "int");
  REQUIRE(i);
  CHECK(i->v_type() == jaeger_pb::INT64);
  CHECK(i->v_int64() == -9007199254740993LL - static_cast<int64_t>(seed));
  const auto* d = find(tags, "double");
  REQUIRE(d);
  CHECK(d->v_type() == jaeger_pb::FLOAT64);
  CHECK(d->v_float64() == 3.25 + static_cast<double>(seed));
  const auto* bytes = find(tags, "bytes");
  REQUIRE(bytes);
  CHECK(bytes->v_type() == jaeger_pb::BINARY);
  CHECK(bytes->v_binary() == std::string("\x00\x01\xfe\xff", 4));
  // Arrays and maps become JSON text; map keys sorted, bytes base64 ("xyz" → "eHl6").
  CHECK(str_tag(tags, "array") == R"(["a",2,[false]])");
  CHECK(str_tag(tags, "kvlist") == R"({"list":["eHl6"],"nested":{"deep":-0.5}})");
}

TEST_CASE("jaeger translate: a full trace maps onto one Batch per resource", "[jaeger]") {
  // Given a trace of 5 spans (span 0 is the parent of spans 1-4) with every OTLP field set
  constexpr uint64_t seed = 7;
  const auto req = test::full_traces(5, seed);
  const auto& otlp_spans = req.resource_spans(0).scope_spans(0).spans();

  // When it is translated
  TranslateStats stats;
  const auto batches = translate(req, &stats);

  // Then there is one batch whose process carries the resource
  REQUIRE(batches.size() == 1);
  CHECK(stats.spans == 5);
  CHECK(stats.invalid_spans == 0);
  const auto& batch = batches[0];
  CHECK(batch.process().service_name() == "svc-1");
  CHECK(find(batch.process().tags(), "service.name") == nullptr);
  check_all_types(batch.process().tags(), seed);
  REQUIRE(batch.spans_size() == 5);

  for (int i = 0; i < 5; ++i) {
    INFO("span " << i);
    const auto& in = otlp_spans[i];
    const auto& out = batch.spans(i);
    // ids, name, flags (only the sampled bit of 0x301), times
    CHECK(out.trace_id() == in.trace_id());
    CHECK(out.trace_id().size() == 16);
    CHECK(out.span_id() == in.span_id());
    CHECK(out.span_id().size() == 8);
    CHECK(out.operation_name() == "span-" + std::to_string(i));
    CHECK(out.flags() == 1u);
    CHECK(out.start_time().seconds() == static_cast<int64_t>(in.start_time_unix_nano() / 1000000000));
    CHECK(out.start_time().nanos() == static_cast<int32_t>(in.start_time_unix_nano() % 1000000000));
    CHECK(out.duration().seconds() == 0);
    CHECK(out.duration().nanos() == 123456789);

    // references: the parent first (CHILD_OF), then the link (FOLLOWS_FROM)
    const auto& link = in.links(0);
    if (i == 0) {
      REQUIRE(out.references_size() == 1);
    } else {
      REQUIRE(out.references_size() == 2);
      CHECK(out.references(0).ref_type() == jaeger_pb::CHILD_OF);
      CHECK(out.references(0).trace_id() == in.trace_id());
      CHECK(out.references(0).span_id() == otlp_spans[0].span_id());
    }
    const auto& link_ref = out.references(out.references_size() - 1);
    CHECK(link_ref.ref_type() == jaeger_pb::FOLLOWS_FROM);
    CHECK(link_ref.trace_id() == link.trace_id());
    CHECK(link_ref.span_id() == link.span_id());

    // tags: scope, attributes, kind, status, trace state, dropped counts
    const auto& tags = out.tags();
    CHECK(str_tag(tags, "otel.scope.name") == "test-scope");
    CHECK(str_tag(tags, "otel.scope.version") == "1.2.3");
    CHECK(find(tags, "otel.library.name") == nullptr);
    check_all_types(tags, seed + static_cast<uint64_t>(i));
    static const char* kKinds[] = {"internal", "server", "client", "producer", "consumer"};
    CHECK(str_tag(tags, "span.kind") == kKinds[i]);
    const bool error = i % 3 == 0;
    CHECK(str_tag(tags, "otel.status_code") == (error ? "ERROR" : "OK"));
    const auto* error_tag = find(tags, "error");
    if (error) {
      REQUIRE(error_tag);
      CHECK(error_tag->v_type() == jaeger_pb::BOOL);
      CHECK(error_tag->v_bool());
    } else {
      CHECK(error_tag == nullptr);
    }
    CHECK(str_tag(tags, "otel.status_description") == "status message " + std::to_string(i));
    CHECK(str_tag(tags, "w3c.tracestate") == "vendor=value,other=1");
    for (auto [key, value] : {std::pair{"otel.dropped_attributes_count", 1}, std::pair{"otel.dropped_events_count", 3},
                              std::pair{"otel.dropped_links_count", 6}}) {
      const auto* t = find(tags, key);
      REQUIRE(t);
      CHECK(t->v_type() == jaeger_pb::INT64);
      CHECK(t->v_int64() == value);
    }
    // the Collector's order: scope, attributes, kind, status, trace state
    CHECK(index_of(tags, "otel.scope.name") == 0);
    CHECK(index_of(tags, "otel.scope.version") == 1);
    CHECK(index_of(tags, "str") == 2);
    CHECK(index_of(tags, "kvlist") < index_of(tags, "span.kind"));
    CHECK(index_of(tags, "span.kind") < index_of(tags, "otel.status_code"));
    CHECK(index_of(tags, "otel.status_code") < index_of(tags, "otel.status_description"));
    CHECK(index_of(tags, "otel.status_description") < index_of(tags, "w3c.tracestate"));
    CHECK(tags.size() == 2 + 7 + 1 + 1 + (error ? 1 : 0) + 1 + 1 + 3);

    // events become logs: timestamp, `event` = name, then the attributes
    REQUIRE(out.logs_size() == 1);
    const auto& log = out.logs(0);
    const uint64_t event_time = in.events(0).time_unix_nano();
    CHECK(log.timestamp().seconds() == static_cast<int64_t>(event_time / 1000000000));
    CHECK(log.timestamp().nanos() == static_cast<int32_t>(event_time % 1000000000));
    REQUIRE(log.fields_size() == 8);
    CHECK(log.fields(0).key() == "event");
    CHECK(log.fields(0).v_str() == "exception");
    check_all_types(log.fields(), seed);

    CHECK(out.process_id().empty());
    CHECK_FALSE(out.has_process());
  }
}

trace::Span* minimal_span(otlp_trace::ExportTraceServiceRequest& req) {
  auto* rs = req.resource_spans_size() ? req.mutable_resource_spans(0) : req.add_resource_spans();
  auto* ss = rs->scope_spans_size() ? rs->mutable_scope_spans(0) : rs->add_scope_spans();
  auto* s = ss->add_spans();
  s->set_trace_id(std::string(16, '\x11'));
  s->set_span_id(std::string(8, '\x22'));
  s->set_name("op");
  s->set_start_time_unix_nano(2000000000);
  s->set_end_time_unix_nano(3500000000);
  return s;
}

TEST_CASE("jaeger translate: defaults and edge cases", "[jaeger]") {
  otlp_trace::ExportTraceServiceRequest req;

  SECTION("no service.name, no kind, no status, no scope: only what is set becomes a tag") {
    auto* s = minimal_span(req);
    s->set_flags(0x100);  // no sampled bit
    const auto batches = translate(req);
    REQUIRE(batches.size() == 1);
    CHECK(batches[0].process().service_name() == "OTLPResourceNoServiceName");
    CHECK(batches[0].process().tags_size() == 0);
    const auto& out = batches[0].spans(0);
    CHECK(out.tags_size() == 0);
    CHECK(out.references_size() == 0);
    CHECK(out.flags() == 0u);
    CHECK(out.duration().seconds() == 1);
    CHECK(out.duration().nanos() == 500000000);
  }

  SECTION("a status message without a code still becomes otel.status_description") {
    minimal_span(req)->mutable_status()->set_message("why");
    const auto batches = translate(req);
    const auto& tags = batches[0].spans(0).tags();
    REQUIRE(tags.size() == 1);
    CHECK(tags[0].key() == "otel.status_description");
  }

  SECTION("an event attribute named `event` wins over the event name") {
    auto* ev = minimal_span(req)->add_events();
    ev->set_name("ignored");
    auto* a = ev->add_attributes();
    a->set_key("event");
    a->mutable_value()->set_string_value("from-attribute");
    const auto batches = translate(req);
    const auto& log = batches[0].spans(0).logs(0);
    REQUIRE(log.fields_size() == 1);
    CHECK(log.fields(0).v_str() == "from-attribute");
  }

  SECTION("a link to the parent itself does not duplicate the parent reference") {
    auto* s = minimal_span(req);
    s->set_parent_span_id(std::string(8, '\x33'));
    auto* link = s->add_links();
    link->set_trace_id(s->trace_id());
    link->set_span_id(s->parent_span_id());
    auto* other = s->add_links();
    other->set_trace_id(std::string(16, '\x44'));
    other->set_span_id(std::string(8, '\x55'));
    auto* ref_type = other->add_attributes();
    ref_type->set_key("opentracing.ref_type");
    ref_type->mutable_value()->set_string_value("child_of");
    const auto batches = translate(req);
    const auto& out = batches[0].spans(0);
    REQUIRE(out.references_size() == 2);
    CHECK(out.references(0).span_id() == std::string(8, '\x33'));
    CHECK(out.references(0).ref_type() == jaeger_pb::FOLLOWS_FROM);  // the link's type overrides
    CHECK(out.references(1).ref_type() == jaeger_pb::CHILD_OF);      // opentracing.ref_type=child_of
  }

  SECTION("an all-zero parent id is no parent") {
    minimal_span(req)->set_parent_span_id(std::string(8, '\0'));
    CHECK(translate(req)[0].spans(0).references_size() == 0);
  }

  SECTION("spans and links with malformed ids are left out and counted") {
    minimal_span(req)->set_trace_id("short");
    minimal_span(req)->set_span_id(std::string(9, 'x'));
    auto* good = minimal_span(req);
    auto* bad_link = good->add_links();
    bad_link->set_trace_id(std::string(16, '\x01'));
    bad_link->set_span_id("");
    TranslateStats stats;
    const auto batches = translate(req, &stats);
    CHECK(stats.spans == 1);
    CHECK(stats.invalid_spans == 2);
    CHECK(stats.invalid_links == 1);
    REQUIRE(batches[0].spans_size() == 1);
    CHECK(batches[0].spans(0).references_size() == 0);
  }

  SECTION("a span that ends before it starts has a zero duration") {
    minimal_span(req)->set_end_time_unix_nano(1);
    const auto batches = translate(req);
    const auto& d = batches[0].spans(0).duration();
    CHECK(d.seconds() == 0);
    CHECK(d.nanos() == 0);
  }

  SECTION("each ResourceSpans is its own batch; scopes of one resource share it") {
    auto a = test::full_traces(2, 1);
    auto b = test::full_traces(3, 2);
    *a.add_resource_spans() = b.resource_spans(0);
    *a.mutable_resource_spans(0)->add_scope_spans() = b.resource_spans(0).scope_spans(0);
    const auto batches = translate(a);
    REQUIRE(batches.size() == 2);
    CHECK(batches[0].process().service_name() == "svc-1");
    CHECK(batches[0].spans_size() == 5);
    CHECK(batches[1].process().service_name() == "svc-2");
    CHECK(batches[1].spans_size() == 3);
  }

  SECTION("special values in JSON: empty containers, NaN, control characters") {
    auto* s = minimal_span(req);
    auto* a = s->add_attributes();
    a->set_key("arr");
    auto* arr = a->mutable_value()->mutable_array_value();
    arr->add_values()->mutable_kvlist_value();
    arr->add_values()->mutable_array_value();
    arr->add_values()->set_double_value(std::numeric_limits<double>::quiet_NaN());
    arr->add_values()->set_string_value(std::string("\x01\t", 2));
    arr->add_values();  // empty value
    const auto batches = translate(req);
    const auto& tag = batches[0].spans(0).tags(0);
    CHECK(tag.v_str() == R"([{},[],null,"\u0001\t",null])");
  }
}

}  // namespace
}  // namespace otlpd::jaeger_exporter

namespace otlpd::jaeger_exporter {
namespace {

// Not a check: prints translation throughput (run with "[jaeger-bench]").
TEST_CASE("jaeger translate: throughput", "[.][jaeger-bench]") {
  const auto req = test::full_traces(1000, 3);
  constexpr int kRounds = 200;
  const auto start = std::chrono::steady_clock::now();
  size_t bytes = 0;
  for (int i = 0; i < kRounds; ++i) bytes += translate(req)[0].ByteSizeLong();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  WARN("translated " << kRounds * 1000 / took.count() << " spans/s (full_traces spans, " << bytes / kRounds
                     << " bytes of Jaeger proto per 1000)");
}

}  // namespace
}  // namespace otlpd::jaeger_exporter
