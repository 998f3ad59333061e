// The `jaeger` exporter: traces to a Jaeger collector over its native api_v2 gRPC (PostSpans, port 14250).
#include "config/node.h"
#include "core/registry.h"
#include "exporters/helper/queued_exporter.h"
#include "exporters/jaeger/config.h"
#include "exporters/jaeger/sender.h"

namespace otlpd::jaeger_exporter {

namespace {

class JaegerExporterFactory final : public ExporterFactory {
 public:
  std::string_view type() const override { return "jaeger"; }
  bool supports(Signal s) const override { return s == Signal::traces; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }
  ExporterPtr create(const CreateSettings& s, const ComponentConfig& c) const override {
    const auto& cfg = config_as<JaegerConfig>(c);
    exporter_helper::Senders senders;
    senders.traces = make_trace_sender(s.id.str(), cfg);
    return exporter_helper::make_queued_exporter(s.id.str(), cfg.settings, std::move(senders));
  }
};

}  // namespace

}  // namespace otlpd::jaeger_exporter

using otlpd::jaeger_exporter::JaegerExporterFactory;
OTLPD_REGISTER_FACTORY(JaegerExporterFactory)
