// Fuzz target: OTLP/JSON decoded two ways, to messages by an independent walk (the reference decoder in
// tests/support, otlpd's decoder before it went through wire bytes) and straight to wire bytes (decode_to_wire,
// its fast path alone, and otlp_json::decode, which parses those bytes), and the encoder's round trip.
//
// Input: one option byte (bits 0-1: traces, metrics or logs request; bit 2: a nesting limit of 8 instead of
// the default), then the JSON text.
//
// Checks: both decoders accept or refuse together, with the same error text; when they accept, the wire bytes
// parse to the decoded message, pass the wire check and count the same items; what the fast path accepts on
// its own it gets right too; encoding the decoded message and decoding that gives the same message again.
#include <memory>
#include <string>

#include "codec/json_codec.h"
#include "codec/otlp_json.h"
#include "codec/otlp_wire.h"
#include "fuzz/support/fuzz.h"
#include "model/batch.h"
#include "support/json_reference_decoder.h"

namespace {

template <typename Request>
void check_json(std::string_view json, const otlpd::otlp_json::DecodeLimits& limits) {
  const auto* d = Request::descriptor();
  Request decoded;
  const std::string err = otlpd::otlp_json::detail::reference_decode(json, decoded, limits);
  Request through_wire;
  const std::string decode_err = otlpd::otlp_json::decode(json, through_wire, limits);
  FUZZ_CHECK(decode_err == err, "reference: '" + err + "', decode: '" + decode_err + "'");
  if (err.empty()) otlpd::fuzz::check_same(decoded, through_wire, "decode");
  std::string wire = "stale";
  size_t items = 99;
  const std::string wire_err = otlpd::otlp_json::decode_to_wire(json, d, wire, items, limits);
  FUZZ_CHECK(wire_err == err, "decode: '" + err + "', decode_to_wire: '" + wire_err + "'");
  std::string fast;
  size_t fast_items = 0;
  const bool fast_ok = otlpd::otlp_json::detail::decode_to_wire_fast(json, d, fast, fast_items, limits);
  if (!err.empty()) {
    FUZZ_CHECK(wire.empty() && items == 0, "decode_to_wire left output after an error");
    FUZZ_CHECK(!fast_ok, "the fast path accepted what decode refuses: " + err);
    return;
  }

  Request from_wire;
  FUZZ_CHECK(from_wire.ParseFromString(wire), "decode_to_wire wrote bytes protobuf refuses");
  otlpd::fuzz::check_same(decoded, from_wire, "decode_to_wire");
  FUZZ_CHECK(items == otlpd::SignalTraits<Request>::count_items(decoded), "decode_to_wire miscounted items");
  auto checked = otlpd::otlp_wire::check(d, wire);
  FUZZ_CHECK(checked.ok, "decode_to_wire wrote bytes the wire check refuses: " + checked.error);
  FUZZ_CHECK(checked.items == items, "the wire check counts other items");
  if (fast_ok) {
    Request from_fast;
    FUZZ_CHECK(from_fast.ParseFromString(fast), "the fast path wrote bytes protobuf refuses");
    otlpd::fuzz::check_same(decoded, from_fast, "the fast path");
    FUZZ_CHECK(fast_items == items, "the fast path miscounted items");
  }

  // What the encoder writes decodes to the same message (the default nesting limit: a limit counts the JSON
  // text's nesting, and the encoder may nest an empty message that the input left out).
  const std::string encoded = otlpd::otlp_json::encode(decoded);
  Request again;
  const std::string again_err = otlpd::otlp_json::decode(encoded, again);
  FUZZ_CHECK(again_err.empty(), "the encoder wrote JSON the decoder refuses: " + again_err + "\n  " + encoded);
  otlpd::fuzz::check_same(decoded, again, "the encode/decode round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  otlpd::fuzz::Input in(data, size);
  const uint8_t options = in.byte();
  otlpd::otlp_json::DecodeLimits limits;
  if (options & 4) limits.max_depth = 8;
  switch (options & 3) {
    case 0:
    case 3:
      check_json<otlpd::otlp_trace::ExportTraceServiceRequest>(in.rest(), limits);
      break;
    case 1:
      check_json<otlpd::otlp_metrics::ExportMetricsServiceRequest>(in.rest(), limits);
      break;
    default:
      check_json<otlpd::otlp_logs::ExportLogsServiceRequest>(in.rest(), limits);
      break;
  }
  return 0;
}
