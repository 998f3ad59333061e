// Configuration of the `oauth2client` extension (a client authenticator), with the OpenTelemetry Collector's keys.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/schema.h"
#include "core/component_config.h"
#include "core/tls.h"

namespace otlpd::oauth2client {

struct OAuth2ClientConfig : ComponentConfig {
  std::string client_id, client_secret;            // or the files
  std::string client_id_file, client_secret_file;  // re-read when they change
  std::string token_url;                           // required
  std::vector<std::string> scopes;
  std::vector<std::pair<std::string, std::string>> endpoint_params;  // extra form fields, a name may repeat
  Duration timeout = std::chrono::seconds(10);
  Duration expiry_buffer = std::chrono::minutes(5);
  TlsSettings tls;
};

const Schema<OAuth2ClientConfig>& schema();
std::unique_ptr<OAuth2ClientConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::oauth2client
