// A test OpenID provider: an HTTP server on 127.0.0.1:<free port> serving discovery, a JWKS and a
// client-credentials token endpoint, with keys made in-process by OpenSSL (RSA 2048, P-256), and helpers that
// sign tokens well and badly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/sync_http_server.h"

namespace otlpd::test {

// base64url without padding (RFC 7515 §2).
std::string base64url(std::string_view bytes);

class TestIssuer {
 public:
  // Starts with an RSA key "rsa-1" and a P-256 key "ec-1", both published; over HTTPS when `tls` names a
  // certificate and key.
  explicit TestIssuer(SyncHttpServer::Tls tls = {});
  ~TestIssuer();
  TestIssuer(const TestIssuer&) = delete;
  TestIssuer& operator=(const TestIssuer&) = delete;

  std::string url() const;  // the issuer: "http://127.0.0.1:<port>" ("https://" with TLS)
  std::string token_url() const { return url() + "/token"; }

  // Makes a new key (published or not).
  void add_rsa_key(const std::string& kid, bool publish = true);
  void add_ec_key(const std::string& kid, bool publish = true);
  void publish(const std::string& kid, bool published);

  // A token signed with `kid` (RS256 for RSA keys, ES256 for EC) over `claims` (a JSON object).
  std::string sign(const std::string& kid, const std::string& claims) const;
  // The claims of a good token: this issuer, `audience`, subject `sub`, valid for `ttl_seconds` from now (negative:
  // expired), and `extra` members (",\"groups\":[...]").
  std::string claims(const std::string& audience, const std::string& sub, int64_t ttl_seconds,
                     const std::string& extra = "") const;
  // Tokens an attacker makes: header {"alg":"none"} and no signature; HS256 with the RSA key's public PEM as
  // the HMAC secret, naming the RSA key's kid.
  std::string unsigned_token(const std::string& kid, const std::string& claims) const;
  std::string hs256_with_public_key(const std::string& kid, const std::string& claims) const;

  // The token endpoint accepts `client_id`/`client_secret` (Basic or in the body) and issues tokens signed with
  // "rsa-1" for `audience`, subject client_id, valid `ttl_seconds`.
  void set_client(const std::string& client_id, const std::string& client_secret, const std::string& audience,
                  int64_t ttl_seconds);

  // While down, every request is answered 503.
  void set_down(bool down);
  size_t discovery_requests() const;
  size_t jwks_requests() const;
  size_t token_requests() const;  // issued tokens

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace otlpd::test
