// Configuration of the `bearertokenauth` extension (server side), with the OpenTelemetry Collector's keys.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::bearertokenauth {

struct BearerTokenAuthConfig : ComponentConfig {
  std::string header = "authorization";  // lower-cased at parse
  std::string scheme = "Bearer";         // empty: the header holds the bare token
  std::vector<std::string> tokens;       // `token` / `bearer_token` and `tokens`
  std::string filename;                  // read at start; replaces `tokens`
};

// The key table (for `otlpd components --describe bearertokenauth`) and the strict parse it drives.
const Schema<BearerTokenAuthConfig>& schema();
std::unique_ptr<BearerTokenAuthConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::bearertokenauth
