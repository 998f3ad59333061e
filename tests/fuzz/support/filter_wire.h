// The body of the filter_wire and filter_wire_logs fuzz targets: one filter configuration (picked by the input's
// first byte) run on the rest of the input twice, decoded and as received bytes, and the two results compared.
//
// Checks: both paths send something or both send nothing; what they send is the same message with the same item
// count, and bytes passed on pass the wire check again. Bytes the wire check refuses are not looked at (the
// receiver would have refused them).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "codec/otlp_wire.h"
#include "fuzz/support/fuzz.h"
#include "model/batch.h"
#include "processors/harness.h"

namespace otlpd::fuzz {

template <typename B>
struct FilterStage {
  test::Capture<B> sink;
  ProcessorPtr processor;
  explicit FilterStage(const char* yaml) : processor(test::make_processor<B>("filter", yaml, sink)) {}

  std::vector<B> run(B batch) {
    auto status = test::input<B>(*processor).consume(std::move(batch));
    FUZZ_CHECK(status.is_ok(), "the filter refused a request");
    return sink.take();
  }
};

// `configs`: the filter configurations (YAML); the input's first byte picks one.
template <typename B, size_t N>
int filter_wire_one(const char* const (&configs)[N], const uint8_t* data, size_t size) {
  using Request = typename B::RequestType;
  static auto* stages = [&configs] {
    auto* s = new std::vector<std::unique_ptr<FilterStage<B>>>;  // lives as long as the process
    for (const auto* c : configs) s->push_back(std::make_unique<FilterStage<B>>(c));
    return s;
  }();
  Input in(data, size);
  FilterStage<B>& stage = *(*stages)[in.byte() % N];
  const std::string_view bytes = in.rest();
  auto checked = otlp_wire::check<Request>(bytes);
  if (!checked.ok) return 0;

  auto decoded = B::make();
  FUZZ_CHECK(decoded.first().ParseFromString(std::string(bytes)), "protobuf refuses what the wire check accepted");
  auto want = stage.run(std::move(decoded));
  auto got = stage.run(B::adopt_wire(std::string(bytes), checked.items));
  FUZZ_CHECK(want.size() == got.size(), "one path sent a batch, the other none");
  if (want.empty()) return 0;
  for (const auto& part : got[0].raw_parts()) {
    if (!part.wire) continue;
    auto again = otlp_wire::check<Request>(*part.wire);
    FUZZ_CHECK(again.ok, "the wire path passed on bytes the wire check refuses: " + again.error);
  }
  FUZZ_CHECK(got[0].item_count() == want[0].item_count(), "the paths count other items");
  const B a = want[0].merged();
  const B b = got[0].merged();
  check_same(*a.read_parts().front().request, *b.read_parts().front().request, "filter on the wire");
  return 0;
}

}  // namespace otlpd::fuzz
