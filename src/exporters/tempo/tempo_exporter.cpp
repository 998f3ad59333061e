// The `tempo` exporter: OTLP to Grafana Tempo over gRPC or HTTP, reusing the otlp/otlphttp senders, with the
// tenant sent as X-Scope-OrgID and optional basic auth.
#include <variant>

#include "core/registry.h"
#include "exporters/otlp/config.h"
#include "exporters/otlphttp/config.h"

namespace otlpd::tempo_exporter {

namespace {

struct TempoConfig : ComponentConfig {
  // Exactly one of the two, chosen by `protocol` (grpc by default).
  std::variant<otlp_exporter::OtlpGrpcConfig, otlphttp_exporter::OtlpHttpConfig> transport;
  std::string tenant;
};

// Headers that carry the tenant and credentials; they win over `headers:` of the same name.
std::map<std::string, std::string> tempo_headers(MapReader& r, std::string& tenant) {
  std::map<std::string, std::string> h;
  if (r.get("tenant", tenant) && !tenant.empty()) {
    if (tenant.find_first_of("\r\n") != std::string::npos) r.child("tenant")->fail("tenant has a line break");
    h["X-Scope-OrgID"] = tenant;
  }
  if (auto b = r.child("basic_auth"); b && !b->is_null()) {
    std::string user, password;
    MapReader br(*b);
    br.require("username", user);
    br.get("password", password);
    br.finish();
    if (user.find(':') != std::string::npos) b->fail("basic_auth username must not contain ':'");
    h["Authorization"] = "Basic " + exporter_helper::base64_encode(user + ":" + password);
  }
  return h;
}

class TempoExporterFactory final : public ExporterFactory {
 public:
  std::string_view type() const override { return "tempo"; }
  // Tempo ingests traces only.
  bool supports(Signal s) const override { return s == Signal::traces; }

  ComponentConfigPtr parse(const ConfigNode& node) const override {
    auto cfg = std::make_unique<TempoConfig>();
    MapReader r(node);
    std::string protocol = "grpc";
    r.get("protocol", protocol);
    auto extra = tempo_headers(r, cfg->tenant);
    if (protocol == "grpc") {
      otlp_exporter::OtlpGrpcConfig g;
      otlp_exporter::read_otlp_grpc_config(r, g);
      r.finish();
      otlp_exporter::finish_otlp_grpc_config(node, g);
      for (auto& [k, v] : extra) g.headers[k] = v;
      cfg->transport = std::move(g);
    } else if (protocol == "http") {
      otlphttp_exporter::OtlpHttpConfig h;
      otlphttp_exporter::read_otlp_http_config(r, h);
      r.finish();
      otlphttp_exporter::finish_otlp_http_config(node, h);
      for (auto& [k, v] : extra) h.headers[k] = v;
      cfg->transport = std::move(h);
    } else {
      r.child("protocol")->fail("unknown protocol '" + protocol + "'; valid: grpc, http");
    }
    return cfg;
  }

  ExporterPtr create(const CreateSettings& s, const ComponentConfig& c) const override {
    const auto& cfg = config_as<TempoConfig>(c);
    if (const auto* g = std::get_if<otlp_exporter::OtlpGrpcConfig>(&cfg.transport)) {
      auto senders = otlp_exporter::make_otlp_grpc_senders(*g);
      senders.metrics.reset();
      senders.logs.reset();
      return exporter_helper::make_queued_exporter(s.id.str(), g->settings, std::move(senders));
    }
    const auto& h = std::get<otlphttp_exporter::OtlpHttpConfig>(cfg.transport);
    auto senders = otlphttp_exporter::make_otlp_http_senders(h);
    senders.metrics.reset();
    senders.logs.reset();
    return exporter_helper::make_queued_exporter(s.id.str(), h.settings, std::move(senders));
  }
};

}  // namespace

}  // namespace otlpd::tempo_exporter

using otlpd::tempo_exporter::TempoExporterFactory;
OTLPD_REGISTER_FACTORY(TempoExporterFactory)
