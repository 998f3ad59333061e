// JSON Web Tokens as an OpenID Connect relying party checks them: the issuer's discovery document, its JWKS
// (RSA and P-256 keys, OpenSSL 3 EVP), and a token's signature (RS256/RS384/RS512, ES256) and claims. Every
// input is hostile: sizes, JSON nesting and the number of keys are bounded before anything is trusted.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct evp_pkey_st;

namespace otlpd::oidcauth {

constexpr size_t kMaxTokenBytes = 16 * 1024;       // a longer Authorization value is refused unread
constexpr size_t kMaxDocumentBytes = 1024 * 1024;  // discovery document, JWKS, token endpoint answer
constexpr size_t kMaxJwksKeys = 100;               // a JWKS with more keys is refused
constexpr size_t kMaxJsonDepth = 16;               // deeper JSON is refused while parsing

// One verification key of the issuer's JWKS.
struct Jwk {
  enum class Type { rsa, ec_p256 };
  std::string kid;  // may be empty
  std::string alg;  // the JWK's "alg" when given: the only algorithm it may verify
  Type type = Type::rsa;
  std::shared_ptr<evp_pkey_st> key;
};

struct KeySet {
  std::vector<Jwk> keys;
};

// The discovery document's "issuer" and "jwks_uri". Returns an empty string, or what is wrong.
std::string parse_discovery(std::string_view json, std::string& issuer, std::string& jwks_uri);

// The usable signature keys of a JWKS ("use" absent or "sig"; RSA of 2048 bits or more, EC on P-256); others
// are skipped. Returns an empty string, or what is wrong (malformed, too many keys, no usable key).
std::string parse_jwks(std::string_view json, KeySet& out);

struct VerifyOptions {
  std::string issuer;          // "iss" must equal it
  std::string audience;        // "aud" (a string or an array) must contain it
  std::string username_claim;  // a string claim: the subject
  std::string groups_claim;    // empty: none; else a string or an array of strings
  int64_t now = 0;             // seconds since the epoch
  int64_t leeway = 0;          // seconds of clock skew allowed on exp and nbf
};

struct Verified {
  bool ok = false;
  bool unknown_kid = false;  // no key of the set matches the token's kid (a refresh may find it)
  std::string error;         // when not ok: why, never the token
  std::string subject;
  std::vector<std::string> groups;
};

// Checks a compact JWS: header (alg, kid; `none`, HS* and `crit` refused), the signature with the key named by
// kid (or the only key of the alg's type when there is no kid) whose type must match alg, then the claims.
Verified verify_jwt(std::string_view token, const KeySet& keys, const VerifyOptions& options);

}  // namespace otlpd::oidcauth

namespace otlpd::oidcauth {

// A token endpoint's answer (RFC 6749 §5.1): access_token and expires_in (seconds; 0 when absent); for an error
// answer (§5.2) the `error` and `error_description`. Returns an empty string, or what is wrong.
std::string parse_token_response(std::string_view json, std::string& access_token, int64_t& expires_in);

}  // namespace otlpd::oidcauth
