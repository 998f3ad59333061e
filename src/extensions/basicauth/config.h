// Configuration of the `basicauth` extension (server side), with the OpenTelemetry Collector's keys.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::basicauth {

// One htpasswd entry.
struct Entry {
  enum class Kind { plain, sha1 } kind = Kind::plain;
  std::string secret;  // the password, or base64(SHA-1(password))
};

struct BasicAuthConfig : ComponentConfig {
  // The entries of htpasswd.file and htpasswd.inline (read at parse time; inline entries win).
  std::map<std::string, Entry, std::less<>> users;
};

// The key table (for `otlpd components --describe basicauth`) and the strict parse it drives.
const Schema<BasicAuthConfig>& schema();
std::unique_ptr<BasicAuthConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::basicauth
