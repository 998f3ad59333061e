// PLACEHOLDER until the OTLP/JSON codec lands: protobuf's generic JSON mapping (base64 ids, named enums).
#include "codec/otlp_json.h"

#include <google/protobuf/util/json_util.h>

namespace otlpd::otlp_json {

void encode(const google::protobuf::Message& msg, std::string& out) {
  std::string s;
  (void)google::protobuf::util::MessageToJsonString(msg, &s);
  out += s;
}

std::string encode(const google::protobuf::Message& msg) {
  std::string s;
  encode(msg, s);
  return s;
}

std::string decode(std::string_view json, google::protobuf::Message& msg, const DecodeLimits&) {
  google::protobuf::util::JsonParseOptions o;
  o.ignore_unknown_fields = true;
  auto st = google::protobuf::util::JsonStringToMessage(std::string(json), &msg, o);
  return st.ok() ? std::string() : std::string(st.message());
}

}  // namespace otlpd::otlp_json
