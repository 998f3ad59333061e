// Configuration of the `apikeyauth` extension (server side): named API keys from a header.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::apikeyauth {

struct ApiKeyAuthConfig : ComponentConfig {
  std::string header = "x-api-key";         // lower-cased at parse
  std::map<std::string, std::string> keys;  // name → key, or "sha256:<64 hex>" of the key
  std::string keys_file;                    // lines "name:key" (or name:sha256:<hex>), read at start
};

// The key table (for `otlpd components --describe apikeyauth`) and the strict parse it drives.
const Schema<ApiKeyAuthConfig>& schema();
std::unique_ptr<ApiKeyAuthConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::apikeyauth
