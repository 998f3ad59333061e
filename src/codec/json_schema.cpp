// Builds the per-message field tables of the OTLP/JSON codec from protobuf descriptors.
#include "codec/json_schema.h"

#include "codec/otlp_wire.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace otlpd::otlp_json::detail {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

bool is_otlp(const Descriptor* d) { return d->full_name().rfind("opentelemetry.proto.", 0) == 0; }

Kind kind_of(const FieldDescriptor* f, size_t& hex_bytes) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return Kind::kDouble;
    case FieldDescriptor::CPPTYPE_FLOAT:
      return Kind::kFloat;
    case FieldDescriptor::CPPTYPE_INT32:
      return Kind::kInt32;
    case FieldDescriptor::CPPTYPE_INT64:
      return Kind::kInt64;
    case FieldDescriptor::CPPTYPE_UINT32:
      return Kind::kUInt32;
    case FieldDescriptor::CPPTYPE_UINT64:
      return Kind::kUInt64;
    case FieldDescriptor::CPPTYPE_BOOL:
      return Kind::kBool;
    case FieldDescriptor::CPPTYPE_ENUM:
      return Kind::kEnum;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return Kind::kMessage;
    case FieldDescriptor::CPPTYPE_STRING:
      if (f->type() == FieldDescriptor::TYPE_STRING) return Kind::kString;
      // OTLP's deviation from proto3 JSON: trace and span ids are hex, not base64.
      if (!f->is_repeated() && is_otlp(f->containing_type())) {
        if (f->name() == "trace_id") {
          hex_bytes = 16;
          return Kind::kHexId;
        }
        if (f->name() == "span_id" || f->name() == "parent_span_id") {
          hex_bytes = 8;
          return Kind::kHexId;
        }
      }
      return Kind::kBytes;
  }
  return Kind::kString;
}

WireEncoding encoding_of(const FieldDescriptor* f) {
  switch (f->type()) {
    case FieldDescriptor::TYPE_SINT32:
    case FieldDescriptor::TYPE_SINT64:
      return WireEncoding::kZigZag;
    case FieldDescriptor::TYPE_FIXED32:
    case FieldDescriptor::TYPE_SFIXED32:
    case FieldDescriptor::TYPE_FLOAT:
      return WireEncoding::kFixed32;
    case FieldDescriptor::TYPE_FIXED64:
    case FieldDescriptor::TYPE_SFIXED64:
    case FieldDescriptor::TYPE_DOUBLE:
      return WireEncoding::kFixed64;
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
    case FieldDescriptor::TYPE_MESSAGE:
    case FieldDescriptor::TYPE_GROUP:
      return WireEncoding::kLengthDelimited;
    default:
      return WireEncoding::kVarint;
  }
}

uint32_t wire_tag(const FieldDescriptor* f, WireEncoding e) {
  uint32_t wire_type = 0;
  if (e == WireEncoding::kLengthDelimited || f->is_repeated())
    wire_type = 2;  // repeated scalars are written packed
  else if (e == WireEncoding::kFixed64)
    wire_type = 1;
  else if (e == WireEncoding::kFixed32)
    wire_type = 5;
  return static_cast<uint32_t>(f->number()) << 3 | wire_type;
}

class Registry {
 public:
  const MessageSchema& get(const Descriptor* root) {
    std::lock_guard lock(mu_);
    if (auto it = schemas_.find(root); it != schemas_.end()) return *it->second;
    // Build the closure iteratively: message types may refer to each other in cycles (AnyValue <->
    // ArrayValue).
    std::vector<MessageSchema*> pending;
    auto* root_schema = create(root, pending);
    while (!pending.empty()) {
      MessageSchema* s = pending.back();
      pending.pop_back();
      for (auto& f : s->fields) {
        if (f.kind != Kind::kMessage) continue;
        const Descriptor* d = f.fd->message_type();
        auto it = schemas_.find(d);
        f.message = it != schemas_.end() ? it->second.get() : create(d, pending);
      }
    }
    return *root_schema;
  }

 private:
  MessageSchema* create(const Descriptor* d, std::vector<MessageSchema*>& pending) {
    auto s = std::make_unique<MessageSchema>();
    s->desc = d;
    if (d->full_name() == "opentelemetry.proto.common.v1.KeyValue") s->special = Special::kKeyValue;
    if (d->full_name() == "opentelemetry.proto.common.v1.AnyValue") s->special = Special::kAnyValue;
    if (d->full_name() == "opentelemetry.proto.trace.v1.Span") s->special = Special::kSpan;
    if (d->full_name() == "opentelemetry.proto.trace.v1.Span.Event") s->special = Special::kSpanEvent;
    if (d->full_name() == "opentelemetry.proto.trace.v1.Span.Link") s->special = Special::kSpanLink;
    if (d->full_name() == "opentelemetry.proto.trace.v1.Status") s->special = Special::kSpanStatus;
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      FieldSchema fs;
      fs.fd = f;
      fs.kind = kind_of(f, fs.hex_bytes);
      fs.repeated = f->is_repeated();
      fs.in_oneof = f->real_containing_oneof() != nullptr;
      fs.json_name = f->json_name();
      fs.proto_name = f->name();
      fs.key = "\"" + fs.json_name + "\":";
      fs.encoding = encoding_of(f);
      fs.tag = wire_tag(f, fs.encoding);
      fs.presence = !f->is_repeated() && f->has_presence();
      fs.counted = otlp_wire::counts_items(f);
      if (const auto* o = f->real_containing_oneof()) fs.oneof = o->index();
      s->fields.push_back(std::move(fs));
    }
    std::sort(s->fields.begin(), s->fields.end(),
              [](const FieldSchema& a, const FieldSchema& b) { return a.fd->number() < b.fd->number(); });
    for (size_t i = 0; i < s->fields.size(); ++i) s->fields[i].index = static_cast<uint32_t>(i);
    s->oneof_count = static_cast<size_t>(d->real_oneof_decl_count());
    MessageSchema* raw = s.get();
    schemas_.emplace(d, std::move(s));
    pending.push_back(raw);
    return raw;
  }

  std::mutex mu_;
  std::unordered_map<const Descriptor*, std::unique_ptr<MessageSchema>> schemas_;
};

}  // namespace

const MessageSchema& schema_for(const Descriptor* desc) {
  static Registry registry;
  return registry.get(desc);
}

}  // namespace otlpd::otlp_json::detail
