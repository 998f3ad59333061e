// The former OTLP/JSON message decoder (simdjson DOM walked into protobuf messages via field tables), kept as
// the tests' independent oracle: otlpd now decodes by transcoding to wire bytes and parsing them.
#include "support/json_reference_decoder.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <limits>

#include "codec/json_codec.h"
#include "codec/json_walk.h"
#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace otlpd::otlp_json::detail {

namespace {

namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

class Decoder : public JsonWalker {
 public:
  Decoder(size_t max_depth, bool generated) : JsonWalker(max_depth), generated_(generated) {}

  bool message(dom::element el, Message& m, const MessageSchema& s, size_t depth) {
    if (generated_) {
      if (s.special == Special::kAnyValue) return any_value(el, static_cast<common::AnyValue&>(m), depth);
      if (s.special == Special::kKeyValue) return key_value(el, static_cast<common::KeyValue&>(m), depth);
      if (s.special == Special::kSpan) return span(el, static_cast<trace::Span&>(m), depth);
      if (s.special == Special::kSpanEvent) return span_event(el, static_cast<trace::Span::Event&>(m), depth);
      if (s.special == Special::kSpanLink) return span_link(el, static_cast<trace::Span::Link&>(m), depth);
      if (s.special == Special::kSpanStatus) return span_status(el, static_cast<trace::Status&>(m), depth);
    }
    dom::object obj;
    if (!object(el, obj, depth)) return false;
    const Reflection* r = m.GetReflection();
    // The oneofs this object sets (FieldsSeen): a message given twice merges, and its second occurrence may
    // switch a oneof's member, which the merged message's HasOneof cannot tell from two members in one
    // object.
    const size_t base = s.oneof_count > 0 ? seen_.open(s) : 0;
    bool ok = true;
    for (dom::key_value_pair kv : obj) {
      const FieldSchema* f = s.find(kv.key);
      if (f == nullptr || kv.value.is_null()) continue;  // unknown fields are ignored, null means absent
      if (!field(kv.value, m, r, s, *f, base, depth)) {
        ok = false;
        break;
      }
    }
    if (s.oneof_count > 0) seen_.close(base);
    return ok;
  }

 private:
  // {"values": [...]} of an ArrayValue or KeyValueList: `add(element)` appends and parses one entry.
  template <typename Add>
  bool values_list(dom::element v, std::string_view name, size_t depth, Add&& add) {
    dom::object obj;
    if (!object(v, obj, depth + 1)) return at(name);
    for (dom::key_value_pair p : obj) {
      if (p.key != "values" || p.value.is_null()) continue;
      dom::array arr;
      if (!array(p.value, arr, depth + 2)) return at("values"), at(name);
      long i = 0;
      for (dom::element e : arr) {
        if (!add(e)) return at("values", i), at(name);
        ++i;
      }
    }
    return true;
  }

  bool field(dom::element v, Message& m, const Reflection* r, const MessageSchema& s, const FieldSchema& f, size_t base,
             size_t depth) {
    if (!f.repeated) {
      if (f.in_oneof && seen_.mark(base, FieldsSeen::oneof_bit(s, f)))
        return fail("more than one member of oneof '" + f.fd->real_containing_oneof()->name() + "' is set"),
               at(f.json_name);
      if (!singular(v, m, r, f, depth + 1)) return at(f.json_name);
      return true;
    }
    dom::array arr;
    if (!array(v, arr, depth + 1)) return at(f.json_name);
    long i = 0;
    for (dom::element e : arr) {
      if (!element(e, m, r, f, depth + 2)) return at(f.json_name, i);
      ++i;
    }
    return true;
  }

  bool singular(dom::element v, Message& m, const Reflection* r, const FieldSchema& f, size_t depth) {
    return store(v, m, r, f, depth, false);
  }

  bool element(dom::element v, Message& m, const Reflection* r, const FieldSchema& f, size_t depth) {
    if (v.is_null()) return fail("null is not allowed in a list");
    return store(v, m, r, f, depth, true);
  }

  // Sets a singular field, or appends to a repeated one (`add`).
  bool store(dom::element v, Message& m, const Reflection* r, const FieldSchema& f, size_t depth, bool add) {
    const FieldDescriptor* fd = f.fd;
    switch (f.kind) {
      case Kind::kMessage:
        return message(v, add ? *r->AddMessage(&m, fd) : *r->MutableMessage(&m, fd), *f.message, depth);
      case Kind::kString: {
        std::string_view s;
        if (!string(v, s)) return false;
        add ? r->AddString(&m, fd, std::string(s)) : r->SetString(&m, fd, std::string(s));
        return true;
      }
      case Kind::kBytes:
      case Kind::kHexId: {
        std::string b;
        if (!bytes(v, f, b)) return false;
        add ? r->AddString(&m, fd, std::move(b)) : r->SetString(&m, fd, std::move(b));
        return true;
      }
      default:
        break;
    }
    Scalar x;
    if (!scalar(v, f, x)) return false;
    switch (f.kind) {
      case Kind::kDouble:
        add ? r->AddDouble(&m, fd, x.d) : r->SetDouble(&m, fd, x.d);
        break;
      case Kind::kFloat: {
        auto fl = static_cast<float>(x.d);
        add ? r->AddFloat(&m, fd, fl) : r->SetFloat(&m, fd, fl);
        break;
      }
      case Kind::kInt32: {
        auto i = static_cast<int32_t>(x.i);
        add ? r->AddInt32(&m, fd, i) : r->SetInt32(&m, fd, i);
        break;
      }
      case Kind::kInt64:
        add ? r->AddInt64(&m, fd, x.i) : r->SetInt64(&m, fd, x.i);
        break;
      case Kind::kUInt32: {
        auto u = static_cast<uint32_t>(x.u);
        add ? r->AddUInt32(&m, fd, u) : r->SetUInt32(&m, fd, u);
        break;
      }
      case Kind::kUInt64:
        add ? r->AddUInt64(&m, fd, x.u) : r->SetUInt64(&m, fd, x.u);
        break;
      case Kind::kBool:
        add ? r->AddBool(&m, fd, x.b) : r->SetBool(&m, fd, x.b);
        break;
      case Kind::kEnum: {
        auto e = static_cast<int>(x.i);
        add ? r->AddEnumValue(&m, fd, e) : r->SetEnumValue(&m, fd, e);
        break;
      }
      default:
        break;
    }
    return true;
  }

  bool bytes(dom::element v, const FieldSchema& f, std::string& out) {
    std::string_view s;
    if (!string(v, s)) return false;
    std::string err = f.kind == Kind::kHexId ? decode_hex(s, f.hex_bytes, out) : decode_base64(s, out);
    if (!err.empty()) return fail(std::move(err));
    return true;
  }

  // Fast paths for attributes: generated accessors instead of reflection.
  bool key_value(dom::element el, common::KeyValue& kv, size_t depth) {
    dom::object obj;
    if (!object(el, obj, depth)) return false;
    for (dom::key_value_pair p : obj) {
      if (p.value.is_null()) continue;
      if (p.key == "key") {
        std::string_view s;
        if (!string(p.value, s)) return at("key");
        kv.mutable_key()->assign(s.data(), s.size());
      } else if (p.key == "value") {
        if (!any_value(p.value, *kv.mutable_value(), depth + 1)) return at("value");
      }
    }
    return true;
  }

  bool any_value(dom::element el, common::AnyValue& av, size_t depth) {
    dom::object obj;
    if (!object(el, obj, depth)) return false;
    bool member_set = false;  // in this object: an AnyValue given twice merges, and may switch member
    for (dom::key_value_pair p : obj) {
      if (p.value.is_null()) continue;
      std::string_view k = p.key;
      if (!any_value_member(k, p.value, av, member_set, depth)) return false;
    }
    return true;
  }

  bool any_value_member(std::string_view k, dom::element v, common::AnyValue& av, bool& member_set, size_t depth) {
    const char* name;
    if (key_is(k, "stringValue", "string_value")) {
      name = "stringValue";
    } else if (key_is(k, "intValue", "int_value")) {
      name = "intValue";
    } else if (key_is(k, "boolValue", "bool_value")) {
      name = "boolValue";
    } else if (key_is(k, "doubleValue", "double_value")) {
      name = "doubleValue";
    } else if (key_is(k, "arrayValue", "array_value")) {
      name = "arrayValue";
    } else if (key_is(k, "kvlistValue", "kvlist_value")) {
      name = "kvlistValue";
    } else if (key_is(k, "bytesValue", "bytes_value")) {
      name = "bytesValue";
    } else {
      return true;  // unknown member
    }
    if (member_set) return fail("more than one member of oneof 'value' is set"), at(name);
    member_set = true;
    switch (name[0]) {
      case 's': {
        std::string_view s;
        if (!string(v, s)) return at(name);
        av.mutable_string_value()->assign(s.data(), s.size());
        return true;
      }
      case 'i': {
        int64_t i;
        if (!int64(v, i)) return at(name);
        av.set_int_value(i);
        return true;
      }
      case 'b':
        if (name[1] == 'o') {
          if (v.type() != dom::element_type::BOOL) return type_error("a boolean", v), at(name);
          av.set_bool_value(v.get_bool().value_unsafe());
          return true;
        } else {
          std::string_view s;
          if (!string(v, s)) return at(name);
          std::string err = decode_base64(s, *av.mutable_bytes_value());
          if (!err.empty()) return fail(std::move(err)), at(name);
          return true;
        }
      case 'd': {
        double d;
        if (!number(v, d)) return at(name);
        av.set_double_value(d);
        return true;
      }
      case 'a': {
        auto& arr_value = *av.mutable_array_value();
        return values_list(v, name, depth,
                           [&](dom::element e) { return any_value(e, *arr_value.add_values(), depth + 3); });
      }
      default: {  // kvlistValue
        auto& list = *av.mutable_kvlist_value();
        return values_list(v, name, depth, [&](dom::element e) { return key_value(e, *list.add_values(), depth + 3); });
      }
    }
  }

  // Hand-written paths for the span, the message that dominates trace payloads: generated accessors, no
  // reflection.
  template <typename Fn>
  bool list(dom::element v, std::string_view name, size_t depth, Fn&& each) {
    dom::array arr;
    if (!array(v, arr, depth)) return at(name);
    long i = 0;
    for (dom::element e : arr) {
      if (e.is_null()) return fail("null is not allowed in a list"), at(name, i);
      if (!each(e)) return at(name, i);
      ++i;
    }
    return true;
  }
  bool attributes(dom::element v, std::string_view name, google::protobuf::RepeatedPtrField<common::KeyValue>& out,
                  size_t depth) {
    return list(v, name, depth + 1, [&](dom::element e) { return key_value(e, *out.Add(), depth + 2); });
  }
  bool str(dom::element v, std::string_view name, std::string* out) {
    std::string_view s;
    if (!string(v, s)) return at(name);
    out->assign(s.data(), s.size());
    return true;
  }
  bool hex_id(dom::element v, std::string_view name, size_t bytes, std::string* out) {
    std::string_view s;
    if (!string(v, s)) return at(name);
    std::string err = decode_hex(s, bytes, *out);
    if (!err.empty()) return fail(std::move(err)), at(name);
    return true;
  }
  bool u64(dom::element v, std::string_view name, uint64_t& out) { return uint64(v, out) || at(name); }
  bool u32(dom::element v, std::string_view name, uint32_t& out) {
    uint64_t x;
    if (!uint64(v, x)) return at(name);
    if (x > std::numeric_limits<uint32_t>::max()) return fail("integer out of range for a 32-bit field"), at(name);
    out = static_cast<uint32_t>(x);
    return true;
  }
  bool enum_number(dom::element v, std::string_view name, const google::protobuf::EnumDescriptor* et, int& out) {
    int64_t n;
    if (v.type() == dom::element_type::STRING) {
      std::string_view text = v.get_string().value_unsafe();
      if (const auto* ev = et->FindValueByName(std::string(text))) {
        out = ev->number();
        return true;
      }
      if (!parse_int64(text, n))
        return fail("unknown value \"" + std::string(text.substr(0, 64)) + "\" of enum " + et->name()), at(name);
    } else if (!int64(v, n)) {
      return at(name);
    }
    if (n < std::numeric_limits<int32_t>::min() || n > std::numeric_limits<int32_t>::max())
      return fail("enum value out of range"), at(name);
    out = static_cast<int>(n);
    return true;
  }

  bool span(dom::element el, trace::Span& s, size_t depth) {
    dom::object obj;
    if (!object(el, obj, depth)) return false;
    for (dom::key_value_pair p : obj) {
      if (p.value.is_null()) continue;
      std::string_view k = p.key;
      dom::element v = p.value;
      bool ok = true;
      uint64_t u;
      uint32_t u32v;
      int e;
      if (key_is(k, "traceId", "trace_id")) {
        ok = hex_id(v, "traceId", 16, s.mutable_trace_id());
      } else if (key_is(k, "spanId", "span_id")) {
        ok = hex_id(v, "spanId", 8, s.mutable_span_id());
      } else if (key_is(k, "parentSpanId", "parent_span_id")) {
        ok = hex_id(v, "parentSpanId", 8, s.mutable_parent_span_id());
      } else if (k == "name") {
        ok = str(v, "name", s.mutable_name());
      } else if (k == "kind") {
        if ((ok = enum_number(v, "kind", trace::Span::SpanKind_descriptor(), e)))
          s.set_kind(static_cast<trace::Span::SpanKind>(e));
      } else if (key_is(k, "startTimeUnixNano", "start_time_unix_nano")) {
        if ((ok = u64(v, "startTimeUnixNano", u))) s.set_start_time_unix_nano(u);
      } else if (key_is(k, "endTimeUnixNano", "end_time_unix_nano")) {
        if ((ok = u64(v, "endTimeUnixNano", u))) s.set_end_time_unix_nano(u);
      } else if (k == "attributes") {
        ok = attributes(v, "attributes", *s.mutable_attributes(), depth);
      } else if (k == "events") {
        ok = list(v, "events", depth + 1, [&](dom::element x) { return span_event(x, *s.add_events(), depth + 2); });
      } else if (k == "links") {
        ok = list(v, "links", depth + 1, [&](dom::element x) { return span_link(x, *s.add_links(), depth + 2); });
      } else if (k == "status") {
        ok = span_status(v, *s.mutable_status(), depth + 1) || at("status");
      } else if (key_is(k, "traceState", "trace_state")) {
        ok = str(v, "traceState", s.mutable_trace_state());
      } else if (k == "flags") {
        if ((ok = u32(v, "flags", u32v))) s.set_flags(u32v);
      } else if (key_is(k, "droppedAttributesCount", "dropped_attributes_count")) {
        if ((ok = u32(v, "droppedAttributesCount", u32v))) s.set_dropped_attributes_count(u32v);
      } else if (key_is(k, "droppedEventsCount", "dropped_events_count")) {
        if ((ok = u32(v, "droppedEventsCount", u32v))) s.set_dropped_events_count(u32v);
      } else if (key_is(k, "droppedLinksCount", "dropped_links_count")) {
        if ((ok = u32(v, "droppedLinksCount", u32v))) s.set_dropped_links_count(u32v);
      }
      if (!ok) return false;
    }
    return true;
  }

  bool span_event(dom::element el, trace::Span::Event& ev, size_t depth) {
    dom::object obj;
    if (!object(el, obj, depth)) return false;
    for (dom::key_value_pair p : obj) {
      if (p.value.is_null()) continue;
      std::string_view k = p.key;
      bool ok = true;
      uint64_t u;
      uint32_t u32v;
      if (key_is(k, "timeUnixNano", "time_unix_nano")) {
        if ((ok = u64(p.value, "timeUnixNano", u))) ev.set_time_unix_nano(u);
      } else if (k == "name") {
        ok = str(p.value, "name", ev.mutable_name());
      } else if (k == "attributes") {
        ok = attributes(p.value, "attributes", *ev.mutable_attributes(), depth);
      } else if (key_is(k, "droppedAttributesCount", "dropped_attributes_count")) {
        if ((ok = u32(p.value, "droppedAttributesCount", u32v))) ev.set_dropped_attributes_count(u32v);
      }
      if (!ok) return false;
    }
    return true;
  }

  bool span_link(dom::element el, trace::Span::Link& ln, size_t depth) {
    dom::object obj;
    if (!object(el, obj, depth)) return false;
    for (dom::key_value_pair p : obj) {
      if (p.value.is_null()) continue;
      std::string_view k = p.key;
      bool ok = true;
      uint32_t u32v;
      if (key_is(k, "traceId", "trace_id")) {
        ok = hex_id(p.value, "traceId", 16, ln.mutable_trace_id());
      } else if (key_is(k, "spanId", "span_id")) {
        ok = hex_id(p.value, "spanId", 8, ln.mutable_span_id());
      } else if (key_is(k, "traceState", "trace_state")) {
        ok = str(p.value, "traceState", ln.mutable_trace_state());
      } else if (k == "attributes") {
        ok = attributes(p.value, "attributes", *ln.mutable_attributes(), depth);
      } else if (key_is(k, "droppedAttributesCount", "dropped_attributes_count")) {
        if ((ok = u32(p.value, "droppedAttributesCount", u32v))) ln.set_dropped_attributes_count(u32v);
      } else if (k == "flags") {
        if ((ok = u32(p.value, "flags", u32v))) ln.set_flags(u32v);
      }
      if (!ok) return false;
    }
    return true;
  }

  bool span_status(dom::element el, trace::Status& st, size_t depth) {
    dom::object obj;
    if (!object(el, obj, depth)) return false;
    for (dom::key_value_pair p : obj) {
      if (p.value.is_null()) continue;
      int e;
      if (p.key == "message") {
        if (!str(p.value, "message", st.mutable_message())) return false;
      } else if (p.key == "code") {
        if (!enum_number(p.value, "code", trace::Status::StatusCode_descriptor(), e)) return false;
        st.set_code(static_cast<trace::Status::StatusCode>(e));
      }
    }
    return true;
  }

  bool generated_;
  FieldsSeen seen_;
};

}  // namespace

std::string reference_decode(std::string_view json, Message& msg, const DecodeLimits& limits) {
  msg.Clear();
  Document doc(limits);
  dom::element root;
  std::string result = doc.parse(json, root);
  if (result.empty()) {
    Decoder d(doc.max_depth(), is_generated(msg));
    if (!d.message(root, msg, schema_for(msg.GetDescriptor()), 0)) result = d.error();
  }
  if (!result.empty()) msg.Clear();
  return result;
}

}  // namespace otlpd::otlp_json::detail
