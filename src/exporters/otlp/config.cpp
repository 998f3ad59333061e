// The `otlp` exporter's config schema: configgrpc's client keys and the exporter helper's.
#include "exporters/otlp/config.h"

namespace otlpd::otlp_exporter {

const Schema<OtlpGrpcConfig>& schema() {
  static const auto s =
      Schema<OtlpGrpcConfig>()
          .embed(&OtlpGrpcConfig::client, exporter_helper::grpc_client_schema(OtlpGrpcConfig{}.client))
          .embed(&OtlpGrpcConfig::settings, exporter_helper::exporter_settings_schema(OtlpGrpcConfig{}.settings));
  return s;
}

std::unique_ptr<OtlpGrpcConfig> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::otlp_exporter

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::exporter, "otlp", ::otlpd::otlp_exporter::schema)
