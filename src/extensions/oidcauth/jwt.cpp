// JWT, JWKS and discovery parsing and verification (jwt.h), on simdjson and OpenSSL 3's EVP interface.
#include "extensions/oidcauth/jwt.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

namespace otlpd::oidcauth {

namespace {

namespace dom = simdjson::dom;

constexpr size_t kMaxRsaModulusBytes = 1024;  // 8192 bits: larger keys only cost verification time
constexpr int kMinRsaBits = 2048;

// Parses `json` (at most kMaxDocumentBytes, nesting at most kMaxJsonDepth) into `root`, which lives as long as
// `parser`.
std::string parse_json(dom::parser& parser, std::string_view json, dom::element& root) {
  if (json.size() > kMaxDocumentBytes) return "document larger than 1 MiB";
  if (parser.allocate(std::max<size_t>(json.size(), 64), kMaxJsonDepth) != simdjson::SUCCESS)
    return "out of memory allocating the JSON parser";
  if (auto err = parser.parse(json.data(), json.size()).get(root); err != simdjson::SUCCESS)
    return std::string("invalid JSON: ") + simdjson::error_message(err);
  return {};
}

// A string member, or nothing (absent or another type).
bool string_member(const dom::object& obj, std::string_view key, std::string_view& out) {
  return obj[key].get_string().get(out) == simdjson::SUCCESS;
}

// base64url without padding (RFC 7515 §2), strictly: another alphabet, padding or stray bits are refused.
std::string base64url(std::string_view text, std::string& out, const char* what) {
  out.clear();
  if (text.size() % 4 == 1) return std::string(what) + ": invalid base64url length";
  out.reserve(text.size() / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : text) {
    int v = ch >= 'A' && ch <= 'Z'   ? ch - 'A'
            : ch >= 'a' && ch <= 'z' ? ch - 'a' + 26
            : ch >= '0' && ch <= '9' ? ch - '0' + 52
            : ch == '-'              ? 62
            : ch == '_'              ? 63
                                     : -1;
    if (v < 0) return std::string(what) + ": invalid base64url character";
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return std::string(what) + ": invalid base64url (stray bits)";
  return {};
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

// Builds a public key of `type` ("RSA" or "EC") from OpenSSL parameters; nullptr when OpenSSL refuses them
// (an EC point not on the curve, for one).
std::shared_ptr<EVP_PKEY> key_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  std::shared_ptr<EVP_PKEY> out;
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
      EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1)
    out.reset(key, PkeyDeleter());
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return out;
}

std::shared_ptr<EVP_PKEY> rsa_key(const std::string& n, const std::string& e) {
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  std::shared_ptr<EVP_PKEY> key;
  if (bn_n && bn_e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1)
    key = key_from_params("RSA", bld);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn_n);
  BN_free(bn_e);
  if (key && EVP_PKEY_get_bits(key.get()) < kMinRsaBits) key.reset();
  return key;
}

std::shared_ptr<EVP_PKEY> p256_key(const std::string& x, const std::string& y) {
  std::string point = "\x04" + x + y;  // uncompressed SEC1 point
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  std::shared_ptr<EVP_PKEY> key;
  if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1)
    key = key_from_params("EC", bld);
  OSSL_PARAM_BLD_free(bld);
  return key;
}

// One JWK, or nothing when it is not a usable signature key.
std::optional<Jwk> parse_jwk(const dom::object& obj) {
  std::string_view kty, use, kid, alg;
  if (!string_member(obj, "kty", kty)) return std::nullopt;
  if (string_member(obj, "use", use) && use != "sig") return std::nullopt;
  Jwk jwk;
  if (string_member(obj, "kid", kid)) jwk.kid = kid;
  if (string_member(obj, "alg", alg)) jwk.alg = alg;
  if (kty == "RSA") {
    std::string_view n64, e64;
    std::string n, e;
    if (!string_member(obj, "n", n64) || !string_member(obj, "e", e64)) return std::nullopt;
    if (n64.size() > kMaxRsaModulusBytes * 4 / 3 + 4 || e64.size() > 16) return std::nullopt;
    if (!base64url(n64, n, "n").empty() || !base64url(e64, e, "e").empty() || e.empty()) return std::nullopt;
    jwk.type = Jwk::Type::rsa;
    jwk.key = rsa_key(n, e);
  } else if (kty == "EC") {
    std::string_view crv, x64, y64;
    std::string x, y;
    if (!string_member(obj, "crv", crv) || crv != "P-256") return std::nullopt;
    if (!string_member(obj, "x", x64) || !string_member(obj, "y", y64) || x64.size() > 64 || y64.size() > 64)
      return std::nullopt;
    if (!base64url(x64, x, "x").empty() || !base64url(y64, y, "y").empty() || x.size() != 32 || y.size() != 32)
      return std::nullopt;
    jwk.type = Jwk::Type::ec_p256;
    jwk.key = p256_key(x, y);
  } else {
    return std::nullopt;
  }
  if (!jwk.key) return std::nullopt;
  return jwk;
}

// The digest and key type of a supported alg; nullptr for every other (none, HS*, PS*, ES384, ...).
const EVP_MD* digest_of(std::string_view alg, Jwk::Type& type) {
  type = Jwk::Type::rsa;
  if (alg == "RS256") return EVP_sha256();
  if (alg == "RS384") return EVP_sha384();
  if (alg == "RS512") return EVP_sha512();
  type = Jwk::Type::ec_p256;
  if (alg == "ES256") return EVP_sha256();
  return nullptr;
}

// JWS ES256 signatures are r || s (32 bytes each); EVP wants DER.
bool ecdsa_der(const std::string& raw, std::string& der) {
  if (raw.size() != 64) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(p, 32, nullptr);
  BIGNUM* s = BN_bin2bn(p + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return false;
  }
  int len = i2d_ECDSA_SIG(sig, nullptr);
  bool ok = len > 0;
  if (ok) {
    der.resize(static_cast<size_t>(len));
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    ok = i2d_ECDSA_SIG(sig, &out) == len;
  }
  ECDSA_SIG_free(sig);
  return ok;
}

bool signature_ok(const Jwk& key, const EVP_MD* md, std::string_view signed_part, const std::string& sig) {
  std::string der;
  const std::string* s = &sig;
  if (key.type == Jwk::Type::ec_p256) {
    if (!ecdsa_der(sig, der)) return false;
    s = &der;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key.key.get()) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(s->data()), s->size(),
                             reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

// A NumericDate claim (RFC 7519 §2): an integer or a fraction, in seconds.
bool numeric_date(const dom::object& obj, std::string_view key, bool& present, int64_t& out) {
  dom::element e;
  present = obj[key].get(e) == simdjson::SUCCESS;
  if (!present) return true;
  int64_t i = 0;
  double d = 0;
  if (e.get_int64().get(i) == simdjson::SUCCESS) {
    out = i;
    return true;
  }
  if (e.get_double().get(d) == simdjson::SUCCESS && std::isfinite(d) && std::fabs(d) < 1e15) {
    out = static_cast<int64_t>(d);
    return true;
  }
  return false;
}

Verified refuse(std::string why, bool unknown_kid = false) {
  Verified v;
  v.error = std::move(why);
  v.unknown_kid = unknown_kid;
  return v;
}

}  // namespace

std::string parse_discovery(std::string_view json, std::string& issuer, std::string& jwks_uri) {
  dom::parser parser;
  dom::element root;
  if (std::string err = parse_json(parser, json, root); !err.empty()) return err;
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) return "not a JSON object";
  std::string_view iss, uri;
  if (!string_member(obj, "issuer", iss)) return "no \"issuer\"";
  if (!string_member(obj, "jwks_uri", uri) || uri.empty()) return "no \"jwks_uri\"";
  if (!uri.starts_with("https://") && !uri.starts_with("http://")) return "\"jwks_uri\" is not an http(s) URL";
  issuer = iss;
  jwks_uri = uri;
  return {};
}

std::string parse_jwks(std::string_view json, KeySet& out) {
  dom::parser parser;
  dom::element root;
  if (std::string err = parse_json(parser, json, root); !err.empty()) return err;
  dom::array keys;
  if (root["keys"].get_array().get(keys) != simdjson::SUCCESS) return "no \"keys\" array";
  if (keys.size() > kMaxJwksKeys) return "more than " + std::to_string(kMaxJwksKeys) + " keys";
  KeySet set;
  for (dom::element k : keys) {
    dom::object obj;
    if (k.get_object().get(obj) != simdjson::SUCCESS) continue;
    if (auto jwk = parse_jwk(obj)) set.keys.push_back(std::move(*jwk));
  }
  if (set.keys.empty()) return "no usable signature key (RSA of 2048 bits or more, or EC P-256)";
  out = std::move(set);
  return {};
}

Verified verify_jwt(std::string_view token, const KeySet& keys, const VerifyOptions& options) {
  if (token.size() > kMaxTokenBytes) return refuse("token longer than " + std::to_string(kMaxTokenBytes) + " bytes");
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return refuse("not a JWS in compact form (header.payload.signature)");
  std::string header_json, payload_json, sig;
  if (auto err = base64url(token.substr(0, dot1), header_json, "token header"); !err.empty()) return refuse(err);
  if (auto err = base64url(token.substr(dot2 + 1), sig, "token signature"); !err.empty()) return refuse(err);

  // The header: which algorithm and key.
  dom::parser parser;
  dom::element root;
  dom::object header;
  if (auto err = parse_json(parser, header_json, root); !err.empty()) return refuse("token header: " + err);
  if (root.get_object().get(header) != simdjson::SUCCESS) return refuse("token header is not a JSON object");
  std::string_view alg_view, kid_view;
  if (!string_member(header, "alg", alg_view)) return refuse("token header has no \"alg\"");
  dom::element crit;
  if (header["crit"].get(crit) == simdjson::SUCCESS) return refuse("token header has \"crit\" extensions");
  const std::string alg(alg_view);
  const bool has_kid = string_member(header, "kid", kid_view);
  const std::string kid(kid_view);
  Jwk::Type type;
  const EVP_MD* md = digest_of(alg, type);
  if (!md) return refuse("token algorithm '" + alg.substr(0, 16) + "' is not accepted (RS256, RS384, RS512, ES256)");

  // The key: by kid, or any of the alg's type when the token names none.
  const std::string_view signed_part = token.substr(0, dot2);
  bool named = false, verified = false;
  for (const auto& k : keys.keys) {
    if (has_kid && k.kid != kid) continue;
    named = true;
    if (k.type != type || (!k.alg.empty() && k.alg != alg)) continue;
    if (signature_ok(k, md, signed_part, sig)) {
      verified = true;
      break;
    }
    if (has_kid) return refuse("token signature does not verify");
  }
  if (!verified) {
    if (!named) return refuse("token signed with an unknown key id", true);
    return refuse(has_kid ? "token algorithm " + alg + " does not match the type of its key"
                          : "token signature does not verify with any key");
  }

  // The claims, now that they are signed.
  if (auto err = base64url(token.substr(dot1 + 1, dot2 - dot1 - 1), payload_json, "token payload"); !err.empty())
    return refuse(err);
  dom::object claims;
  if (auto err = parse_json(parser, payload_json, root); !err.empty()) return refuse("token payload: " + err);
  if (root.get_object().get(claims) != simdjson::SUCCESS) return refuse("token payload is not a JSON object");
  std::string_view iss;
  if (!string_member(claims, "iss", iss) || iss != options.issuer) return refuse("token issuer does not match");
  bool audience_ok = false;
  std::string_view aud;
  dom::array auds;
  if (string_member(claims, "aud", aud)) {
    audience_ok = aud == options.audience;
  } else if (claims["aud"].get_array().get(auds) == simdjson::SUCCESS) {
    for (dom::element a : auds)
      if (a.get_string().get(aud) == simdjson::SUCCESS && aud == options.audience) audience_ok = true;
  }
  if (!audience_ok) return refuse("token audience does not match");
  bool has_exp = false, has_nbf = false;
  int64_t exp = 0, nbf = 0;
  if (!numeric_date(claims, "exp", has_exp, exp) || !numeric_date(claims, "nbf", has_nbf, nbf))
    return refuse("token exp or nbf is not a number");
  if (!has_exp) return refuse("token has no exp");
  if (options.now >= exp + options.leeway) return refuse("token expired");
  if (has_nbf && options.now + options.leeway < nbf) return refuse("token not valid yet (nbf)");

  Verified v;
  std::string_view subject;
  if (!string_member(claims, options.username_claim, subject))
    return refuse("token has no string claim '" + options.username_claim + "'");
  v.subject = subject;
  if (!options.groups_claim.empty()) {
    dom::element g;
    if (claims[options.groups_claim].get(g) != simdjson::SUCCESS)
      return refuse("token has no claim '" + options.groups_claim + "'");
    std::string_view one;
    dom::array many;
    if (g.get_string().get(one) == simdjson::SUCCESS) {
      v.groups.emplace_back(one);
    } else if (g.get_array().get(many) == simdjson::SUCCESS) {
      for (dom::element e : many) {
        if (e.get_string().get(one) != simdjson::SUCCESS)
          return refuse("token claim '" + options.groups_claim + "' holds a value that is not a string");
        v.groups.emplace_back(one);
      }
    } else {
      return refuse("token claim '" + options.groups_claim + "' is neither a string nor an array of strings");
    }
  }
  v.ok = true;
  return v;
}

std::string parse_token_response(std::string_view json, std::string& access_token, int64_t& expires_in) {
  dom::parser parser;
  dom::element root;
  if (std::string err = parse_json(parser, json, root); !err.empty()) return err;
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) return "not a JSON object";
  std::string_view token, error, description;
  if (!string_member(obj, "access_token", token) || token.empty()) {
    if (string_member(obj, "error", error)) {
      std::string out = "error " + std::string(error.substr(0, 100));
      if (string_member(obj, "error_description", description)) out += ": " + std::string(description.substr(0, 200));
      return out;
    }
    return "no \"access_token\"";
  }
  if (token.size() > kMaxTokenBytes) return "access_token longer than " + std::to_string(kMaxTokenBytes) + " bytes";
  for (char ch : token)
    if (static_cast<unsigned char>(ch) < 0x21 || static_cast<unsigned char>(ch) > 0x7e)
      return "access_token holds a character that cannot go in a header";
  bool present = false;
  int64_t seconds = 0;
  std::string_view text;
  if (!numeric_date(obj, "expires_in", present, seconds)) {
    // Some providers send it as a string.
    if (!string_member(obj, "expires_in", text) ||
        std::from_chars(text.data(), text.data() + text.size(), seconds).ptr != text.data() + text.size())
      return "expires_in is not a number";
  }
  access_token = token;
  expires_in = std::max<int64_t>(seconds, 0);
  return {};
}

}  // namespace otlpd::oidcauth
