// The `otlphttp` exporter (alias `otlp_http`): OTLP over HTTP through the shared sending queue.
#include "core/registry.h"
#include "exporters/otlphttp/http_sender.h"

namespace otlpd::otlphttp_exporter {

namespace {

class OtlpHttpExporterFactory final : public ExporterFactory {
 public:
  std::string_view type() const override { return "otlphttp"; }
  std::vector<std::string_view> aliases() const override { return {"otlp_http"}; }
  bool supports(Signal) const override { return true; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }
  ExporterPtr create(const CreateSettings& s, const ComponentConfig& c) const override {
    const auto& cfg = config_as<OtlpHttpConfig>(c);
    return exporter_helper::make_queued_exporter(s.id.str(), cfg.settings, make_otlp_http_senders(cfg));
  }
};

}  // namespace

}  // namespace otlpd::otlphttp_exporter

using otlpd::otlphttp_exporter::OtlpHttpExporterFactory;
OTLPD_REGISTER_FACTORY(OtlpHttpExporterFactory)
