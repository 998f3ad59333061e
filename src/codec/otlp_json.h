// OTLP/JSON: the protobuf JSON mapping with OTLP's deviations (hex trace/span ids, integer enums,
// lowerCamelCase keys; snake_case accepted on input; unknown fields ignored).
#pragma once

#include <google/protobuf/message.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace otlpd::otlp_json {

// Appends the OTLP/JSON encoding of `msg` (any OTLP message, e.g. an Export*ServiceRequest) to `out`,
// on one line, without a trailing newline. Default-valued fields are omitted; 64-bit integers are strings.
void encode(const google::protobuf::Message& msg, std::string& out);
std::string encode(const google::protobuf::Message& msg);

struct DecodeLimits {
  size_t max_depth = 64;  // nesting of JSON objects/arrays
};

// Decodes OTLP/JSON into `msg` (which may live on an arena), through decode_to_wire and protobuf's parser.
// Returns an empty string on success, otherwise what was wrong and where, e.g.
// "resourceSpans[0].scopeSpans[0].spans[3].traceId: expected 32 hex digits".
std::string decode(std::string_view json, google::protobuf::Message& msg, const DecodeLimits& limits = {});

// Transcodes OTLP/JSON straight to the protobuf wire format of message type `root`, without building messages:
// `out` receives bytes that parse to what decode() would give (fields in the order the JSON has them), and
// `items` the spans / metric data points / log records in it. The one reader of OTLP/JSON: decode() goes
// through it. Error text: empty on success; `out` is empty after an error.
std::string decode_to_wire(std::string_view json, const google::protobuf::Descriptor* root, std::string& out,
                           size_t& items, const DecodeLimits& limits = {});

template <typename Request>
std::string decode_to_wire(std::string_view json, std::string& out, size_t& items, const DecodeLimits& limits = {}) {
  return decode_to_wire(json, Request::descriptor(), out, items, limits);
}

}  // namespace otlpd::otlp_json
