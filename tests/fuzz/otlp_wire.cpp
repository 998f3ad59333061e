// Fuzz target: the protobuf wire walk (otlp_wire::check) against protobuf's own parser, and the field reader
// (wire_reader.h) on whatever the walk accepts.
//
// Input: one option byte (bits 0-1: traces, metrics or logs request), then the request bytes.
//
// Checks: the walk without id checks accepts exactly what ParseFromString accepts and counts the same items;
// with id checks it accepts a subset, whose decoded ids are all of valid length; an accepted request
// re-serialised is accepted too; the Reader reads every message of an accepted request to its end, each
// field's `raw` bytes in order making up the message.
#include <google/protobuf/descriptor.h>

#include <memory>
#include <string>

#include "codec/otlp_wire.h"
#include "codec/wire_reader.h"
#include "fuzz/support/fuzz.h"
#include "model/batch.h"

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Every trace id of `m` (and below) is 0 or 16 bytes, every span id 0 or 8.
bool ids_valid(const Message& m) {
  const Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> set;
  r->ListFields(m, &set);
  for (const FieldDescriptor* fd : set) {
    if (fd->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (fd->is_repeated()) {
        for (int i = 0; i < r->FieldSize(m, fd); ++i)
          if (!ids_valid(r->GetRepeatedMessage(m, fd, i))) return false;
      } else if (!ids_valid(r->GetMessage(m, fd))) {
        return false;
      }
    } else if (fd->type() == FieldDescriptor::TYPE_BYTES && !fd->is_repeated()) {
      size_t n = r->GetString(m, fd).size();
      if (fd->name() == "trace_id" && n != 0 && n != 16) return false;
      if ((fd->name() == "span_id" || fd->name() == "parent_span_id") && n != 0 && n != 8) return false;
    }
  }
  return true;
}

// Reads `bytes` as a message of type `d` with the Reader, descending into the fields `d` declares as
// messages.
void read_all(const Descriptor* d, std::string_view bytes, int depth) {
  otlpd::otlp_wire::Reader reader(bytes);
  otlpd::otlp_wire::Field f;
  size_t at = 0;
  while (reader.next(f)) {
    FUZZ_CHECK(f.raw.data() == bytes.data() + at, "a field's raw bytes do not follow the previous field's");
    at += f.raw.size();
    const FieldDescriptor* fd = d->FindFieldByNumber(static_cast<int>(f.number));
    if (fd && fd->type() == FieldDescriptor::TYPE_MESSAGE && f.type == otlpd::otlp_wire::WireType::len)
      read_all(fd->message_type(), f.body, depth + 1);
  }
  FUZZ_CHECK(!reader.error(), "the Reader refused a message the wire check accepted (depth " + std::to_string(depth) +
                                  ", " + d->full_name() + ")");
  FUZZ_CHECK(at == bytes.size(), "the Reader stopped before the end of a message");
}

template <typename Request>
void check_request(std::string_view bytes) {
  const Descriptor* d = Request::descriptor();
  auto lenient = otlpd::otlp_wire::check(d, bytes, /*check_ids=*/false);
  auto strict = otlpd::otlp_wire::check(d, bytes, /*check_ids=*/true);
  Request parsed;
  const bool parses = parsed.ParseFromString(std::string(bytes));
  FUZZ_CHECK(lenient.ok == parses, lenient.ok ? "the wire check accepted what protobuf refuses"
                                              : "the wire check refused what protobuf accepts: " + lenient.error);
  FUZZ_CHECK(lenient.ok || !lenient.error.empty(), "a refusal without a reason");
  FUZZ_CHECK(!strict.ok || lenient.ok, "the id checks accepted what the plain walk refused");
  if (!parses) return;
  FUZZ_CHECK(lenient.items == otlpd::SignalTraits<Request>::count_items(parsed), "item counts differ");
  if (strict.ok) {
    FUZZ_CHECK(strict.items == lenient.items, "item counts differ with id checks");
    FUZZ_CHECK(ids_valid(parsed), "the id checks accepted an id of the wrong length");
  }
  auto again = otlpd::otlp_wire::check(d, parsed.SerializeAsString(), /*check_ids=*/false);
  FUZZ_CHECK(again.ok && again.items == lenient.items, "protobuf's own serialisation is refused: " + again.error);
  read_all(d, bytes, 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  otlpd::fuzz::Input in(data, size);
  switch (in.byte() % 3) {
    case 0:
      check_request<otlpd::otlp_trace::ExportTraceServiceRequest>(in.rest());
      break;
    case 1:
      check_request<otlpd::otlp_metrics::ExportMetricsServiceRequest>(in.rest());
      break;
    default:
      check_request<otlpd::otlp_logs::ExportLogsServiceRequest>(in.rest());
      break;
  }
  return 0;
}
