// OTLP/JSON encoder: appends straight to the output string, table-driven with fast paths for attributes.
#include <google/protobuf/message.h>

#include "codec/json_codec.h"
#include "codec/json_schema.h"
#include "codec/json_text.h"
#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace otlpd::otlp_json::detail {

namespace {

namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

class Encoder {
 public:
  Encoder(std::string& out, bool generated) : out_(out), generated_(generated) {}

  void message(const Message& m, const MessageSchema& s) {
    if (generated_) {
      if (s.special == Special::kAnyValue) return any_value(static_cast<const common::AnyValue&>(m));
      if (s.special == Special::kKeyValue) return key_value(static_cast<const common::KeyValue&>(m));
      if (s.special == Special::kSpan) return span(static_cast<const trace::Span&>(m));
      if (s.special == Special::kSpanEvent) return span_event(static_cast<const trace::Span::Event&>(m));
      if (s.special == Special::kSpanLink) return span_link(static_cast<const trace::Span::Link&>(m));
      if (s.special == Special::kSpanStatus) return span_status(static_cast<const trace::Status&>(m));
    }
    const Reflection* r = m.GetReflection();
    out_.push_back('{');
    bool first = true;
    for (const auto& f : s.fields) {
      if (f.repeated) {
        int n = r->FieldSize(m, f.fd);
        if (n == 0) continue;
        if (!first) out_.push_back(',');
        first = false;
        out_ += f.key;
        out_.push_back('[');
        for (int i = 0; i < n; ++i) {
          if (i > 0) out_.push_back(',');
          repeated_value(m, r, f, i);
        }
        out_.push_back(']');
      } else {
        // HasField is "non-default" for proto3 scalars without presence, "set" for optional, oneof and
        // messages.
        if (!r->HasField(m, f.fd)) continue;
        if (!first) out_.push_back(',');
        first = false;
        out_ += f.key;
        singular_value(m, r, f);
      }
    }
    out_.push_back('}');
  }

 private:
  void singular_value(const Message& m, const Reflection* r, const FieldSchema& f) {
    switch (f.kind) {
      case Kind::kDouble:
        return append_double(out_, r->GetDouble(m, f.fd));
      case Kind::kFloat:
        return append_float(out_, r->GetFloat(m, f.fd));
      case Kind::kInt32:
        return append_int(out_, r->GetInt32(m, f.fd));
      case Kind::kUInt32:
        return append_uint(out_, r->GetUInt32(m, f.fd));
      case Kind::kEnum:
        return append_int(out_, r->GetEnumValue(m, f.fd));
      case Kind::kInt64:
        out_.push_back('"');
        append_int(out_, r->GetInt64(m, f.fd));
        out_.push_back('"');
        return;
      case Kind::kUInt64:
        out_.push_back('"');
        append_uint(out_, r->GetUInt64(m, f.fd));
        out_.push_back('"');
        return;
      case Kind::kBool:
        out_ += r->GetBool(m, f.fd) ? "true" : "false";
        return;
      case Kind::kString:
        return append_quoted(out_, r->GetStringReference(m, f.fd, &scratch_));
      case Kind::kBytes:
        return append_base64_quoted(out_, r->GetStringReference(m, f.fd, &scratch_));
      case Kind::kHexId:
        return append_hex_quoted(out_, r->GetStringReference(m, f.fd, &scratch_));
      case Kind::kMessage:
        return message(r->GetMessage(m, f.fd), *f.message);
    }
  }

  void repeated_value(const Message& m, const Reflection* r, const FieldSchema& f, int i) {
    switch (f.kind) {
      case Kind::kDouble:
        return append_double(out_, r->GetRepeatedDouble(m, f.fd, i));
      case Kind::kFloat:
        return append_float(out_, r->GetRepeatedFloat(m, f.fd, i));
      case Kind::kInt32:
        return append_int(out_, r->GetRepeatedInt32(m, f.fd, i));
      case Kind::kUInt32:
        return append_uint(out_, r->GetRepeatedUInt32(m, f.fd, i));
      case Kind::kEnum:
        return append_int(out_, r->GetRepeatedEnumValue(m, f.fd, i));
      case Kind::kInt64:
        out_.push_back('"');
        append_int(out_, r->GetRepeatedInt64(m, f.fd, i));
        out_.push_back('"');
        return;
      case Kind::kUInt64:
        out_.push_back('"');
        append_uint(out_, r->GetRepeatedUInt64(m, f.fd, i));
        out_.push_back('"');
        return;
      case Kind::kBool:
        out_ += r->GetRepeatedBool(m, f.fd, i) ? "true" : "false";
        return;
      case Kind::kString:
        return append_quoted(out_, r->GetRepeatedStringReference(m, f.fd, i, &scratch_));
      case Kind::kBytes:
        return append_base64_quoted(out_, r->GetRepeatedStringReference(m, f.fd, i, &scratch_));
      case Kind::kHexId:
        return append_hex_quoted(out_, r->GetRepeatedStringReference(m, f.fd, i, &scratch_));
      case Kind::kMessage:
        return message(r->GetRepeatedMessage(m, f.fd, i), *f.message);
    }
  }

  void key_value(const common::KeyValue& kv) {
    out_.push_back('{');
    bool first = true;
    if (!kv.key().empty()) {
      out_ += "\"key\":";
      append_quoted(out_, kv.key());
      first = false;
    }
    if (kv.has_value()) {
      out_ += first ? "\"value\":" : ",\"value\":";
      any_value(kv.value());
    }
    out_.push_back('}');
  }

  void any_value(const common::AnyValue& v) {
    switch (v.value_case()) {
      case common::AnyValue::kStringValue:
        out_ += "{\"stringValue\":";
        append_quoted(out_, v.string_value());
        break;
      case common::AnyValue::kBoolValue:
        out_ += v.bool_value() ? "{\"boolValue\":true" : "{\"boolValue\":false";
        break;
      case common::AnyValue::kIntValue:
        out_ += "{\"intValue\":\"";
        append_int(out_, v.int_value());
        out_.push_back('"');
        break;
      case common::AnyValue::kDoubleValue:
        out_ += "{\"doubleValue\":";
        append_double(out_, v.double_value());
        break;
      case common::AnyValue::kBytesValue:
        out_ += "{\"bytesValue\":";
        append_base64_quoted(out_, v.bytes_value());
        break;
      case common::AnyValue::kArrayValue: {
        out_ += "{\"arrayValue\":{";
        const auto& values = v.array_value().values();
        if (!values.empty()) {
          out_ += "\"values\":[";
          for (int i = 0; i < values.size(); ++i) {
            if (i > 0) out_.push_back(',');
            any_value(values[i]);
          }
          out_.push_back(']');
        }
        out_.push_back('}');
        break;
      }
      case common::AnyValue::kKvlistValue: {
        out_ += "{\"kvlistValue\":{";
        const auto& values = v.kvlist_value().values();
        if (!values.empty()) {
          out_ += "\"values\":[";
          for (int i = 0; i < values.size(); ++i) {
            if (i > 0) out_.push_back(',');
            key_value(values[i]);
          }
          out_.push_back(']');
        }
        out_.push_back('}');
        break;
      }
      case common::AnyValue::VALUE_NOT_SET:
        out_ += "{}";
        return;
    }
    out_.push_back('}');
  }

  // Hand-written span encoding (same member order as the table-driven path: by field number).
  void member(bool& first, std::string_view key) {
    if (!first) out_.push_back(',');
    first = false;
    out_ += key;
  }
  void hex_member(bool& first, std::string_view key, const std::string& id) {
    if (id.empty()) return;
    member(first, key);
    append_hex_quoted(out_, id);
  }
  void string_member(bool& first, std::string_view key, const std::string& v) {
    if (v.empty()) return;
    member(first, key);
    append_quoted(out_, v);
  }
  void u32_member(bool& first, std::string_view key, uint32_t v) {
    if (v == 0) return;
    member(first, key);
    append_uint(out_, v);
  }
  void u64_member(bool& first, std::string_view key, uint64_t v) {
    if (v == 0) return;
    member(first, key);
    out_.push_back('"');
    append_uint(out_, v);
    out_.push_back('"');
  }
  void attributes_member(bool& first, std::string_view key,
                         const google::protobuf::RepeatedPtrField<common::KeyValue>& attrs) {
    if (attrs.empty()) return;
    member(first, key);
    out_.push_back('[');
    for (int i = 0; i < attrs.size(); ++i) {
      if (i > 0) out_.push_back(',');
      key_value(attrs[i]);
    }
    out_.push_back(']');
  }

  void span(const trace::Span& s) {
    out_.push_back('{');
    bool first = true;
    hex_member(first, "\"traceId\":", s.trace_id());
    hex_member(first, "\"spanId\":", s.span_id());
    string_member(first, "\"traceState\":", s.trace_state());
    hex_member(first, "\"parentSpanId\":", s.parent_span_id());
    string_member(first, "\"name\":", s.name());
    if (s.kind() != 0) {
      member(first, "\"kind\":");
      append_int(out_, s.kind());
    }
    u64_member(first, "\"startTimeUnixNano\":", s.start_time_unix_nano());
    u64_member(first, "\"endTimeUnixNano\":", s.end_time_unix_nano());
    attributes_member(first, "\"attributes\":", s.attributes());
    u32_member(first, "\"droppedAttributesCount\":", s.dropped_attributes_count());
    if (!s.events().empty()) {
      member(first, "\"events\":");
      out_.push_back('[');
      for (int i = 0; i < s.events_size(); ++i) {
        if (i > 0) out_.push_back(',');
        span_event(s.events(i));
      }
      out_.push_back(']');
    }
    u32_member(first, "\"droppedEventsCount\":", s.dropped_events_count());
    if (!s.links().empty()) {
      member(first, "\"links\":");
      out_.push_back('[');
      for (int i = 0; i < s.links_size(); ++i) {
        if (i > 0) out_.push_back(',');
        span_link(s.links(i));
      }
      out_.push_back(']');
    }
    u32_member(first, "\"droppedLinksCount\":", s.dropped_links_count());
    if (s.has_status()) {
      member(first, "\"status\":");
      span_status(s.status());
    }
    u32_member(first, "\"flags\":", s.flags());
    out_.push_back('}');
  }

  void span_event(const trace::Span::Event& e) {
    out_.push_back('{');
    bool first = true;
    u64_member(first, "\"timeUnixNano\":", e.time_unix_nano());
    string_member(first, "\"name\":", e.name());
    attributes_member(first, "\"attributes\":", e.attributes());
    u32_member(first, "\"droppedAttributesCount\":", e.dropped_attributes_count());
    out_.push_back('}');
  }

  void span_link(const trace::Span::Link& l) {
    out_.push_back('{');
    bool first = true;
    hex_member(first, "\"traceId\":", l.trace_id());
    hex_member(first, "\"spanId\":", l.span_id());
    string_member(first, "\"traceState\":", l.trace_state());
    attributes_member(first, "\"attributes\":", l.attributes());
    u32_member(first, "\"droppedAttributesCount\":", l.dropped_attributes_count());
    u32_member(first, "\"flags\":", l.flags());
    out_.push_back('}');
  }

  void span_status(const trace::Status& st) {
    out_.push_back('{');
    bool first = true;
    string_member(first, "\"message\":", st.message());
    if (st.code() != 0) {
      member(first, "\"code\":");
      append_int(out_, st.code());
    }
    out_.push_back('}');
  }

  std::string& out_;
  bool generated_;
  std::string scratch_;
};

}  // namespace

void encode_message(const Message& msg, std::string& out) {
  const MessageSchema& s = schema_for(msg.GetDescriptor());
  Encoder(out, is_generated(msg)).message(msg, s);
}

}  // namespace otlpd::otlp_json::detail
