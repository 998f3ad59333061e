// The `oauth2client` extension's config schema.
#include "extensions/oauth2client/config.h"

#include "exporters/helper/client_settings.h"

namespace otlpd::oauth2client {

using Cfg = OAuth2ClientConfig;

const Schema<Cfg>& schema() {
  static const auto s =
      Schema<Cfg>()
          .key("client_id", &Cfg::client_id, "the client's id (or client_id_file)")
          .key("client_secret", &Cfg::client_secret, "the client's secret (or client_secret_file)")
          .key("client_id_file", &Cfg::client_id_file, "file holding the client id, re-read when it changes")
          .key("client_secret_file", &Cfg::client_secret_file,
               "file holding the client secret, re-read when it changes")
          .key("token_url", &Cfg::token_url, "the token endpoint (client-credentials grant)", required<std::string>())
          .key("scopes", &Cfg::scopes, "scopes requested, sent space-separated")
          .custom("endpoint_params", "map of strings or lists of strings", "{}",
                  "further form parameters sent to the token endpoint (audience, resource, ...)",
                  [](const ConfigNode& n, Cfg& c) {
                    for (const auto& [name, value] : n.entries()) {
                      if (value.is_sequence()) {
                        for (const auto& v : value.items()) c.endpoint_params.emplace_back(name, v.scalar());
                      } else if (value.is_scalar()) {
                        c.endpoint_params.emplace_back(name, value.scalar());
                      } else {
                        value.fail("endpoint_params." + name + " must be a string or a list of strings");
                      }
                    }
                  })
          .key("timeout", &Cfg::timeout, "time-out of one token request (the Collector: none)",
               at_least(Duration(std::chrono::milliseconds(1))))
          .key("expiry_buffer", &Cfg::expiry_buffer,
               "a token is fetched again this long before it expires (at most half its lifetime)",
               at_least(Duration::zero()))
          .block("tls", "map", "client TLS for an https:// token_url", exporter_helper::client_tls_schema(),
                 [](const ConfigNode& n, Cfg& c) { c.tls = exporter_helper::parse_client_tls(n, TlsLibrary::openssl); })
          .validate([](Cfg& c, const SchemaInput& in) {
            if (!c.token_url.starts_with("https://") && !c.token_url.starts_with("http://"))
              in.fail("token_url", "token_url must be an http:// or https:// URL");
            if (c.client_id.empty() == c.client_id_file.empty())
              in.node().fail("oauth2client needs exactly one of 'client_id' and 'client_id_file'");
            if (c.client_secret.empty() == c.client_secret_file.empty())
              in.node().fail("oauth2client needs exactly one of 'client_secret' and 'client_secret_file'");
          });
  return s;
}

std::unique_ptr<Cfg> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::oauth2client

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::extension, "oauth2client", ::otlpd::oauth2client::schema)
