// Configuration of the `basicauth` extension (server side with htpasswd, client side with client_auth), with the
// OpenTelemetry Collector's keys.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::basicauth {

// One htpasswd entry.
struct Entry {
  enum class Kind { plain, sha1 } kind = Kind::plain;
  std::string secret;  // the password, or base64(SHA-1(password))
};

// client_auth: the credentials an exporter sends; each value inline or from a file (re-read when it changes).
struct ClientAuth {
  std::string username, password;
  std::string username_file, password_file;  // otlpd's additions
};

struct BasicAuthConfig : ComponentConfig {
  // The entries of htpasswd.file and htpasswd.inline (read at parse time; inline entries win).
  std::map<std::string, Entry, std::less<>> users;
  std::optional<ClientAuth> client;  // set: a client authenticator (for exporters), not a server one
};

// The key table (for `otlpd components --describe basicauth`) and the strict parse it drives.
const Schema<BasicAuthConfig>& schema();
std::unique_ptr<BasicAuthConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::basicauth
