// Public OTLP/JSON API: thin wrappers over the table-driven encoder and the simdjson-based decoder.
#include "codec/otlp_json.h"

#include <google/protobuf/descriptor.h>

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
  return detail::decode_message(json, msg, limits);
}

}  // namespace otlpd::otlp_json
