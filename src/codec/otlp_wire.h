// Checking OTLP protobuf bytes without decoding them: a walk over the wire format, guided by tables built from
// the messages' descriptors. It accepts exactly what protobuf's parser accepts (malformed varints and lengths,
// bad wire types, invalid UTF-8 in strings, nesting deeper than protobuf's recursion limit are all refused),
// adds the OTLP checks a decoded request would get (trace ids of 0 or 16 bytes, span ids of 0 or 8), and
// counts the items (spans, metric data points, log records) on the way. Nothing is allocated.
#pragma once

#include <google/protobuf/descriptor.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace otlpd::otlp_wire {

struct CheckResult {
  bool ok = false;
  size_t items = 0;   // when ok
  std::string error;  // when not: "<path>: <reason>", the path in OTLP/JSON field names
};

// Checks `bytes` as a serialised message of type `root` (any message; items are counted for OTLP requests).
// Without `check_ids` the walk accepts exactly what protobuf's parser accepts.
CheckResult check(const google::protobuf::Descriptor* root, std::string_view bytes, bool check_ids = true);

template <typename Message>
CheckResult check(std::string_view bytes) {
  return check(Message::descriptor(), bytes);
}

// True for the repeated fields whose elements OTLP counts as items: spans, metric data points, log records.
bool counts_items(const google::protobuf::FieldDescriptor* fd);

// protobuf's default recursion limit, which the walk applies the same way (each nested message or group is one
// level).
inline constexpr int kMaxDepth = 100;

}  // namespace otlpd::otlp_wire
