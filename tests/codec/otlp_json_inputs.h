// OTLP/JSON test inputs shared by the decoder's and the wire transcoder's tests.
#pragma once

#include <google/protobuf/descriptor.h>

#include <string>
#include <string_view>
#include <vector>

#include "model/batch.h"
#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/metrics/v1/metrics.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace otlpd::test {

// The JSON body of @opentelemetry/exporter-trace-otlp-http for one span.
inline const std::string kJsExporterTraces = R"({
    "resourceSpans": [{
      "resource": {
        "attributes": [
          {"key": "service.name", "value": {"stringValue": "checkout"}},
          {"key": "telemetry.sdk.language", "value": {"stringValue": "nodejs"}}
        ],
        "droppedAttributesCount": 0
      },
      "scopeSpans": [{
        "scope": {"name": "checkout-tracer", "version": "1.0.0"},
        "spans": [{
          "traceId": "5B8EFFF798038103D269B633813FC60C",
          "spanId": "eee19b7ec3c1b174",
          "parentSpanId": "eee19b7ec3c1b173",
          "name": "GET /cart",
          "kind": 2,
          "startTimeUnixNano": "1544712660000000000",
          "endTimeUnixNano": "1544712661000000000",
          "attributes": [
            {"key": "http.status_code", "value": {"intValue": 200}},
            {"key": "http.route", "value": {"stringValue": "/cart"}},
            {"key": "sampled", "value": {"boolValue": true}},
            {"key": "ratio", "value": {"doubleValue": 0.25}}
          ],
          "droppedAttributesCount": 0,
          "events": [{"timeUnixNano": "1544712660500000000", "name": "cache miss", "attributes": []}],
          "droppedEventsCount": 0,
          "status": {"code": 0},
          "links": [],
          "droppedLinksCount": 0
        }]
      }]
    }]
  })";

struct JsonInput {
  const google::protobuf::Descriptor* type;
  std::string json;
};

inline std::string spans_json(std::string_view span_fields) {
  return R"({"resourceSpans":[{"scopeSpans":[{"spans":[{)" + std::string(span_fields) + "}]}]}]}";
}

// Documents that decode and documents that do not, as the decoder's tests use them (with a few more).
inline std::vector<JsonInput> json_inputs() {
  using opentelemetry::proto::common::v1::KeyValue;
  using opentelemetry::proto::metrics::v1::MetricsData;
  using opentelemetry::proto::trace::v1::TracesData;
  const auto* traces = TracesData::descriptor();
  const auto* request = otlp_trace::ExportTraceServiceRequest::descriptor();
  const auto* metrics = MetricsData::descriptor();
  std::string kv_bomb;
  for (int i = 0; i < 40; ++i) kv_bomb += R"({"kvlistValue":{"values":[{"key":"k","value":)";
  kv_bomb += "{}";
  for (int i = 0; i < 40; ++i) kv_bomb += "}]}}";
  return {
      {request, kJsExporterTraces},
      {traces, R"({"resource_spans":[{"scope_spans":[{"spans":[{
      "trace_id":"0102030405060708090a0b0c0d0e0f10","parent_span_id":"","kind":"SPAN_KIND_CLIENT",
      "start_time_unix_nano":1700000000000000001,"end_time_unix_nano":"1700000000000000002",
      "dropped_attributes_count":"3","status":{"code":"STATUS_CODE_ERROR"},
      "attributes":[{"key":"k","value":{"int_value":-12,"ignored":1}},{"key":"b","value":{"bytes_value":"-_8"}}]
    }]}]}]})"},
      {traces, R"({"future":{"a":[1,{"b":[[{}]]}],"c":null},
      "resourceSpans":[{"resource":null,"x-extra":[1,2,3],"scopeSpans":[{"spans":[{"name":"n","newField":{"deep":{"er":1}},
      "status":null,"attributes":[{"key":"k","value":{"stringValue":"v","futureValue":{"nested":[true]}}}]}]}]}]})"},
      {metrics, R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[{"asInt":"0"}]}},)"
                R"({"histogram":{"dataPoints":[{"sum":0,"attributes":[{"key":"zero","value":{"intValue":"0"}}],)"
                R"("min":0}]}}]}]}]})"},
      {metrics,
       R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[{"asDouble":"Infinity"}]}},)"
       R"({"histogram":{"dataPoints":[{"explicitBounds":["-Infinity",1,2.5],"sum":"NaN","bucketCounts":[]}]}}]}]}]})"},
      // A key given twice: the last value counts, also when it is a default value.
      {traces,
       spans_json(
           R"("name":"a","name":"","kind":2,"kind":0,"flags":1,"flags":"0","spanId":"0102030405060708","spanId":"")")},
      {traces, spans_json(R"("status":{"code":1},"status":{"message":"m"},"traceState":"","droppedLinksCount":0)")},
      {traces,
       spans_json(
           R"("attributes":[{"key":"k","value":{"arrayValue":{"values":[{"intValue":"-1"},{"doubleValue":-0.0},{"boolValue":false},{"kvlistValue":{}}]}}}])")},
      {traces,
       spans_json(
           R"("attributes":[{"key":"","value":{"stringValue":""}},{"key":"k","value":{}},{"key":"b","value":{"bytesValue":""}}])")},
      {traces,
       spans_json(
           R"("startTimeUnixNano":1.7e18,"endTimeUnixNano":"18446744073709551615","kind":"2","droppedEventsCount":4.0)")},
      {traces, spans_json(R"("name":"caf\u00e9 \ud83d\ude00 \"q\" \\","traceState":"a\/b","trace\u005fstate":"x")")},
      {traces, spans_json(R"("attributes":[{"key":"k","value":{"arrayValue":{"values":[)" + kv_bomb + "]}}}]")},
      {KeyValue::descriptor(), R"({"key":"a\"\n\u0001"})"},
      // Refused
      {traces, R"({"resourceSpans":[{"scopeSpans":[})"},
      {traces, R"({"resourceSpans": tru})"},
      {traces, R"({"a":1} x)"},
      {traces, R"({"a":1}})"},
      {traces, R"({"a":"\q"})"},
      {traces, ""},
      {traces, "[]"},
      {traces,
       R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a"},{"traceId":"0102030405060708090a0b0c0d0e0f"}]}]}]})"},
      {traces, spans_json(R"("spanId":"0102030405060z08")")},
      {traces, spans_json(R"("links":[{},{"spanId":"01"}])")},
      {traces, R"({"resourceSpans":[{"resource":"x"}]})"},
      {traces, R"({"resourceSpans":{}})"},
      {traces, spans_json(R"("kind":"SERVER")")},
      {traces, spans_json(R"("startTimeUnixNano":"soon")")},
      {traces, spans_json(R"("attributes":[{"key":"k","value":{"intValue":1.5}}])")},
      {traces, spans_json(R"("attributes":[{"key":"k","value":{"arrayValue":{"values":[{"boolValue":"yes"}]}}}])")},
      {traces, spans_json(R"("attributes":[{"value":{"stringValue":"a","intValue":1}}])")},
      {traces, spans_json(R"("droppedEventsCount":-1)")},
      {traces, spans_json(R"("flags":4294967296)")},
      {traces, spans_json(R"("attributes":[null])")},
      {traces, spans_json(R"("attributes":[{"key":"k","value":{"intValue":"9223372036854775808"}}])")},
      {traces, spans_json(R"("attributes":[{"key":"k","value":{"bytesValue":"a"}}])")},
      {traces, spans_json(R"("name":"\ud800")")},
      {traces, spans_json(R"("attributes":[{"key":"k","value":{"arrayValue":{"values":)" + std::string(100, '[') +
                          std::string(100, ']') + "}}}]")},
      {traces, spans_json(R"("attributes":[{"key":"k","value":)" + kv_bomb + "}]")},
      {request, R"({"unknown":)" + std::string(70, '[') + std::string(70, ']') + "}"},
      {metrics, R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{},"sum":{}}]}]}]})"},
      {traces, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"a\xff\"}]}]}]}"},
  };
}

}  // namespace otlpd::test
