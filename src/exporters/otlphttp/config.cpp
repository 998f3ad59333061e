// The `otlphttp` exporter's config schema: confighttp's client keys, the per-signal URLs and the encoding.
#include "exporters/otlphttp/config.h"

namespace otlpd::otlphttp_exporter {

namespace {

std::string join_path(std::string base, std::string_view path) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + std::string(path);
}

// A per-signal URL key: a full http:// or https:// URL.
Schema<OtlpHttpConfig>::Reader url_reader(std::string OtlpHttpConfig::*member) {
  return [member](const ConfigNode& n, OtlpHttpConfig& c) {
    const std::string& url = c.*member = n.as<std::string>();
    if (!url.empty() && !url.starts_with("http://") && !url.starts_with("https://"))
      n.fail("'" + url + "' must be an http:// or https:// URL");
  };
}

}  // namespace

const Schema<OtlpHttpConfig>& schema() {
  static const auto s =
      Schema<OtlpHttpConfig>()
          .embed(&OtlpHttpConfig::client, exporter_helper::http_client_schema(OtlpHttpConfig{}.client))
          .custom("traces_endpoint", "string", "", "URL for traces; unset: endpoint + /v1/traces",
                  url_reader(&OtlpHttpConfig::traces_endpoint))
          .custom("metrics_endpoint", "string", "", "URL for metrics; unset: endpoint + /v1/metrics",
                  url_reader(&OtlpHttpConfig::metrics_endpoint))
          .custom("logs_endpoint", "string", "", "URL for logs; unset: endpoint + /v1/logs",
                  url_reader(&OtlpHttpConfig::logs_endpoint))
          .choice("encoding", &OtlpHttpConfig::encoding,
                  {{"proto", OtlpHttpConfig::Encoding::proto}, {"json", OtlpHttpConfig::Encoding::json}},
                  "body encoding: protobuf or OTLP/JSON")
          .embed(&OtlpHttpConfig::settings, exporter_helper::exporter_settings_schema(OtlpHttpConfig{}.settings))
          .validate([](OtlpHttpConfig& c, const SchemaInput& in) {
            for (auto [url, path] :
                 {std::pair{&c.traces_endpoint, "/v1/traces"}, std::pair{&c.metrics_endpoint, "/v1/metrics"},
                  std::pair{&c.logs_endpoint, "/v1/logs"}}) {
              if (!url->empty()) continue;
              if (c.client.endpoint.empty())
                in.fail(
                    "endpoint",
                    "'endpoint' is required unless traces_endpoint, metrics_endpoint and logs_endpoint are all set");
              *url = join_path(c.client.endpoint, path);
            }
          });
  return s;
}

std::unique_ptr<OtlpHttpConfig> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::otlphttp_exporter

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::exporter, "otlphttp", ::otlpd::otlphttp_exporter::schema)
