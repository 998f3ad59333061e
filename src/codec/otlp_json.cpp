// Public OTLP/JSON API: the table-driven encoder, and decoding through the one reader of OTLP/JSON, the
// transcoder to wire bytes (json_wire.cpp), followed by protobuf's parser.
#include "codec/otlp_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>

#include <algorithm>

#include "codec/json_codec.h"

namespace otlpd::otlp_json {

namespace detail {

bool is_generated(const google::protobuf::Message& msg) {
  const auto* desc = msg.GetDescriptor();
  if (desc->file()->pool() != google::protobuf::DescriptorPool::generated_pool()) return false;
  const auto* proto = google::protobuf::MessageFactory::generated_factory()->GetPrototype(desc);
  return proto != nullptr && proto->GetReflection() == msg.GetReflection();
}

}  // namespace detail

void encode(const google::protobuf::Message& msg, std::string& out) { detail::encode_message(msg, out); }

std::string encode(const google::protobuf::Message& msg) {
  std::string s;
  detail::encode_message(msg, s);
  return s;
}

std::string decode(std::string_view json, google::protobuf::Message& msg, const DecodeLimits& limits) {
  msg.Clear();
  // This thread's buffer for the bytes; one grown by a large document is released after use.
  thread_local std::string bytes;
  constexpr size_t kKeepCapacity = 2 * 1024 * 1024;
  size_t items = 0;
  std::string err = decode_to_wire(json, msg.GetDescriptor(), bytes, items, limits);
  if (err.empty()) {
    google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                              static_cast<int>(bytes.size()));
    // Messages nest no deeper than the JSON did, which the limit has already bounded (protobuf's default is 100).
    in.SetRecursionLimit(static_cast<int>(std::clamp<size_t>(limits.max_depth, 100, 10000)));
    if (!msg.ParseFromCodedStream(&in)) {
      msg.Clear();
      err = "the request does not parse as protobuf after transcoding";
    }
  }
  if (bytes.capacity() > kKeepCapacity) std::string().swap(bytes);
  return err;
}

}  // namespace otlpd::otlp_json
