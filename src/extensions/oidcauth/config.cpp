// The `oidc` extension's config schema.
#include "extensions/oidcauth/config.h"

#include "platform/text.h"

namespace otlpd::oidcauth {

using Cfg = OidcAuthConfig;

const Schema<Cfg>& schema() {
  static const auto s =
      Schema<Cfg>()
          .key("issuer_url", &Cfg::issuer_url,
               "base URL of the OpenID provider (discovery at /.well-known/openid-configuration); tokens' iss must "
               "equal it",
               required<std::string>())
          .key("audience", &Cfg::audience, "the audience tokens must name in aud (the client id)",
               required<std::string>())
          .key("issuer_ca_path", &Cfg::issuer_ca_path, "PEM CA certificates for the issuer's TLS; empty: the system's")
          .key("attribute", &Cfg::attribute, "header that carries 'Bearer <token>' (case-insensitive)")
          .key("username_claim", &Cfg::username_claim, "string claim that becomes the principal and auth.subject")
          .key("groups_claim", &Cfg::groups_claim,
               "claim (string or list of strings) whose values become auth.membership")
          .key("jwks_refresh_interval", &Cfg::jwks_refresh_interval,
               "otlpd's addition: how often the issuer's keys are fetched again",
               at_least(Duration(std::chrono::seconds(1))))
          .key("jwks_min_refresh_interval", &Cfg::jwks_min_refresh_interval,
               "otlpd's addition: least time between two fetches of the keys (an unknown kid asks for one)",
               at_least(Duration(std::chrono::milliseconds(100))))
          .validate([](Cfg& c, const SchemaInput& in) {
            c.attribute = ascii_lower(trim(c.attribute));
            if (c.attribute.empty()) in.fail("attribute", "attribute must not be empty");
            if (!c.issuer_url.starts_with("https://") && !c.issuer_url.starts_with("http://"))
              in.fail("issuer_url", "issuer_url must be an http:// or https:// URL");
            if (c.audience.empty()) in.fail("audience", "audience must not be empty");
            if (c.username_claim.empty()) in.fail("username_claim", "username_claim must not be empty");
          });
  return s;
}

std::unique_ptr<Cfg> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::oidcauth

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::extension, "oidc", ::otlpd::oidcauth::schema)
