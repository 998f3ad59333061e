// The `apikeyauth` extension's config schema.
#include "extensions/apikeyauth/config.h"

#include "platform/text.h"

namespace otlpd::apikeyauth {

using Cfg = ApiKeyAuthConfig;

const Schema<Cfg>& schema() {
  static const auto s =
      Schema<Cfg>()
          .key("header", &Cfg::header, "header that carries the API key (case-insensitive)")
          .key("keys", &Cfg::keys, "name → key (or sha256:<hex> of the key); the name becomes the principal")
          .key("keys_file", &Cfg::keys_file, "file of 'name:key' lines (# comments), read at start, at most 1 MiB")
          .validate([](Cfg& c, const SchemaInput& in) {
            c.header = ascii_lower(trim(c.header));
            if (c.header.empty()) in.fail("header", "header must not be empty");
            if (c.keys.empty() && c.keys_file.empty())
              in.node().fail("apikeyauth needs keys: set 'keys' (name: key) and/or 'keys_file'");
            for (const auto& [name, key] : c.keys) {
              if (name.empty()) in.fail("keys", "a key's name must not be empty");
              if (key.empty()) in.fail("keys", "the key of '" + name + "' is empty");
              if (key.starts_with("sha256:") &&
                  (key.size() != 7 + 64 || key.find_first_not_of("0123456789abcdefABCDEF", 7) != std::string::npos))
                in.fail("keys", "the key of '" + name + "' has the sha256: prefix but not 64 hex digits");
            }
          });
  return s;
}

std::unique_ptr<Cfg> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::apikeyauth

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::extension, "apikeyauth", ::otlpd::apikeyauth::schema)
