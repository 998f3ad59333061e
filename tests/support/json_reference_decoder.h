// The tests' oracle for OTLP/JSON decoding: an independent walk of the JSON into messages (the decoder otlpd used
// before it decoded through wire bytes), to compare otlp_json::decode and decode_to_wire against.
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <string_view>

#include "codec/otlp_json.h"

namespace otlpd::otlp_json::detail {

// What otlp_json::decode must give: an empty string and `msg` filled, or the error text and `msg` empty.
std::string reference_decode(std::string_view json, google::protobuf::Message& msg, const DecodeLimits& limits = {});

}  // namespace otlpd::otlp_json::detail
