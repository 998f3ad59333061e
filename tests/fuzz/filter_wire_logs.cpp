// Fuzz target: the filter processor's OTTL log record conditions (and condition maps, which become OTTL) on received
// bytes (processors/filter/wire_filter) against the same filter on the decoded request; filter_wire does spans.
//
// Input: one option byte (bits 0-1: which condition set below), then an ExportLogsServiceRequest; bytes the wire
// check refuses are not looked at (the receiver would have refused them).
//
// Checks: see fuzz/support/wire_differential.h.
#include "fuzz/support/wire_differential.h"

namespace {

const char* const kConfigurations[] = {
    R"(logs: {log_record: ['attributes["http.route"] == "/health"', 'severity_number < SEVERITY_NUMBER_WARN']})",
    R"(logs: {log_record: ['resource.attributes["service.name"] == "cron" or IsMatch(body, "password")']})",
    R"(error_mode: ignore
logs: {log_record: ['Substring(body, 0, 3) == "GET"', 'instrumentation_scope.name == "db"', 'body["k"] > 2']})",
    R"(logs: {log_record: [{severity_text: {regexp: "^E"}, resource_attributes: {service.name: api}},
                       {body: {regexp: '[0-9]'}}, 'trace_id.string != "" and attributes["n"] > 3']})",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return otlpd::fuzz::wire_differential_one<otlpd::LogBatch>("filter", kConfigurations, data, size);
}
