// OTLP/JSON codec: round trips of every field, OTLP's deviations from proto3 JSON, hostile input.
#include "codec/otlp_json.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "codec/otlp_json_inputs.h"
#include "model/batch.h"
#include "support/otlp_client.h"

namespace otlpd {
namespace {

namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;
namespace metrics = opentelemetry::proto::metrics::v1;
using google::protobuf::util::MessageDifferencer;

template <typename M>
M decode_ok(std::string_view json) {
  M m;
  std::string err = otlp_json::decode(json, m);
  INFO(err);
  REQUIRE(err.empty());
  return m;
}

template <typename M>
std::string decode_err(std::string_view json, otlp_json::DecodeLimits limits = {}) {
  M m;
  std::string err = otlp_json::decode(json, m, limits);
  REQUIRE_FALSE(err.empty());
  return err;
}

template <typename M>
void require_round_trip(const M& original) {
  std::string json = otlp_json::encode(original);
  M back = decode_ok<M>(json);
  std::string diff;
  MessageDifferencer d;
  d.ReportDifferencesToString(&diff);
  INFO(diff);
  REQUIRE(d.Compare(original, back));
  // Encoding is deterministic: the decoded copy encodes to the same text.
  REQUIRE(otlp_json::encode(back) == json);
}

std::string hex(std::string_view bytes) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (unsigned char c : bytes) {
    s.push_back(d[c >> 4]);
    s.push_back(d[c & 15]);
  }
  return s;
}

using test::spans_json;

}  // namespace

TEST_CASE("every field of traces, metrics and logs survives encode then decode", "[codec]") {
  // Given requests in which every OTLP field is set
  // When encoded to OTLP/JSON and decoded back, Then they are equal field for field
  require_round_trip(test::full_traces(5, 42));
  require_round_trip(test::full_metrics(7));
  require_round_trip(test::full_logs(8, 9));
}

TEST_CASE("trace and span ids are lower-case hex on output", "[codec]") {
  auto req = test::full_traces(2, 3);
  std::string json = otlp_json::encode(req);
  const auto& s1 = req.resource_spans(0).scope_spans(0).spans(1);
  REQUIRE(json.find("\"traceId\":\"" + hex(s1.trace_id()) + "\"") != std::string::npos);
  REQUIRE(json.find("\"spanId\":\"" + hex(s1.span_id()) + "\"") != std::string::npos);
  REQUIRE(json.find("\"parentSpanId\":\"" + hex(s1.parent_span_id()) + "\"") != std::string::npos);
  REQUIRE(hex(s1.trace_id()).size() == 32);
  // Other bytes are base64: "\x00\x01\xfe\xff"
  REQUIRE(json.find(R"("bytesValue":"AAH+/w==")") != std::string::npos);
}

TEST_CASE("64-bit integers are strings, enums are integers, keys are lowerCamelCase", "[codec]") {
  trace::TracesData td;
  auto* s = td.add_resource_spans()->add_scope_spans()->add_spans();
  s->set_start_time_unix_nano(1700000000000000001ULL);
  s->set_kind(trace::Span::SPAN_KIND_SERVER);
  s->mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
  auto* a = s->add_attributes();
  a->set_key("n");
  a->mutable_value()->set_int_value(-5);
  REQUIRE(otlp_json::encode(td) ==
          R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":2,"startTimeUnixNano":"1700000000000000001",)"
          R"("attributes":[{"key":"n","value":{"intValue":"-5"}}],"status":{"code":2}}]}]}]})");
}

TEST_CASE("optional fields and oneof members are emitted when set to zero, other defaults are omitted", "[codec]") {
  metrics::MetricsData md;
  auto* m = md.add_resource_metrics()->add_scope_metrics()->add_metrics();
  auto* p = m->mutable_gauge()->add_data_points();
  p->set_as_int(0);
  auto* h = md.mutable_resource_metrics(0)->mutable_scope_metrics(0)->add_metrics()->mutable_histogram();
  auto* hp = h->add_data_points();
  hp->set_sum(0);
  hp->set_min(0);
  auto* kv = hp->add_attributes();
  kv->set_key("zero");
  kv->mutable_value()->set_int_value(0);
  std::string json = otlp_json::encode(md);
  REQUIRE(json == R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[{"asInt":"0"}]}},)"
                  R"({"histogram":{"dataPoints":[{"sum":0,"attributes":[{"key":"zero","value":{"intValue":"0"}}],)"
                  R"("min":0}]}}]}]}]})");
  auto back = decode_ok<metrics::MetricsData>(json);
  const auto& bp = back.resource_metrics(0).scope_metrics(0).metrics(1).histogram().data_points(0);
  REQUIRE(bp.has_sum());
  REQUIRE(bp.has_min());
  REQUIRE_FALSE(bp.has_max());
  REQUIRE(back.resource_metrics(0).scope_metrics(0).metrics(0).gauge().data_points(0).value_case() ==
          metrics::NumberDataPoint::kAsInt);
}

TEST_CASE("non-finite doubles are strings and round-trip", "[codec]") {
  metrics::MetricsData md;
  auto* p = md.add_resource_metrics()->add_scope_metrics()->add_metrics()->mutable_gauge()->add_data_points();
  p->set_as_double(std::numeric_limits<double>::infinity());
  auto* h = md.mutable_resource_metrics(0)->mutable_scope_metrics(0)->add_metrics()->mutable_histogram();
  h->add_data_points()->add_explicit_bounds(-std::numeric_limits<double>::infinity());
  h->mutable_data_points(0)->set_sum(std::nan(""));
  std::string json = otlp_json::encode(md);
  REQUIRE(json.find(R"("asDouble":"Infinity")") != std::string::npos);
  REQUIRE(json.find(R"("explicitBounds":["-Infinity"])") != std::string::npos);
  REQUIRE(json.find(R"("sum":"NaN")") != std::string::npos);
  auto back = decode_ok<metrics::MetricsData>(json);
  REQUIRE(std::isinf(back.resource_metrics(0).scope_metrics(0).metrics(0).gauge().data_points(0).as_double()));
  REQUIRE(std::isnan(back.resource_metrics(0).scope_metrics(0).metrics(1).histogram().data_points(0).sum()));
}

TEST_CASE("a request as the OpenTelemetry JS OTLP/HTTP exporter sends it decodes", "[codec]") {
  // Given the JSON body of @opentelemetry/exporter-trace-otlp-http
  const std::string body = test::kJsExporterTraces;
  // When decoded
  auto req = decode_ok<otlp_trace::ExportTraceServiceRequest>(body);
  // Then it is the message the SDK meant
  otlp_trace::ExportTraceServiceRequest want;
  auto* rs = want.add_resource_spans();
  auto attr = [](auto* list, const std::string& k) {
    auto* kv = list->Add();
    kv->set_key(k);
    return kv->mutable_value();
  };
  attr(rs->mutable_resource()->mutable_attributes(), "service.name")->set_string_value("checkout");
  attr(rs->mutable_resource()->mutable_attributes(), "telemetry.sdk.language")->set_string_value("nodejs");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("checkout-tracer");
  ss->mutable_scope()->set_version("1.0.0");
  auto* s = ss->add_spans();
  s->set_trace_id(std::string("\x5b\x8e\xff\xf7\x98\x03\x81\x03\xd2\x69\xb6\x33\x81\x3f\xc6\x0c", 16));
  s->set_span_id(std::string("\xee\xe1\x9b\x7e\xc3\xc1\xb1\x74", 8));
  s->set_parent_span_id(std::string("\xee\xe1\x9b\x7e\xc3\xc1\xb1\x73", 8));
  s->set_name("GET /cart");
  s->set_kind(trace::Span::SPAN_KIND_SERVER);
  s->set_start_time_unix_nano(1544712660000000000ULL);
  s->set_end_time_unix_nano(1544712661000000000ULL);
  attr(s->mutable_attributes(), "http.status_code")->set_int_value(200);
  attr(s->mutable_attributes(), "http.route")->set_string_value("/cart");
  attr(s->mutable_attributes(), "sampled")->set_bool_value(true);
  attr(s->mutable_attributes(), "ratio")->set_double_value(0.25);
  auto* ev = s->add_events();
  ev->set_time_unix_nano(1544712660500000000ULL);
  ev->set_name("cache miss");
  s->mutable_status();
  REQUIRE(MessageDifferencer::Equals(req, want));
}

TEST_CASE("input accepts snake_case names, enum names, numbers for 64-bit integers", "[codec]") {
  auto td = decode_ok<trace::TracesData>(R"({"resource_spans":[{"scope_spans":[{"spans":[{
      "trace_id":"0102030405060708090a0b0c0d0e0f10","parent_span_id":"","kind":"SPAN_KIND_CLIENT",
      "start_time_unix_nano":1700000000000000001,"end_time_unix_nano":"1700000000000000002",
      "dropped_attributes_count":"3","status":{"code":"STATUS_CODE_ERROR"},
      "attributes":[{"key":"k","value":{"int_value":-12,"ignored":1}},{"key":"b","value":{"bytes_value":"-_8"}}]
    }]}]}]})");
  const auto& s = td.resource_spans(0).scope_spans(0).spans(0);
  REQUIRE(s.trace_id().size() == 16);
  REQUIRE(s.parent_span_id().empty());
  REQUIRE(s.kind() == trace::Span::SPAN_KIND_CLIENT);
  REQUIRE(s.start_time_unix_nano() == 1700000000000000001ULL);
  REQUIRE(s.end_time_unix_nano() == 1700000000000000002ULL);
  REQUIRE(s.dropped_attributes_count() == 3);
  REQUIRE(s.status().code() == trace::Status::STATUS_CODE_ERROR);
  REQUIRE(s.attributes(0).value().int_value() == -12);
  // URL-safe base64 without padding: 0xfb 0xff
  REQUIRE(s.attributes(1).value().bytes_value() == std::string("\xfb\xff", 2));
}

TEST_CASE("unknown fields are ignored at any depth and null means absent", "[codec]") {
  auto td = decode_ok<trace::TracesData>(R"({"future":{"a":[1,{"b":[[{}]]}],"c":null},
      "resourceSpans":[{"resource":null,"x-extra":[1,2,3],"scopeSpans":[{"spans":[{"name":"n","newField":{"deep":{"er":1}},
      "status":null,"attributes":[{"key":"k","value":{"stringValue":"v","futureValue":{"nested":[true]}}}]}]}]}]})");
  const auto& rs = td.resource_spans(0);
  REQUIRE_FALSE(rs.has_resource());
  REQUIRE(rs.scope_spans(0).spans(0).name() == "n");
  REQUIRE_FALSE(rs.scope_spans(0).spans(0).has_status());
  REQUIRE(rs.scope_spans(0).spans(0).attributes(0).value().string_value() == "v");
}

TEST_CASE("invalid JSON is rejected with the offset", "[codec]") {
  std::string err = decode_err<trace::TracesData>(R"({"resourceSpans":[{"scopeSpans":[})");
  REQUIRE(err == "invalid JSON at offset 33: unexpected character '}', expected a value");
  err = decode_err<trace::TracesData>(R"({"resourceSpans": tru})");
  REQUIRE(err == "invalid JSON at offset 18: unexpected character 't', expected a value");
  REQUIRE(decode_err<trace::TracesData>(R"({"a":1} x)") ==
          "invalid JSON at offset 8: unexpected characters after the JSON value");
  REQUIRE(decode_err<trace::TracesData>(R"({"a":"\q"})").find("invalid JSON at offset 6: invalid escape") == 0);
  REQUIRE(decode_err<trace::TracesData>("").find("invalid JSON") == 0);
  REQUIRE(decode_err<trace::TracesData>("[]") == "expected an object, got an array");
}

TEST_CASE("ids of the wrong length or with non-hex characters are errors naming the field", "[codec]") {
  std::string spans = R"({"name":"a"},{"name":"b"},{"name":"c"},{"traceId":"0102030405060708090a0b0c0d0e0f"})";
  std::string json = R"({"resourceSpans":[{"scopeSpans":[{"spans":[)" + spans + "]}]}]}";
  REQUIRE(decode_err<trace::TracesData>(json) ==
          "resourceSpans[0].scopeSpans[0].spans[3].traceId: expected 32 hex digits, got 30");
  REQUIRE(decode_err<trace::TracesData>(spans_json(R"("spanId":"0102030405060z08")")) ==
          "resourceSpans[0].scopeSpans[0].spans[0].spanId: invalid hex digit 'z' at position 13");
  REQUIRE(decode_err<trace::TracesData>(spans_json(R"("links":[{},{"spanId":"01"}])")) ==
          "resourceSpans[0].scopeSpans[0].spans[0].links[1].spanId: expected 16 hex digits, got 2");
}

TEST_CASE("values of the wrong type are errors naming the field", "[codec]") {
  REQUIRE(decode_err<trace::TracesData>(R"({"resourceSpans":[{"resource":"x"}]})") ==
          "resourceSpans[0].resource: expected an object, got a string");
  REQUIRE(decode_err<trace::TracesData>(R"({"resourceSpans":{}})") ==
          "resourceSpans: expected an array, got an object");
  REQUIRE(decode_err<trace::TracesData>(spans_json(R"("kind":"SERVER")")) ==
          R"(resourceSpans[0].scopeSpans[0].spans[0].kind: unknown value "SERVER" of enum SpanKind)");
  REQUIRE(decode_err<trace::TracesData>(spans_json(R"("startTimeUnixNano":"soon")")) ==
          R"(resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected a non-negative integer, got "soon")");
  REQUIRE(decode_err<trace::TracesData>(spans_json(R"("attributes":[{"key":"k","value":{"intValue":1.5}}])")) ==
          "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue: expected an integer, got "
          "1.500000");
  REQUIRE(decode_err<trace::TracesData>(
              spans_json(R"("attributes":[{"key":"k","value":{"arrayValue":{"values":[{"boolValue":"yes"}]}}}])")) ==
          "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.arrayValue.values[0].boolValue: "
          "expected a boolean, got a string");
  REQUIRE(decode_err<trace::TracesData>(spans_json(R"("attributes":[{"value":{"stringValue":"a","intValue":1}}])")) ==
          "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue: more than one member of oneof "
          "'value' is set");
  REQUIRE(decode_err<trace::TracesData>(spans_json(R"("droppedEventsCount":-1)")) ==
          "resourceSpans[0].scopeSpans[0].spans[0].droppedEventsCount: expected a non-negative integer, got -1");
}

TEST_CASE("nesting bombs are rejected without recursion", "[codec]") {
  // Given 100,000 nested arrays inside an AnyValue, and deeply nested kvlists within the JSON limit of
  // simdjson
  std::string bomb = spans_json(R"("attributes":[{"key":"k","value":{"arrayValue":{"values":)" +
                                std::string(100000, '[') + std::string(100000, ']') + "}}}]");
  std::string err = decode_err<trace::TracesData>(bomb);
  REQUIRE(err.find("nesting deeper than the limit of 64") != std::string::npos);

  std::string kv_bomb;
  for (int i = 0; i < 40; ++i) kv_bomb += R"({"kvlistValue":{"values":[{"key":"k","value":)";
  kv_bomb += "{}";
  for (int i = 0; i < 40; ++i) kv_bomb += "}]}}";
  std::string json = spans_json(R"("attributes":[{"key":"k","value":)" + kv_bomb + "}]");
  err = decode_err<trace::TracesData>(json);
  REQUIRE(err.find("nesting deeper than the limit of 64") != std::string::npos);
  // The same document passes when the limit allows it: the limit is the only reason for the refusal.
  trace::TracesData td;
  REQUIRE(otlp_json::decode(json, td, {.max_depth = 400}).empty());
}

TEST_CASE("a limit on depth counts every JSON level", "[codec]") {
  // {"resourceSpans":[{"resource":{}}]}: 4 nested containers
  const std::string json = R"({"resourceSpans":[{"resource":{}}]})";
  trace::TracesData td;
  REQUIRE(otlp_json::decode(json, td, {.max_depth = 4}).empty());
  REQUIRE(td.resource_spans(0).has_resource());
  REQUIRE_FALSE(otlp_json::decode(json, td, {.max_depth = 3}).empty());
  REQUIRE(td.resource_spans_size() == 0);  // a failed decode leaves the message empty
}

TEST_CASE("decoding into a message on an arena works", "[codec]") {
  google::protobuf::Arena arena;
  auto* req = google::protobuf::Arena::CreateMessage<otlp_trace::ExportTraceServiceRequest>(&arena);
  auto full = test::full_traces(3, 11);
  REQUIRE(otlp_json::decode(otlp_json::encode(full), *req).empty());
  REQUIRE(MessageDifferencer::Equals(*req, full));
  auto* logs = google::protobuf::Arena::CreateMessage<otlp_logs::ExportLogsServiceRequest>(&arena);
  auto full_logs = test::full_logs(4, 2);
  REQUIRE(otlp_json::decode(otlp_json::encode(full_logs), *logs).empty());
  REQUIRE(MessageDifferencer::Equals(*logs, full_logs));
}

TEST_CASE("encode appends to the output", "[codec]") {
  common::KeyValue kv;
  kv.set_key("a\"\n\x01");
  std::string out = "prefix ";
  otlp_json::encode(kv, out);
  REQUIRE(out == R"(prefix {"key":"a\"\n\u0001"})");
  common::AnyValue empty;
  REQUIRE(otlp_json::encode(empty) == "{}");
}

}  // namespace otlpd

namespace otlpd {

TEST_CASE("dynamic messages take the reflection path and decode and encode the same", "[codec]") {
  // Given a message that is not an instance of the generated class (no hand-written fast paths apply)
  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<google::protobuf::Message> dyn(
      factory.GetPrototype(otlp_trace::ExportTraceServiceRequest::descriptor())->New());
  auto full = test::full_traces(4, 5);
  std::string json = otlp_json::encode(full);
  // When decoded and encoded again
  REQUIRE(otlp_json::decode(json, *dyn).empty());
  // Then it holds the same data and encodes to the same text
  REQUIRE(dyn->SerializeAsString() == full.SerializeAsString());
  REQUIRE(otlp_json::encode(*dyn) == json);
  // and errors name the same path
  std::string err =
      otlp_json::decode(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{},{"links":[{"traceId":"00"}]}]}]}]})", *dyn);
  REQUIRE(err == "resourceSpans[0].scopeSpans[0].spans[1].links[0].traceId: expected 32 hex digits, got 2");
}

}  // namespace otlpd

namespace otlpd {

TEST_CASE("deeply nested unknown fields count against the depth limit", "[codec]") {
  std::string deep = R"({"unknown":)" + std::string(70, '[') + std::string(70, ']') + "}";
  std::string err = decode_err<otlp_trace::ExportTraceServiceRequest>(deep);
  REQUIRE(err.find("nesting deeper than the limit of 64") != std::string::npos);
  // A configured limit beyond what the decoder supports is capped, not trusted.
  std::string bomb = R"({"unknown":)" + std::string(200000, '[') + std::string(200000, ']') + "}";
  REQUIRE_FALSE(decode_err<otlp_trace::ExportTraceServiceRequest>(bomb, {.max_depth = 1'000'000}).empty());
}

TEST_CASE("strings with invalid UTF-8 are encoded as valid JSON", "[codec]") {
  common::KeyValue kv;
  kv.set_key(
      std::string("a\xff"
                  "b\xe2\x82",
                  5));
  kv.mutable_value()->set_string_value("caf\xc3\xa9");
  std::string json = otlp_json::encode(kv);
  REQUIRE(json ==
          "{\"key\":\"a\xEF\xBF\xBD"
          "b\xEF\xBF\xBD\xEF\xBF\xBD\",\"value\":{\"stringValue\":\"caf\xc3\xa9\"}}");
  common::KeyValue back;
  REQUIRE(otlp_json::decode(json, back).empty());
}

}  // namespace otlpd
