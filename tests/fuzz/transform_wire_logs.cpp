// Fuzz target: the transform processor's log statements on received bytes (processors/transform/wire_transform)
// against the same statements on the decoded request; transform_wire does spans.
//
// Input: one option byte (bits 0-1: which configuration below), then an ExportLogsServiceRequest; bytes the wire
// check refuses are not looked at (the receiver would have refused them).
//
// Checks: see fuzz/support/wire_differential.h.
#include "fuzz/support/wire_differential.h"

namespace {

const char* const kConfigurations[] = {
    R"(log_statements: ['set(log.attributes["alert"], true) where log.severity_number >= SEVERITY_NUMBER_ERROR'])",
    R"(error_mode: ignore
log_statements: ['set(resource.attributes["saw"], log.body) where IsMatch(log.body, "^GET")',
                 'set(instrumentation_scope.name, "s") where Substring(log.body, 0, 1) == "p"'])",
    R"(log_statements: ['replace_pattern(log.body, "password [0-9]+", "***")', 'set(log.severity_text, "S")'])",
    R"(log_statements:
  - context: scope
    statements: ['set(version, "1.0")']
  - context: log
    statements: ['set(attributes["v"], instrumentation_scope.version) where attributes["http.route"] == "/health"'])",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return otlpd::fuzz::wire_differential_one<otlpd::LogBatch>("transform", kConfigurations, data, size);
}
