// Internal per-message tables of the OTLP/JSON codec, built once per descriptor from protobuf reflection.
#pragma once

#include <google/protobuf/descriptor.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace otlpd::otlp_json::detail {

enum class Kind : uint8_t {
  kDouble,
  kFloat,
  kInt32,
  kInt64,
  kUInt32,
  kUInt64,
  kBool,
  kEnum,
  kString,
  kBytes,
  kHexId,
  kMessage
};

// How a field's values are written in the protobuf wire format.
enum class WireEncoding : uint8_t { kVarint, kZigZag, kFixed32, kFixed64, kLengthDelimited };

// Messages with a hand-written fast path (generated classes only).
enum class Special : uint8_t { kNone, kKeyValue, kAnyValue, kSpan, kSpanEvent, kSpanLink, kSpanStatus };

struct MessageSchema;

struct FieldSchema {
  const google::protobuf::FieldDescriptor* fd = nullptr;
  Kind kind = Kind::kString;
  bool repeated = false;
  bool in_oneof = false;                   // member of a real oneof: at most one member may be given
  size_t hex_bytes = 0;                    // kHexId: 16 (trace id) or 8 (span id)
  std::string json_name;                   // lowerCamelCase, used on output and in error paths
  std::string proto_name;                  // snake_case, also accepted on input
  std::string key;                         // "\"jsonName\":", appended as is on output
  const MessageSchema* message = nullptr;  // kMessage: the field's type
  // Protobuf wire format: the field's tag (number and wire type; a packed tag for repeated scalars).
  WireEncoding encoding = WireEncoding::kVarint;
  uint32_t tag = 0;
  bool presence = false;  // singular with explicit presence (message, oneof member, proto3 optional)
  bool counted = false;   // each element is one OTLP item (span, data point, log record)
  uint32_t index = 0;     // position in MessageSchema::fields
  int oneof = -1;         // real oneof: its index in the message
};

struct MessageSchema {
  const google::protobuf::Descriptor* desc = nullptr;
  Special special = Special::kNone;
  std::vector<FieldSchema> fields;  // in field-number order
  size_t oneof_count = 0;

  const FieldSchema* find(std::string_view name) const {
    for (const auto& f : fields)
      if (f.json_name == name || f.proto_name == name) return &f;
    return nullptr;
  }
};

// The schema of `desc` and of every message reachable from it; built on first use, thread-safe, never freed.
const MessageSchema& schema_for(const google::protobuf::Descriptor* desc);

}  // namespace otlpd::otlp_json::detail
