// Fuzz target: the Jaeger exporter's translation of OTLP traces (exporters/jaeger/translate.h).
//
// Input: an ExportTraceServiceRequest; bytes protobuf refuses are not looked at.
//
// Checks: one Batch per ResourceSpans; every span is translated or counted as invalid, and only spans with
// valid ids are translated; ids, references, flags, times and durations are what Jaeger accepts; tags that
// hold arrays and maps are valid JSON; the batches serialise to bytes that parse again (strings stay valid
// UTF-8).
#include <string>

#include "codec/json_text.h"
#include "codec/otlp_wire.h"
#include "exporters/jaeger/translate.h"
#include "fuzz/support/fuzz.h"

namespace {

namespace jaeger_pb = ::jaeger::api_v2;
namespace common = opentelemetry::proto::common::v1;

using Tags = google::protobuf::RepeatedPtrField<jaeger_pb::KeyValue>;
using Attributes = google::protobuf::RepeatedPtrField<common::KeyValue>;

// `tags`, from `at` on, are `attributes` in order (but those with `skip_key`): same keys, arrays and kvlists
// as JSON text.
void check_attributes(const Tags& tags, int at, const Attributes& attributes, std::string_view skip_key = {}) {
  for (const auto& a : attributes) {
    if (!skip_key.empty() && a.key() == skip_key) continue;
    FUZZ_CHECK(at < tags.size(), "an attribute is missing from the tags");
    const auto& t = tags[at++];
    FUZZ_CHECK(t.key() == a.key(), "tag " + t.key() + " where attribute " + a.key() + " was expected");
    if (a.value().has_array_value() || a.value().has_kvlist_value()) {
      // By the JSON grammar: simdjson refuses integers past 64 bits, as a double like 2^67 is written.
      size_t offset = 0;
      std::string what;
      FUZZ_CHECK(t.v_type() == jaeger_pb::STRING &&
                     !otlpd::otlp_json::detail::locate_syntax_error(t.v_str(), 1000, offset, what),
                 "tag " + t.key() + " is not JSON (" + what + "): " + t.v_str());
    }
  }
}

void check_time(const google::protobuf::Timestamp& ts) {
  FUZZ_CHECK(ts.seconds() >= 0 && ts.nanos() >= 0 && ts.nanos() < 1'000'000'000, "a timestamp out of range");
}

void check_span(const jaeger_pb::Span& s) {
  FUZZ_CHECK(s.trace_id().size() == 16 && s.span_id().size() == 8, "a span with an invalid id was translated");
  for (const auto& ref : s.references())
    FUZZ_CHECK(ref.trace_id().size() == 16 && ref.span_id().size() == 8, "a reference with an invalid id");
  FUZZ_CHECK((s.flags() & ~1u) == 0, "flags other than sampled");
  check_time(s.start_time());
  FUZZ_CHECK(s.duration().seconds() >= 0 && s.duration().nanos() >= 0 && s.duration().nanos() < 1'000'000'000,
             "a duration out of range");
  for (const auto& log : s.logs()) check_time(log.timestamp());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  otlpd::otlp_trace::ExportTraceServiceRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  otlpd::jaeger_exporter::TranslateStats stats;
  auto batches = otlpd::jaeger_exporter::translate(request, &stats);

  FUZZ_CHECK(batches.size() == static_cast<size_t>(request.resource_spans_size()), "one batch per ResourceSpans");
  size_t spans = 0, valid = 0, translated = 0;
  for (const auto& rs : request.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& s : ss.spans()) {
        ++spans;
        valid += s.trace_id().size() == 16 && s.span_id().size() == 8;
      }
  for (size_t i = 0; i < batches.size(); ++i) {
    const jaeger_pb::Batch& b = batches[i];
    const auto& rs = request.resource_spans(static_cast<int>(i));
    FUZZ_CHECK(!b.process().service_name().empty(), "a process without a service name");
    check_attributes(b.process().tags(), 0, rs.resource().attributes(), "service.name");
    int next = 0;  // the spans of `b` are the valid spans of `rs`, in order
    for (const auto& ss : rs.scope_spans()) {
      for (const auto& span : ss.spans()) {
        if (span.trace_id().size() != 16 || span.span_id().size() != 8) continue;
        FUZZ_CHECK(next < b.spans_size(), "a valid span is missing");
        const jaeger_pb::Span& s = b.spans(next++);
        FUZZ_CHECK(s.span_id() == span.span_id(), "spans out of order");
        check_span(s);
        check_attributes(s.tags(), !ss.scope().name().empty() + !ss.scope().version().empty(), span.attributes());
        FUZZ_CHECK(s.logs_size() == span.events_size(), "one log per event");
        for (int e = 0; e < span.events_size(); ++e) {
          const auto& event = span.events(e);
          const auto& fields = s.logs(e).fields();
          const bool named = fields.size() > 0 && fields[0].key() == "event" && fields.size() > event.attributes_size();
          check_attributes(fields, named, event.attributes());
        }
      }
    }
    FUZZ_CHECK(next == b.spans_size(), "a batch holds more spans than its ResourceSpans");
    translated += static_cast<size_t>(b.spans_size());
    const std::string bytes = b.SerializeAsString();
    jaeger_pb::Batch again;
    FUZZ_CHECK(again.ParseFromString(bytes), "a translated batch does not parse again");
    FUZZ_CHECK(otlpd::otlp_wire::check(jaeger_pb::Batch::descriptor(), bytes, false).ok, "invalid UTF-8 in a batch");
  }
  FUZZ_CHECK(stats.spans == translated && stats.spans == valid, "translated spans miscounted");
  FUZZ_CHECK(stats.spans + stats.invalid_spans == spans, "spans neither translated nor counted as invalid");
  return 0;
}
