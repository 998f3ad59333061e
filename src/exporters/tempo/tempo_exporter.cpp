// The `tempo` exporter: OTLP to Grafana Tempo over gRPC or HTTP, reusing the otlp/otlphttp senders, with the
// tenant sent as X-Scope-OrgID and optional basic auth.
#include "core/registry.h"
#include "exporters/otlp/grpc_sender.h"
#include "exporters/otlphttp/http_sender.h"
#include "exporters/tempo/config.h"

namespace otlpd::tempo_exporter {

namespace {

class TempoExporterFactory final : public ExporterFactory {
 public:
  std::string_view type() const override { return "tempo"; }
  // Tempo ingests traces only.
  bool supports(Signal s) const override { return s == Signal::traces; }

  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }

  ExporterPtr create(const CreateSettings& s, const ComponentConfig& c) const override {
    const auto& cfg = config_as<TempoConfig>(c);
    const bool grpc = cfg.protocol == TempoConfig::Protocol::grpc;
    auto senders =
        grpc ? otlp_exporter::make_otlp_grpc_senders(cfg.grpc) : otlphttp_exporter::make_otlp_http_senders(cfg.http);
    senders.metrics.reset();
    senders.logs.reset();
    return exporter_helper::make_queued_exporter(s.id.str(), grpc ? cfg.grpc.settings : cfg.http.settings,
                                                 std::move(senders));
  }
};

}  // namespace

}  // namespace otlpd::tempo_exporter

using otlpd::tempo_exporter::TempoExporterFactory;
OTLPD_REGISTER_FACTORY(TempoExporterFactory)
