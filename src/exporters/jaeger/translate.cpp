// OTLP → Jaeger api_v2 translation: ids, references, tags, logs and value types.
#include "exporters/jaeger/translate.h"

#include "model/any_value.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>

#include "exporters/helper/client_settings.h"

namespace otlpd::jaeger_exporter {

namespace {

namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;
using Attributes = google::protobuf::RepeatedPtrField<common::KeyValue>;

constexpr size_t kTraceIdSize = 16;
constexpr size_t kSpanIdSize = 8;
// AnyValue nesting deeper than this is written as null: a guard against hostile input beyond protobuf's own limit.
// The W3C `sampled` trace flag; it is also Jaeger's sampled flag. Other W3C bits (e.g. level 2's `random`)
// must not leak into Jaeger's debug/firehose flags.
constexpr uint32_t kSampledFlag = 0x01;

bool all_zero(std::string_view id) {
  return std::all_of(id.begin(), id.end(), [](char c) { return c == 0; });
}

void set_value(jaeger_pb::KeyValue& tag, const common::AnyValue& v) {
  switch (v.value_case()) {
    case common::AnyValue::kStringValue:
      tag.set_v_type(jaeger_pb::STRING);
      tag.set_v_str(v.string_value());
      break;
    case common::AnyValue::kBoolValue:
      tag.set_v_type(jaeger_pb::BOOL);
      tag.set_v_bool(v.bool_value());
      break;
    case common::AnyValue::kIntValue:
      tag.set_v_type(jaeger_pb::INT64);
      tag.set_v_int64(v.int_value());
      break;
    case common::AnyValue::kDoubleValue:
      tag.set_v_type(jaeger_pb::FLOAT64);
      tag.set_v_float64(v.double_value());
      break;
    case common::AnyValue::kBytesValue:
      tag.set_v_type(jaeger_pb::BINARY);
      tag.set_v_binary(v.bytes_value());
      break;
    case common::AnyValue::kArrayValue:
    case common::AnyValue::kKvlistValue: {
      std::string json;
      append_any_value_json(json, v);
      tag.set_v_type(jaeger_pb::STRING);
      tag.set_v_str(std::move(json));
      break;
    }
    case common::AnyValue::VALUE_NOT_SET:
      tag.set_v_type(jaeger_pb::STRING);  // an empty value is an empty string, as in the Collector
      break;
  }
}

void add_string(google::protobuf::RepeatedPtrField<jaeger_pb::KeyValue>& tags, std::string_view key,
                std::string_view value) {
  auto* t = tags.Add();
  t->set_key(std::string(key));
  t->set_v_type(jaeger_pb::STRING);
  t->set_v_str(std::string(value));
}

void add_int(google::protobuf::RepeatedPtrField<jaeger_pb::KeyValue>& tags, std::string_view key, int64_t value) {
  auto* t = tags.Add();
  t->set_key(std::string(key));
  t->set_v_type(jaeger_pb::INT64);
  t->set_v_int64(value);
}

void add_attributes(google::protobuf::RepeatedPtrField<jaeger_pb::KeyValue>& tags, const Attributes& attrs,
                    std::string_view skip_key = {}) {
  for (const auto& a : attrs) {
    if (!skip_key.empty() && a.key() == skip_key) continue;
    auto* t = tags.Add();
    t->set_key(a.key());
    set_value(*t, a.value());
  }
}

void set_timestamp(google::protobuf::Timestamp& ts, uint64_t unix_nanos) {
  ts.set_seconds(static_cast<int64_t>(unix_nanos / 1'000'000'000));
  ts.set_nanos(static_cast<int32_t>(unix_nanos % 1'000'000'000));
}

std::string_view span_kind_tag(trace::Span::SpanKind kind) {
  switch (kind) {
    case trace::Span::SPAN_KIND_SERVER:
      return "server";
    case trace::Span::SPAN_KIND_CLIENT:
      return "client";
    case trace::Span::SPAN_KIND_PRODUCER:
      return "producer";
    case trace::Span::SPAN_KIND_CONSUMER:
      return "consumer";
    case trace::Span::SPAN_KIND_INTERNAL:
      return "internal";
    default:
      return {};
  }
}

// CHILD_OF when the link carries `opentracing.ref_type=child_of` (a span that came from Jaeger), else FOLLOWS_FROM.
jaeger_pb::SpanRefType link_ref_type(const trace::Span::Link& link) {
  for (const auto& a : link.attributes())
    if (a.key() == "opentracing.ref_type")
      return a.value().string_value() == "child_of" ? jaeger_pb::CHILD_OF : jaeger_pb::FOLLOWS_FROM;
  return jaeger_pb::FOLLOWS_FROM;
}

void translate_references(const trace::Span& span, jaeger_pb::Span& out, TranslateStats& stats) {
  const std::string& parent = span.parent_span_id();
  const bool has_parent = parent.size() == kSpanIdSize && !all_zero(parent);
  if (has_parent) {
    auto* ref = out.add_references();  // first: backends look for the parent there
    ref->set_trace_id(span.trace_id());
    ref->set_span_id(parent);
    ref->set_ref_type(jaeger_pb::CHILD_OF);
  }
  for (const auto& link : span.links()) {
    if (link.trace_id().size() != kTraceIdSize || link.span_id().size() != kSpanIdSize) {
      ++stats.invalid_links;
      continue;
    }
    if (has_parent && link.trace_id() == span.trace_id() && link.span_id() == parent) {
      out.mutable_references(0)->set_ref_type(link_ref_type(link));  // the parent again: keep one reference
      continue;
    }
    auto* ref = out.add_references();
    ref->set_trace_id(link.trace_id());
    ref->set_span_id(link.span_id());
    ref->set_ref_type(link_ref_type(link));
  }
}

void translate_span_tags(const trace::Span& span, const common::InstrumentationScope& scope, jaeger_pb::Span& out) {
  auto& tags = *out.mutable_tags();
  if (!scope.name().empty()) add_string(tags, "otel.scope.name", scope.name());
  if (!scope.version().empty()) add_string(tags, "otel.scope.version", scope.version());
  add_attributes(tags, span.attributes());
  if (auto kind = span_kind_tag(span.kind()); !kind.empty()) add_string(tags, "span.kind", kind);
  const auto code = span.status().code();
  if (code == trace::Status::STATUS_CODE_OK) add_string(tags, "otel.status_code", "OK");
  if (code == trace::Status::STATUS_CODE_ERROR) {
    add_string(tags, "otel.status_code", "ERROR");
    auto* t = tags.Add();
    t->set_key("error");
    t->set_v_type(jaeger_pb::BOOL);
    t->set_v_bool(true);
  }
  if (!span.status().message().empty()) add_string(tags, "otel.status_description", span.status().message());
  if (!span.trace_state().empty()) add_string(tags, "w3c.tracestate", span.trace_state());
  if (span.dropped_attributes_count() > 0)
    add_int(tags, "otel.dropped_attributes_count", span.dropped_attributes_count());
  if (span.dropped_events_count() > 0) add_int(tags, "otel.dropped_events_count", span.dropped_events_count());
  if (span.dropped_links_count() > 0) add_int(tags, "otel.dropped_links_count", span.dropped_links_count());
}

void translate_events(const trace::Span& span, jaeger_pb::Span& out) {
  for (const auto& event : span.events()) {
    auto* log = out.add_logs();
    set_timestamp(*log->mutable_timestamp(), event.time_unix_nano());
    const bool has_event_attr = std::any_of(event.attributes().begin(), event.attributes().end(),
                                            [](const auto& a) { return a.key() == "event"; });
    if (!event.name().empty() && !has_event_attr) add_string(*log->mutable_fields(), "event", event.name());
    add_attributes(*log->mutable_fields(), event.attributes());
  }
}

bool translate_span(const trace::Span& span, const common::InstrumentationScope& scope, jaeger_pb::Span& out,
                    TranslateStats& stats) {
  if (span.trace_id().size() != kTraceIdSize || span.span_id().size() != kSpanIdSize) return false;
  out.set_trace_id(span.trace_id());
  out.set_span_id(span.span_id());
  out.set_operation_name(span.name());
  translate_references(span, out, stats);
  out.set_flags(span.flags() & kSampledFlag);
  set_timestamp(*out.mutable_start_time(), span.start_time_unix_nano());
  // A span that ends before it starts gets a zero duration rather than a negative one.
  const uint64_t duration = span.end_time_unix_nano() > span.start_time_unix_nano()
                                ? span.end_time_unix_nano() - span.start_time_unix_nano()
                                : 0;
  out.mutable_duration()->set_seconds(static_cast<int64_t>(duration / 1'000'000'000));
  out.mutable_duration()->set_nanos(static_cast<int32_t>(duration % 1'000'000'000));
  translate_span_tags(span, scope, out);
  translate_events(span, out);
  return true;
}

}  // namespace

void translate_resource_spans(const trace::ResourceSpans& rs, jaeger_pb::Batch& out, TranslateStats& stats) {
  out.Clear();
  auto* process = out.mutable_process();
  const auto& attrs = rs.resource().attributes();
  std::string_view service_name;
  for (const auto& a : attrs)
    if (a.key() == "service.name" && a.value().has_string_value()) service_name = a.value().string_value();
  process->set_service_name(service_name.empty() ? std::string(kNoServiceName) : std::string(service_name));
  add_attributes(*process->mutable_tags(), attrs, "service.name");

  int total = 0;
  for (const auto& ss : rs.scope_spans()) total += ss.spans_size();
  out.mutable_spans()->Reserve(total);
  for (const auto& ss : rs.scope_spans()) {
    for (const auto& span : ss.spans()) {
      auto* js = out.add_spans();
      if (translate_span(span, ss.scope(), *js, stats)) {
        ++stats.spans;
      } else {
        out.mutable_spans()->RemoveLast();
        ++stats.invalid_spans;
      }
    }
  }
}

std::vector<jaeger_pb::Batch> translate(const otlp_trace::ExportTraceServiceRequest& request, TranslateStats* stats) {
  TranslateStats local;
  TranslateStats& s = stats ? *stats : local;
  std::vector<jaeger_pb::Batch> out;
  out.reserve(static_cast<size_t>(request.resource_spans_size()));
  for (const auto& rs : request.resource_spans()) translate_resource_spans(rs, out.emplace_back(), s);
  return out;
}

}  // namespace otlpd::jaeger_exporter
