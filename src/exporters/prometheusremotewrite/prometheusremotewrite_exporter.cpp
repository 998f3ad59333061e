// The `prometheusremotewrite` exporter: metrics as Prometheus remote-write 1.0 requests (protobuf, snappy) POSTed
// through the shared sending queue and retry; a 4xx answer other than 429 is permanent, 429 and 5xx retried.
#include "core/registry.h"
#include "exporters/prometheusremotewrite/sender.h"

namespace otlpd::prometheusremotewrite_exporter {

namespace {

class RemoteWriteExporterFactory final : public ExporterFactory {
 public:
  std::string_view type() const override { return "prometheusremotewrite"; }
  bool supports(Signal s) const override { return s == Signal::metrics; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return schema().parse(node); }
  ExporterPtr create(const CreateSettings& s, const ComponentConfig& c) const override {
    const auto& cfg = config_as<RemoteWriteConfig>(c);
    exporter_helper::Senders senders;
    senders.metrics = make_remote_write_sender(s.id.str(), cfg);
    return exporter_helper::make_queued_exporter(s.id.str(), cfg.settings, std::move(senders));
  }
};

}  // namespace

}  // namespace otlpd::prometheusremotewrite_exporter

using otlpd::prometheusremotewrite_exporter::RemoteWriteExporterFactory;
OTLPD_REGISTER_FACTORY(RemoteWriteExporterFactory)
