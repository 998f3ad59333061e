// Fuzz target: the filter processor's OTTL span conditions on received bytes (processors/filter/wire_filter)
// against the same filter on the decoded request.
//
// Input: one option byte (bits 0-1: which condition set below), then an ExportTraceServiceRequest; bytes the wire
// check refuses are not looked at (the receiver would have refused them).
//
// Checks: both paths send something or both send nothing; what they send is the same message with the same item
// count, and bytes passed on pass the wire check again.
#include <memory>
#include <string>

#include "codec/otlp_wire.h"
#include "fuzz/support/fuzz.h"
#include "model/batch.h"
#include "processors/harness.h"

namespace {

using otlpd::TraceBatch;
using otlpd::test::Capture;

const char* const kConfigurations[] = {
    R"(traces: {span: ['attributes["http.route"] == "/health"', 'kind == SPAN_KIND_CLIENT']})",
    R"(traces: {span: ['resource.attributes["service.name"] == "cron" or IsMatch(name, "^GET")']})",
    R"(error_mode: ignore
traces: {span: ['Substring(name, 0, 3) == "GET"', 'instrumentation_scope.name == "db"', 'status.code == 2']})",
    R"(traces: {span: ['trace_id.string != "" and attributes["n"] > 3', 'IsRootSpan()']})",
};

struct Stage {
  Capture<TraceBatch> sink;
  otlpd::ProcessorPtr processor;
  explicit Stage(const char* yaml) : processor(otlpd::test::make_processor<TraceBatch>("filter", yaml, sink)) {}

  std::vector<TraceBatch> run(TraceBatch batch) {
    auto status = otlpd::test::input<TraceBatch>(*processor).consume(std::move(batch));
    FUZZ_CHECK(status.is_ok(), "the filter refused a request");
    return sink.take();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using Request = otlpd::otlp_trace::ExportTraceServiceRequest;
  static auto* stages = [] {
    auto* s = new std::vector<std::unique_ptr<Stage>>;  // lives as long as the process
    for (const auto* c : kConfigurations) s->push_back(std::make_unique<Stage>(c));
    return s;
  }();
  otlpd::fuzz::Input in(data, size);
  Stage& stage = *(*stages)[in.byte() % std::size(kConfigurations)];
  const std::string_view bytes = in.rest();
  auto checked = otlpd::otlp_wire::check<Request>(bytes);
  if (!checked.ok) return 0;

  auto decoded = TraceBatch::make();
  FUZZ_CHECK(decoded.first().ParseFromString(std::string(bytes)), "protobuf refuses what the wire check accepted");
  auto want = stage.run(std::move(decoded));
  auto got = stage.run(TraceBatch::adopt_wire(std::string(bytes), checked.items));
  FUZZ_CHECK(want.size() == got.size(), "one path sent a batch, the other none");
  if (want.empty()) return 0;
  for (const auto& part : got[0].raw_parts()) {
    if (!part.wire) continue;
    auto again = otlpd::otlp_wire::check<Request>(*part.wire);
    FUZZ_CHECK(again.ok, "the wire path passed on bytes the wire check refuses: " + again.error);
  }
  FUZZ_CHECK(got[0].item_count() == want[0].item_count(), "the paths count other items");
  const TraceBatch a = want[0].merged();
  const TraceBatch b = got[0].merged();
  otlpd::fuzz::check_same(*a.read_parts().front().request, *b.read_parts().front().request, "filter on the wire");
  return 0;
}
