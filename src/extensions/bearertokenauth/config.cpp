// The `bearertokenauth` extension's config schema.
#include "extensions/bearertokenauth/config.h"

#include "platform/text.h"

namespace otlpd::bearertokenauth {

namespace {

using Cfg = BearerTokenAuthConfig;

// `token` and its older name `bearer_token`: one token, not empty.
Schema<Cfg>::Reader one_token(std::string key) {
  return [key](const ConfigNode& n, Cfg& c) {
    auto token = n.as<std::string>();
    if (token.empty()) n.fail(key + " must not be empty");
    c.tokens.push_back(std::move(token));
  };
}

}  // namespace

const Schema<Cfg>& schema() {
  static const auto s =
      Schema<Cfg>()
          .key("header", &Cfg::header, "header that carries the token (case-insensitive)")
          .key("scheme", &Cfg::scheme, "scheme before the token, as in '<scheme> <token>'; empty: the bare token")
          .custom("token", "string", "", "the accepted token (or use bearer_token, tokens or filename)",
                  one_token("token"))
          .custom("bearer_token", "string", "", "the Collector's older name of token", one_token("bearer_token"))
          .custom("tokens", "list of strings", "[]", "further accepted tokens",
                  [](const ConfigNode& n, Cfg& c) {
                    for (const auto& t : n.as<std::vector<std::string>>()) {
                      if (t.empty()) n.fail("tokens must not contain an empty token");
                      c.tokens.push_back(t);
                    }
                  })
          .key("filename", &Cfg::filename, "file holding the token, read at start (whitespace trimmed, at most 64 KiB)")
          .validate([](Cfg& c, const SchemaInput& in) {
            c.header = ascii_lower(c.header);
            if (c.header.empty()) in.fail("header", "header must not be empty");
            if (in.has("token") && in.has("bearer_token"))
              in.fail("bearer_token", "give either 'token' or 'bearer_token', not both");
            if (c.tokens.empty() && c.filename.empty())
              in.node().fail("bearertokenauth needs a token: set 'token' (or 'bearer_token'), 'tokens' or 'filename'");
            if (!c.tokens.empty() && !c.filename.empty())
              in.node().fail(
                  "bearertokenauth takes its token either inline ('token'/'tokens') or from 'filename', not both");
          });
  return s;
}

std::unique_ptr<Cfg> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::bearertokenauth

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::extension, "bearertokenauth", ::otlpd::bearertokenauth::schema)
