// Fuzz target: the filter processor's OTTL span conditions on received bytes (processors/filter/wire_filter)
// against the same filter on the decoded request.
//
// Input: one option byte (bits 0-1: which condition set below), then an ExportTraceServiceRequest; bytes the wire
// check refuses are not looked at (the receiver would have refused them).
//
// Checks: see fuzz/support/wire_differential.h.
#include "fuzz/support/wire_differential.h"

namespace {

const char* const kConfigurations[] = {
    R"(traces: {span: ['attributes["http.route"] == "/health"', 'kind == SPAN_KIND_CLIENT']})",
    R"(traces: {span: ['resource.attributes["service.name"] == "cron" or IsMatch(name, "^GET")']})",
    R"(error_mode: ignore
traces: {span: ['Substring(name, 0, 3) == "GET"', 'instrumentation_scope.name == "db"', 'status.code == 2']})",
    R"(traces: {span: ['trace_id.string != "" and attributes["n"] > 3', 'IsRootSpan()']})",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return otlpd::fuzz::wire_differential_one<otlpd::TraceBatch>("filter", kConfigurations, data, size);
}
