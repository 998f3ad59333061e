// Internal entry points of the OTLP/JSON codec, shared by encoder, decoder and the public API.
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <string_view>

#include "codec/otlp_json.h"

namespace otlpd::otlp_json::detail {

// True when `msg` is an instance of the generated C++ class of its type (fast paths may static_cast it).
bool is_generated(const google::protobuf::Message& msg);

void encode_message(const google::protobuf::Message& msg, std::string& out);

// decode_to_wire's fast path alone (simdjson On-Demand, the usual shapes of documents): false when it leaves
// the document to the complete walk, which then decides. Exposed for tests.
bool decode_to_wire_fast(std::string_view json, const google::protobuf::Descriptor* root, std::string& out,
                         size_t& items, const DecodeLimits& limits);

}  // namespace otlpd::otlp_json::detail
