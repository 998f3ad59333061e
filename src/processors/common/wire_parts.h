// Editing a batch part by part on the wire, with the decoded path for parts that have no received bytes; helpers
// for the walks.
#pragma once

#include <string_view>
#include <utility>

#include "codec/attribute_edit.h"
#include "codec/wire_reader.h"
#include "model/batch.h"

namespace otlpd::processors {

// `rewrite(bytes) -> otlp_wire::RewriteResult` edits each part that still has its received bytes; parts that
// were decoded (or changed as messages) earlier, and bytes the rewrite could not read, are decoded and handed
// to `decoded(request&)`. Edits that keep every item keep the parts' item counts.
template <typename B, typename Rewrite, typename Decoded>
void edit_parts(B& batch, Rewrite&& rewrite, Decoded&& decoded) {
  for (auto& part : batch.raw_parts()) {
    if (part.wire) {
      otlp_wire::RewriteResult r = rewrite(std::string_view(*part.wire));
      if (r.ok) {
        if (r.changed) part.replace_wire(std::move(r.bytes));
        continue;
      }
    }
    part.decode();
    part.wire.reset();
    part.items = B::kUnknownItems;
    decoded(*part.request);
  }
}

// Reads field `number` of `msg` into `out` as protobuf does: every occurrence merged, none gives an empty message.
// False when the bytes do not read.
inline bool read_message_field(std::string_view msg, uint32_t number, google::protobuf::MessageLite& out) {
  out.Clear();
  otlp_wire::Reader r(msg);
  otlp_wire::Field f;
  bool ok = true;
  while (r.next(f))
    if (f.number == number && f.type == otlp_wire::WireType::len && !out.MergeFromString(std::string(f.body)))
      ok = false;
  return ok && !r.error();
}

// The fields of a Metric that hold its data (the oneof: gauge 5, sum 7, histogram 9, exponential_histogram 10,
// summary 11), each a message whose field 1 holds the data points.
inline bool is_metric_data_field(const otlp_wire::Field& f) {
  return f.type == otlp_wire::WireType::len &&
         (f.number == 5 || f.number == 7 || f.number == 9 || f.number == 10 || f.number == 11);
}

// Whether the Metric `metric` holds its data in at most one field. With more, protobuf keeps the last kind (merging
// repeats) while otlp_wire::check counts the points of all, so walks on the wire give such requests up to the decoded
// path. False too when the bytes do not read.
inline bool single_data_field(std::string_view metric) {
  otlp_wire::Reader r(metric);
  otlp_wire::Field f;
  int n = 0;
  while (r.next(f))
    if (is_metric_data_field(f) && ++n > 1) return false;
  return !r.error();
}

// Appends `m` as the length-delimited field `number`.
inline void append_message_field(std::string& out, uint32_t number, const google::protobuf::MessageLite& m) {
  otlp_wire::append_varint(out, uint64_t(number) << 3 | 2);
  const size_t n = m.ByteSizeLong();
  otlp_wire::append_varint(out, n);
  const size_t at = out.size();
  out.resize(at + n);
  m.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(out.data() + at));
}

}  // namespace otlpd::processors
