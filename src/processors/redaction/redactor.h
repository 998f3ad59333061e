// The `redaction` processor's work on one request: key rules, value scanning and summary attributes, in
// place.
#pragma once

#include <memory>
#include <string_view>

#include "codec/attribute_edit.h"
#include "model/batch.h"
#include "processors/redaction/config.h"

namespace otlpd::redaction {

// Compiled rules; process() only reads them, so one Redactor serves any number of threads at once.
class Redactor {
 public:
  // Throws std::invalid_argument when a pattern does not compile (parse_redaction_config checks them first).
  explicit Redactor(const RedactionConfig& cfg);
  ~Redactor();

  void process(otlp_trace::ExportTraceServiceRequest& request) const;
  void process(otlp_metrics::ExportMetricsServiceRequest& request) const;
  void process(otlp_logs::ExportLogsServiceRequest& request) const;
  // The same edit on a serialised ExportTraceServiceRequest or ExportLogsServiceRequest (`signal`; bytes
  // otlp_wire::check accepted), without decoding it: lists that need no change are copied as they are; the
  // others are decoded alone and redacted as above. Not ok (a log body that would change, say): the caller
  // decodes the request and uses process().
  otlp_wire::RewriteResult process_wire(Signal signal, std::string_view request) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace otlpd::redaction
