// The body of the filter_wire, filter_wire_logs, transform_wire and transform_wire_logs fuzz targets: one processor
// configuration (picked by the input's first byte) run on the rest of the input twice, decoded and as received
// bytes, and the two results compared.
//
// Checks: both paths accept the request or both refuse it; both send something or both send nothing; what they
// send is the same message (an empty resource or scope counting as a missing one) with the same item count, and
// bytes passed on pass the wire check again. Bytes the wire check refuses are not looked at (the receiver would
// have refused them).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "codec/otlp_wire.h"
#include "fuzz/support/fuzz.h"
#include "model/batch.h"
#include "processors/harness.h"
#include "processors/transform/transform_wire.h"

namespace otlpd::fuzz {

template <typename B>
struct Stage {
  test::Capture<B> sink;
  ProcessorPtr processor;
  Stage(const char* type, const char* yaml) : processor(test::make_processor<B>(type, yaml, sink)) {}

  // What the processor sent; `refused`: whether it refused the request.
  std::vector<B> run(B batch, bool& refused) {
    refused = !test::input<B>(*processor).consume(std::move(batch)).is_ok();
    return sink.take();
  }
};

// `type`: the processor; `configs`: its configurations (YAML), the input's first byte picks one.
template <typename B, size_t N>
int wire_differential_one(const char* type, const char* const (&configs)[N], const uint8_t* data, size_t size) {
  using Request = typename B::RequestType;
  static auto* stages = [&configs, type] {
    auto* s = new std::vector<std::unique_ptr<Stage<B>>>;  // lives as long as the process
    for (const auto* c : configs) s->push_back(std::make_unique<Stage<B>>(type, c));
    return s;
  }();
  Input in(data, size);
  Stage<B>& stage = *(*stages)[in.byte() % N];
  const std::string_view bytes = in.rest();
  auto checked = otlp_wire::check<Request>(bytes);
  if (!checked.ok) return 0;

  auto decoded = B::make();
  FUZZ_CHECK(decoded.first().ParseFromString(std::string(bytes)), "protobuf refuses what the wire check accepted");
  bool refused_decoded = false, refused_wire = false;
  auto want = stage.run(std::move(decoded), refused_decoded);
  auto got = stage.run(B::adopt_wire(std::string(bytes), checked.items), refused_wire);
  FUZZ_CHECK(refused_decoded == refused_wire, "one path refused the request, the other not");
  FUZZ_CHECK(want.size() == got.size(), "one path sent a batch, the other none");
  if (want.empty()) return 0;
  for (const auto& part : got[0].raw_parts()) {
    if (!part.wire) continue;
    auto again = otlp_wire::check<Request>(*part.wire);
    FUZZ_CHECK(again.ok, "the wire path passed on bytes the wire check refuses: " + again.error);
  }
  FUZZ_CHECK(got[0].item_count() == want[0].item_count(), "the paths count other items");
  B a = want[0].merged();
  B b = got[0].merged();
  auto& a_request = *a.raw_parts().front().request;
  auto& b_request = *b.raw_parts().front().request;
  test::drop_empty_parents(a_request);
  test::drop_empty_parents(b_request);
  check_same(a_request, b_request, std::string(type) + " on the wire");
  return 0;
}

}  // namespace otlpd::fuzz
