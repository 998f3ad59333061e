// Fuzz target: attribute edits on received bytes (codec/attribute_edit.h) through the processors that make
// them, attributes and redaction (redactor, scanner), against the same processors on the decoded request.
//
// Input: one option byte (bits 0-1: which processor configuration below; bit 2: logs instead of traces), then
// a request; bytes the wire check refuses are not looked at (the receiver would have refused them).
//
// Checks: whatever the wire path does (edit the bytes, decode one list, fall back to the decoded request),
// the result is the message the decoded path gives, with the same item count, and bytes it passes on as
// received pass the wire check again (downstream trusts them as checked).
#include <memory>
#include <string>

#include "codec/otlp_wire.h"
#include "fuzz/support/fuzz.h"
#include "model/batch.h"
#include "processors/harness.h"

namespace {

using otlpd::test::Capture;

struct Configuration {
  const char* type;
  const char* yaml;
};

// Plain wire edits; hash, extract and convert (on the wire too since both forms share one definition of each
// action, decoding a list only for values the wire form cannot read); key and value redaction with summaries;
// redaction of every type, hashed, with ignored and blocked keys.
const Configuration kConfigurations[] = {
    {"attributes", R"(actions:
      - {key: env, action: insert, value: prod}
      - {key: str, action: upsert, value: s}
      - {key: int, action: delete}
      - {key: copy, action: insert, from_attribute: bool}
      - {key: k, action: update, value: 7}
      - {action: delete, pattern: '^x'})"},
    {"attributes", R"(actions:
      - {key: str, action: hash}
      - {key: url, action: extract, pattern: '^(?P<scheme>[a-z]+)://(?P<host>[^/]*)'}
      - {key: int, action: convert, converted_type: string}
      - {key: env, action: upsert, from_attribute: str})"},
    {"redaction", R"(
      allow_all_keys: false
      allowed_keys: [str, bool, int, kvlist, array, service.name]
      blocked_values: ['value-[0-9]+']
      summary: debug)"},
    {"redaction", R"(
      allow_all_keys: true
      blocked_key_patterns: ['^secret']
      blocked_values: ['[0-9]{4}']
      ignored_keys: [keep]
      redact_all_types: true
      hash_function: sha256
      summary: info)"},
};

// One processor per configuration, built once (building compiles regexes), each with its capturing sink.
template <typename B>
struct Stage {
  Capture<B> sink;
  otlpd::ProcessorPtr processor;

  explicit Stage(const Configuration& c) : processor(otlpd::test::make_processor<B>(c.type, c.yaml, sink)) {}

  B run(B batch) {
    auto status = otlpd::test::input<B>(*processor).consume(std::move(batch));
    FUZZ_CHECK(status.is_ok(), "the processor refused a request");
    auto out = sink.take();
    FUZZ_CHECK(out.size() == 1, "the processor passed on other than one batch");
    return std::move(out[0]);
  }
};

template <typename B>
void compare(size_t configuration, std::string_view bytes) {
  using Request = typename B::RequestType;
  static auto* processors = [] {
    auto* p = new std::vector<std::unique_ptr<Stage<B>>>;  // lives as long as the process
    for (const auto& c : kConfigurations) p->push_back(std::make_unique<Stage<B>>(c));
    return p;
  }();
  auto checked = otlpd::otlp_wire::check<Request>(bytes);
  if (!checked.ok) return;
  Stage<B>& p = *(*processors)[configuration];

  auto decoded = B::make();
  FUZZ_CHECK(decoded.first().ParseFromString(std::string(bytes)), "protobuf refuses what the wire check accepted");
  B want = p.run(std::move(decoded));
  B got = p.run(B::adopt_wire(std::string(bytes), checked.items));

  for (const auto& part : got.raw_parts()) {
    if (!part.wire) continue;
    auto again = otlpd::otlp_wire::check<Request>(*part.wire);
    FUZZ_CHECK(again.ok, "the wire path passed on bytes the wire check refuses: " + again.error);
  }
  FUZZ_CHECK(got.item_count() == want.item_count(), "the paths count other items");
  const B merged_want = want.merged();
  const B merged_got = got.merged();
  const Request& a = *merged_want.read_parts().front().request;
  const Request& b = *merged_got.read_parts().front().request;
  otlpd::fuzz::check_same(a, b, "configuration " + std::to_string(configuration));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  otlpd::fuzz::Input in(data, size);
  const uint8_t options = in.byte();
  const size_t configuration = options % std::size(kConfigurations);
  if (options & 4)
    compare<otlpd::LogBatch>(configuration, in.rest());
  else
    compare<otlpd::TraceBatch>(configuration, in.rest());
  return 0;
}
