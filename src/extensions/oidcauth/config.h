// Configuration of the `oidc` extension (a server authenticator), with the OpenTelemetry Collector's keys.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::oidcauth {

struct OidcAuthConfig : ComponentConfig {
  std::string attribute = "authorization";  // the header with "Bearer <token>"; lower-cased at parse
  std::string issuer_url;                   // required
  std::string audience;                     // required
  std::string issuer_ca_path;               // PEM roots for the issuer's TLS; empty: the system's
  std::string username_claim = "sub";
  std::string groups_claim;
  // otlpd's additions: how often the keys are fetched again, and the least time between two fetches (a token
  // with an unknown key id asks for one).
  Duration jwks_refresh_interval = std::chrono::hours(1);
  Duration jwks_min_refresh_interval = std::chrono::seconds(10);
};

const Schema<OidcAuthConfig>& schema();
std::unique_ptr<OidcAuthConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::oidcauth
