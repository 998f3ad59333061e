// The `attributes` processor: runs insert/update/upsert/delete/hash/extract/convert actions, in order, on span,
// log record or metric data point attributes, for items selected by include/exclude.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "codec/attribute_edit.h"
#include "codec/attribute_list.h"
#include "model/batch.h"
#include "processors/attributes/config.h"
#include "processors/common/values.h"

namespace otlpd::attributes_processor {

// What include/exclude look at for one item (the item's own fields through span, log or metric).
struct MatchSubject {
  const processors::Attributes* resource = nullptr;
  const opentelemetry::proto::common::v1::InstrumentationScope* scope = nullptr;
  const processors::Attributes* attributes = nullptr;
  const opentelemetry::proto::trace::v1::Span* span = nullptr;
  const opentelemetry::proto::logs::v1::LogRecord* log = nullptr;
  const opentelemetry::proto::metrics::v1::Metric* metric = nullptr;
};

// Whether the item matches every property given (the Collector's filterconfig semantics; lists: any entry).
bool matches(const MatchProperties& m, const MatchSubject& s);

// Applies the configured actions to every selected item of a request, in place (on the request's arena).
class AttributeActions {
 public:
  explicit AttributeActions(AttributesConfig cfg);

  void process(otlp_trace::ExportTraceServiceRequest& r, const RequestContext& ctx) const;
  void process(otlp_logs::ExportLogsServiceRequest& r, const RequestContext& ctx) const;
  void process(otlp_metrics::ExportMetricsServiceRequest& r, const RequestContext& ctx) const;

  // Runs the actions on one attribute set (exposed for tests).
  void apply(processors::Attributes& attrs, const RequestContext& ctx) const;
  // True when the actions apply to every span (no include/exclude), so that spans' attribute lists can be
  // edited on the wire without looking at the rest of the span.
  bool wire_editable() const;
  const std::vector<Action>& actions() const { return cfg_.actions; }
  // Action `action`'s configured value, with its serialisation for the wire form.
  otlp_wire::ValueView value(size_t action) const;

 private:
  AttributesConfig cfg_;
  std::vector<std::string> encoded_values_;
};

// Runs the actions on every `where` attribute list (span, log record, resource...) of a received trace or log
// request, on the wire: lists the actions leave alone stay as they came. Not ok() for metrics, or when the bytes
// cannot be read; callers then decode (processors::edit_parts does).
otlp_wire::RewriteResult rewrite(Signal signal, std::string_view request, otlp_wire::AttributesOf where,
                                 const AttributeActions& actions, const RequestContext& ctx);

}  // namespace otlpd::attributes_processor
