// Fuzz target: the transform processor's trace statements on received bytes (processors/transform/wire_transform)
// against the same statements on the decoded request.
//
// Input: one option byte (bits 0-2: which configuration below), then an ExportTraceServiceRequest; bytes the wire
// check refuses are not looked at (the receiver would have refused them).
//
// Checks: see fuzz/support/wire_differential.h.
#include "fuzz/support/wire_differential.h"

namespace {

const char* const kConfigurations[] = {
    R"(trace_statements: ['set(span.attributes["env"], "prod")', 'delete_key(span.attributes, "http.route")'])",
    R"(trace_statements: ['set(span.name, "health") where span.attributes["http.route"] == "/health"',
                         'set(span.status.code, STATUS_CODE_ERROR) where IsMatch(span.name, "^GET")'])",
    R"(error_mode: ignore
trace_statements: ['set(resource.attributes["client"], span.name) where span.kind == SPAN_KIND_CLIENT',
                   'set(instrumentation_scope.version, "2") where Substring(span.name, 0, 1) == "G"'])",
    R"(trace_statements:
  - context: resource
    statements: ['set(attributes["team"], "payments") where attributes["service.name"] == "cron"']
  - context: scope
    statements: ['set(name, "renamed") where name == "http"']
  - context: span
    statements: ['set(attributes["team"], resource.attributes["team"])'])",
    R"(trace_statements:
  - context: span
    statements: ['set(resource.attributes["last"], name)', 'set(cache["n"], name)']
  - context: span
    statements: ['set(attributes["last"], resource.attributes["last"]) where kind == SPAN_KIND_SERVER'])",
    R"(error_mode: ignore
trace_statements:
  - context: spanevent
    statements: ['set(attributes["span"], span.name) where name == "exception"', 'set(span.attributes["e"], name)'])",
    R"(trace_statements: [{context: resource, statements: ['delete_key(attributes, "service.name")']}])",
    R"(error_mode: ignore
trace_statements: ['set(span.attributes["sub"], Substring(span.name, 2, 3))', 'set(span.trace_state, "k=v")'])",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return otlpd::fuzz::wire_differential_one<otlpd::TraceBatch>("transform", kConfigurations, data, size);
}
