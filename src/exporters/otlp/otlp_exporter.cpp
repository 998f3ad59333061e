// The `otlp` exporter (alias `otlp_grpc`): OTLP over gRPC through the shared sending queue.
#include "core/registry.h"
#include "exporters/otlp/grpc_sender.h"

namespace otlpd::otlp_exporter {

namespace {

class OtlpExporterFactory final : public ExporterFactory {
 public:
  std::string_view type() const override { return "otlp"; }
  std::vector<std::string_view> aliases() const override { return {"otlp_grpc"}; }
  bool supports(Signal) const override { return true; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }
  ExporterPtr create(const CreateSettings& s, const ComponentConfig& c) const override {
    const auto& cfg = config_as<OtlpGrpcConfig>(c);
    return exporter_helper::make_queued_exporter(s.id.str(), cfg.settings, make_otlp_grpc_senders(cfg));
  }
};

}  // namespace

}  // namespace otlpd::otlp_exporter

using otlpd::otlp_exporter::OtlpExporterFactory;
OTLPD_REGISTER_FACTORY(OtlpExporterFactory)
