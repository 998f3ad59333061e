// Fuzz target: what the oidc and oauth2client extensions read from the network (src/extensions/oidcauth/jwt.h):
// the JWKS, the discovery document, a token endpoint's answer, and bearer tokens.
//
// Input: one option byte (modulo 4: 0 JWKS, 1 discovery, 2 token answer, 3 a token), then the text.
//
// Checks: nothing crashes or throws; a parsed JWKS holds 1 to 100 keys, each with an OpenSSL key; a token is
// never accepted (the key it would need is made at start-up and its private half thrown away, so any accepted
// input is a forgery); a refused token says why.
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "extensions/oidcauth/jwt.h"
#include "fuzz/support/fuzz.h"

namespace {

using namespace otlpd::oidcauth;

#define JWT_CHECK(cond, detail)                                                \
  do {                                                                         \
    if (!(cond)) otlpd::fuzz::check_failed(__FILE__, __LINE__, #cond, detail); \
  } while (0)

// An RSA and a P-256 key whose private halves nobody has, under kids "r" and "e".
const KeySet& keys() {
  static const KeySet set = [] {
    KeySet s;
    s.keys.push_back({"r", "", Jwk::Type::rsa, std::shared_ptr<EVP_PKEY>(EVP_RSA_gen(2048), EVP_PKEY_free)});
    s.keys.push_back({"e", "", Jwk::Type::ec_p256, std::shared_ptr<EVP_PKEY>(EVP_EC_gen("P-256"), EVP_PKEY_free)});
    return s;
  }();
  return set;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  otlpd::fuzz::Input in(data, size);
  const int what = in.byte() % 4;
  const std::string_view text = in.rest();
  if (what == 0) {
    KeySet set;
    if (parse_jwks(text, set).empty()) {
      JWT_CHECK(!set.keys.empty() && set.keys.size() <= kMaxJwksKeys, "key count");
      for (const auto& k : set.keys) JWT_CHECK(k.key != nullptr, k.kid);
    }
  } else if (what == 1) {
    std::string issuer, uri;
    if (parse_discovery(text, issuer, uri).empty()) JWT_CHECK(!uri.empty(), "jwks_uri");
  } else if (what == 2) {
    std::string token;
    int64_t expires_in = -1;
    if (parse_token_response(text, token, expires_in).empty())
      JWT_CHECK(!token.empty() && expires_in >= 0, "token answer");
  } else {
    VerifyOptions options;
    options.issuer = "https://issuer.example";
    options.audience = "otlpd";
    options.username_claim = "sub";
    options.groups_claim = "groups";
    options.now = 1800000000;
    options.leeway = 60;
    Verified v = verify_jwt(text, keys(), options);
    JWT_CHECK(!v.ok, "a token was accepted without the private key");
    JWT_CHECK(!v.error.empty(), "refused without a reason");
  }
  return 0;
}
