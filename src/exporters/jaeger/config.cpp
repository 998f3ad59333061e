// The `jaeger` exporter's config schema: configgrpc's client keys (default port 14250) and the exporter helper's.
#include "exporters/jaeger/config.h"

namespace otlpd::jaeger_exporter {

const Schema<JaegerConfig>& schema() {
  static const auto s =
      Schema<JaegerConfig>()
          .embed(&JaegerConfig::client, exporter_helper::grpc_client_schema(JaegerConfig{}.client, kDefaultPort))
          .embed(&JaegerConfig::settings, exporter_helper::exporter_settings_schema(JaegerConfig{}.settings));
  return s;
}

std::unique_ptr<JaegerConfig> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::jaeger_exporter

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::exporter, "jaeger", ::otlpd::jaeger_exporter::schema)
