// Configuration of the `tempo` exporter: the `otlp` or `otlphttp` exporter's keys (chosen by `protocol`), plus the
// tenant sent as X-Scope-OrgID and optional basic auth.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config/schema.h"
#include "core/component_config.h"
#include "exporters/otlp/config.h"
#include "exporters/otlphttp/config.h"

namespace otlpd::tempo_exporter {

struct BasicAuth {
  std::string username;
  std::string password;
};

struct TempoConfig : ComponentConfig {
  enum class Protocol { grpc, http } protocol = Protocol::grpc;
  std::string tenant;
  std::optional<BasicAuth> basic_auth;
  // The transport `protocol` chose, with the tenant and credentials among its headers (they win over
  // `headers:` of the same name); the other one keeps its defaults.
  otlp_exporter::OtlpGrpcConfig grpc;
  otlphttp_exporter::OtlpHttpConfig http;
};

// Every key of both protocols (for `otlpd components --describe tempo`), and the strict parse: `protocol` picks
// the otlp or the otlphttp keys, and keys of the other protocol are unknown.
const ConfigSchema& schema();
std::unique_ptr<TempoConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::tempo_exporter
