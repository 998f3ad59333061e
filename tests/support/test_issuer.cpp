// The test OpenID provider: a SyncHttpServer; OpenSSL 3 keys and signatures.
#include "support/test_issuer.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>

#include "model/any_value.h"
#include "support/sync_http_server.h"

namespace otlpd::test {

namespace http = boost::beast::http;

std::string base64url(std::string_view bytes) {
  std::string s = base64_encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (auto& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return s;
}

namespace {

struct Key {
  std::shared_ptr<EVP_PKEY> pkey;
  bool ec = false;
  bool published = true;
};

std::string bn_bytes(const BIGNUM* bn, int pad) {
  std::string out(static_cast<size_t>(pad > 0 ? pad : BN_num_bytes(bn)), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
  return out;
}

std::string bn_param(EVP_PKEY* k, const char* name, int pad = 0) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(k, name, &bn) != 1) throw std::runtime_error("EVP_PKEY_get_bn_param");
  std::string out = bn_bytes(bn, pad);
  BN_free(bn);
  return out;
}

std::string jwk_json(const std::string& kid, const Key& k) {
  if (k.ec)
    return R"({"kty":"EC","crv":"P-256","use":"sig","kid":")" + kid + R"(","x":")" +
           base64url(bn_param(k.pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32)) + R"(","y":")" +
           base64url(bn_param(k.pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32)) + R"("})";
  return R"({"kty":"RSA","use":"sig","alg":"RS256","kid":")" + kid + R"(","n":")" +
         base64url(bn_param(k.pkey.get(), OSSL_PKEY_PARAM_RSA_N)) + R"(","e":")" +
         base64url(bn_param(k.pkey.get(), OSSL_PKEY_PARAM_RSA_E)) + R"("})";
}

std::string sign_with(EVP_PKEY* k, bool ec, std::string_view data) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  std::string sig;
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, k) != 1 ||
      EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    throw std::runtime_error("EVP_DigestSign");
  sig.resize(len);
  if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    throw std::runtime_error("EVP_DigestSign");
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  if (!ec) return sig;
  // DER → r || s
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  if (!es) throw std::runtime_error("d2i_ECDSA_SIG");
  std::string raw = bn_bytes(ECDSA_SIG_get0_r(es), 32) + bn_bytes(ECDSA_SIG_get0_s(es), 32);
  ECDSA_SIG_free(es);
  return raw;
}

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Decodes %XX and '+' of a form value.
std::string form_unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::map<std::string, std::string> parse_form(std::string_view body) {
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    auto amp = body.find('&');
    auto pair = body.substr(0, amp);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos) out[form_unescape(pair.substr(0, eq))] = form_unescape(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace

struct TestIssuer::Impl {
  mutable std::mutex mu;
  bool down = false;
  std::string base;  // "http(s)://127.0.0.1:<port>"
  std::map<std::string, Key> keys;
  size_t discovery = 0, jwks = 0, tokens = 0;
  std::string client_id, client_secret, audience;
  int64_t ttl = 3600;
  TestIssuer* owner = nullptr;

  const std::string& url() const { return base; }

  std::string jwks_body() {
    std::string out = R"({"keys":[)";
    bool first = true;
    for (const auto& [kid, k] : keys) {
      if (!k.published) continue;
      if (!first) out += ",";
      first = false;
      out += jwk_json(kid, k);
    }
    return out + "]}";
  }

  // Answers one request: status and body (JSON).
  std::pair<int, std::string> answer(const SyncHttpServer::Request& req) {
    std::unique_lock lock(mu);
    if (down) return {503, R"({"error":"down"})"};
    const std::string target(req.target());
    if (target == "/.well-known/openid-configuration") {
      ++discovery;
      return {200, R"({"issuer":")" + url() + R"(","jwks_uri":")" + url() + R"(/jwks","token_endpoint":")" + url() +
                       R"(/token"})"};
    }
    if (target == "/jwks") {
      ++jwks;
      return {200, jwks_body()};
    }
    if (target == "/token" && req.method() == http::verb::post) {
      auto form = parse_form(req.body());
      std::string id = form["client_id"], secret = form["client_secret"];
      auto auth = req.find(http::field::authorization);
      if (auth != req.end()) {
        std::string v(auth->value());
        if (v.rfind("Basic ", 0) == 0) {
          std::string decoded;
          std::unique_ptr<unsigned char[]> buf(new unsigned char[v.size()]);
          int n = EVP_DecodeBlock(buf.get(), reinterpret_cast<const unsigned char*>(v.data() + 6),
                                  static_cast<int>(v.size() - 6));
          if (n > 0) decoded.assign(reinterpret_cast<char*>(buf.get()), static_cast<size_t>(n));
          while (!decoded.empty() && decoded.back() == '\0') decoded.pop_back();
          auto colon = decoded.find(':');
          if (colon != std::string::npos) {
            id = form_unescape(decoded.substr(0, colon));
            secret = form_unescape(decoded.substr(colon + 1));
          }
        }
      }
      if (form["grant_type"] != "client_credentials") return {400, R"({"error":"unsupported_grant_type"})"};
      if (client_id.empty() || id != client_id || secret != client_secret)
        return {401, R"({"error":"invalid_client"})"};
      ++tokens;
      std::string aud = audience;
      int64_t t = ttl;
      lock.unlock();
      std::string token = owner->sign("rsa-1", owner->claims(aud, id, t));
      return {200,
              R"({"access_token":")" + token + R"(","token_type":"Bearer","expires_in":)" + std::to_string(t) + "}"};
    }
    return {404, R"({"error":"not found"})"};
  }

  std::unique_ptr<SyncHttpServer> server;  // last: stopped before the state its handler uses goes
};

TestIssuer::TestIssuer(SyncHttpServer::Tls tls) : impl_(std::make_unique<Impl>()) {
  impl_->owner = this;
  add_rsa_key("rsa-1");
  add_ec_key("ec-1");
  impl_->server = std::make_unique<SyncHttpServer>(
      [im = impl_.get()](const SyncHttpServer::Request& req, SyncHttpServer::Response& res) {
        auto [status, body] = im->answer(req);
        res.result(static_cast<unsigned>(status));
        res.set(http::field::content_type, "application/json");
        res.body() = std::move(body);
      },
      1024 * 1024, std::move(tls));
  impl_->base = impl_->server->url();
}

TestIssuer::~TestIssuer() = default;

std::string TestIssuer::url() const { return impl_->url(); }

void TestIssuer::add_rsa_key(const std::string& kid, bool publish) {
  std::shared_ptr<EVP_PKEY> k(EVP_RSA_gen(2048), EVP_PKEY_free);
  if (!k) throw std::runtime_error("EVP_RSA_gen");
  std::lock_guard lock(impl_->mu);
  impl_->keys[kid] = Key{k, false, publish};
}

void TestIssuer::add_ec_key(const std::string& kid, bool publish) {
  std::shared_ptr<EVP_PKEY> k(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!k) throw std::runtime_error("EVP_EC_gen");
  std::lock_guard lock(impl_->mu);
  impl_->keys[kid] = Key{k, true, publish};
}

void TestIssuer::publish(const std::string& kid, bool published) {
  std::lock_guard lock(impl_->mu);
  impl_->keys.at(kid).published = published;
}

std::string TestIssuer::sign(const std::string& kid, const std::string& claims) const {
  Key k;
  {
    std::lock_guard lock(impl_->mu);
    k = impl_->keys.at(kid);
  }
  std::string header =
      std::string(R"({"alg":")") + (k.ec ? "ES256" : "RS256") + R"(","typ":"JWT","kid":")" + kid + R"("})";
  std::string signing_input = base64url(header) + "." + base64url(claims);
  return signing_input + "." + base64url(sign_with(k.pkey.get(), k.ec, signing_input));
}

std::string TestIssuer::claims(const std::string& audience, const std::string& sub, int64_t ttl_seconds,
                               const std::string& extra) const {
  int64_t now = now_seconds();
  return R"({"iss":")" + url() + R"(","aud":")" + audience + R"(","sub":")" + sub + R"(","iat":)" +
         std::to_string(now) + R"(,"exp":)" + std::to_string(now + ttl_seconds) + extra + "}";
}

std::string TestIssuer::unsigned_token(const std::string& kid, const std::string& claims) const {
  return base64url(R"({"alg":"none","kid":")" + kid + R"("})") + "." + base64url(claims) + ".";
}

std::string TestIssuer::hs256_with_public_key(const std::string& kid, const std::string& claims) const {
  Key k;
  {
    std::lock_guard lock(impl_->mu);
    k = impl_->keys.at(kid);
  }
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, k.pkey.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string secret(data, static_cast<size_t>(len));
  BIO_free(bio);
  std::string signing_input =
      base64url(R"({"alg":"HS256","typ":"JWT","kid":")" + kid + R"("})") + "." + base64url(claims);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac, &mac_len);
  return signing_input + "." + base64url(std::string_view(reinterpret_cast<char*>(mac), mac_len));
}

void TestIssuer::set_client(const std::string& client_id, const std::string& client_secret, const std::string& audience,
                            int64_t ttl_seconds) {
  std::lock_guard lock(impl_->mu);
  impl_->client_id = client_id;
  impl_->client_secret = client_secret;
  impl_->audience = audience;
  impl_->ttl = ttl_seconds;
}

void TestIssuer::set_down(bool down) {
  std::lock_guard lock(impl_->mu);
  impl_->down = down;
}

size_t TestIssuer::discovery_requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->discovery;
}

size_t TestIssuer::jwks_requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->jwks;
}

size_t TestIssuer::token_requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->tokens;
}

}  // namespace otlpd::test
