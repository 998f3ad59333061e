// Parsing `tls:` settings, checking them against the TLS library that applies them, and the OpenSSL set-up.
#include "core/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <array>
#include <memory>
#include <stdexcept>

#include "config/schema.h"
#include "platform/text.h"

namespace otlpd {

namespace {

constexpr std::array<std::pair<std::string_view, TlsVersion>, 4> kVersions{
    {{"1.0", TlsVersion::v1_0}, {"1.1", TlsVersion::v1_1}, {"1.2", TlsVersion::v1_2}, {"1.3", TlsVersion::v1_3}}};

// TLS 1.3 suites keep their IANA names in OpenSSL and are configured apart from the older ones.
constexpr std::array<std::string_view, 5> kTls13Suites{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                                       "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256",
                                                       "TLS_AES_128_CCM_8_SHA256"};

bool is_tls13_suite(std::string_view name) {
  for (auto s : kTls13Suites)
    if (s == name) return true;
  return false;
}

TlsVersion parse_version(const ConfigNode& node) {
  const std::string text = node.as<std::string>();
  for (const auto& [name, v] : kVersions)
    if (name == text) return v;
  node.fail("unknown value '" + text + "'; valid values are: 1.0, 1.1, 1.2, 1.3");
}

std::string openssl_reason() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown reason";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

}  // namespace

std::string_view tls_version_name(TlsVersion v) {
  for (const auto& [name, version] : kVersions)
    if (version == v) return name;
  return "?";
}

namespace {

void read_cipher_suites(const ConfigNode& node, TlsSettings& t) {
  for (const auto& item : node.items()) {
    std::string name = item.as<std::string>();
    if (!is_tls13_suite(name) && std::string_view(OPENSSL_cipher_name(name.c_str())) == "(NONE)")
      item.fail("'" + name + "' is not a cipher suite this OpenSSL knows (give IANA names, e.g. " +
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)");
    t.cipher_suites.push_back(std::move(name));
  }
}

Schema<TlsSettings> make_tls_schema(TlsSide side) {
  Schema<TlsSettings> s;
  const std::vector<std::pair<std::string, TlsVersion>> versions = {
      {"1.0", TlsVersion::v1_0}, {"1.1", TlsVersion::v1_1}, {"1.2", TlsVersion::v1_2}, {"1.3", TlsVersion::v1_3}};
  if (side == TlsSide::client) {
    s.custom("insecure", "bool", "false",
             "plaintext instead of TLS (an http:// or https:// gRPC endpoint decides instead)",
             [](const ConfigNode& n, TlsSettings& t) {
               t.insecure = n.as<bool>();
               t.insecure_set = true;
             })
        .key("ca_file", &TlsSettings::ca_file, "PEM roots that verify the server; empty: the system's")
        .key("cert_file", &TlsSettings::cert_file, "client certificate for mutual TLS (with key_file)")
        .key("key_file", &TlsSettings::key_file, "the client certificate's key (with cert_file)")
        .key("insecure_skip_verify", &TlsSettings::insecure_skip_verify,
             "TLS without verifying the server's certificate")
        .key("server_name_override", &TlsSettings::server_name_override,
             "name verified (and sent as SNI) instead of the endpoint's host; gRPC only");
  } else {
    s.key("cert_file", &TlsSettings::cert_file, "the server's certificate chain (PEM)", required<std::string>())
        .key("key_file", &TlsSettings::key_file, "its private key (PEM)", required<std::string>())
        .key("client_ca_file", &TlsSettings::client_ca_file,
             "clients must present a certificate signed by these roots (mutual TLS); empty: not asked");
  }
  s.choice("min_version", &TlsSettings::min_version, versions, "lowest TLS version; gRPC: 1.2 or 1.3")
      .custom("max_version", "one of: 1.0, 1.1, 1.2, 1.3", "", "highest TLS version; unset: the newest (1.3)",
              [](const ConfigNode& n, TlsSettings& t) { t.max_version = parse_version(n); })
      .custom("cipher_suites", "list of strings", "[]",
              "IANA names of the allowed TLS 1.2 and 1.3 suites; empty: the library's; HTTP only", read_cipher_suites)
      .unsupported("reload_interval", "certificates are read once, at start-up (restart to load new ones)")
      .unsupported("ca_pem", "give the PEM in a file (ca_file)")
      .unsupported("cert_pem", "give the PEM in a file (cert_file)")
      .unsupported("key_pem", "give the PEM in a file (key_file)")
      .unsupported("client_ca_pem", "give the PEM in a file (client_ca_file)")
      .validate([side](TlsSettings& t, const SchemaInput& in) {
        if (t.max_version && *t.max_version < t.min_version)
          in.fail("max_version", "max_version " + std::string(tls_version_name(*t.max_version)) +
                                     " is below min_version " + std::string(tls_version_name(t.min_version)));
        if (side == TlsSide::client && t.cert_file.empty() != t.key_file.empty())
          in.fail(t.cert_file.empty() ? "key_file" : "cert_file", "tls needs both cert_file and key_file, or neither");
      })
      .note(
          "tls is read by one schema for every client and server (src/core/tls.cpp): docs/tls.md says what gRPC and "
          "HTTP honour");
  return s;
}

const Schema<TlsSettings>& typed_tls_schema(TlsSide side) {
  static const auto client = make_tls_schema(TlsSide::client);
  static const auto server = make_tls_schema(TlsSide::server);
  return side == TlsSide::client ? client : server;
}

}  // namespace

const ConfigSchema& tls_schema(TlsSide side) { return typed_tls_schema(side); }

TlsSettings parse_tls_settings(const ConfigNode& node, TlsSide side, TlsLibrary library) {
  TlsSettings t;
  typed_tls_schema(side).parse_into(node, t);
  const SchemaInput in(node);
  const bool client = side == TlsSide::client;
  if (library == TlsLibrary::grpc) {
    const auto grpc_refuses = [&](std::string_view key, const std::string& what) {
      in.fail(key, what + " is not supported by otlpd over gRPC: gRPC 1.51 speaks TLS 1.2 and 1.3 only");
    };
    if (t.min_version < TlsVersion::v1_2)
      grpc_refuses("min_version", "min_version " + std::string(tls_version_name(t.min_version)));
    if (t.max_version && *t.max_version < TlsVersion::v1_2)
      grpc_refuses("max_version", "max_version " + std::string(tls_version_name(*t.max_version)));
    if (!t.cipher_suites.empty())
      in.fail("cipher_suites",
              "cipher_suites is not supported by otlpd over gRPC: gRPC 1.51 chooses its own cipher suites");
    // Skipping verification needs gRPC's experimental TLS credentials, which cannot bound the version.
    if (client && t.insecure_skip_verify && (in.has("min_version") || in.has("max_version")))
      in.fail(in.has("min_version") ? "min_version" : "max_version",
              "min_version/max_version together with insecure_skip_verify is not supported by otlpd over gRPC");
  }
  if (library == TlsLibrary::openssl && client && !t.server_name_override.empty())
    in.fail("server_name_override",
            "server_name_override is not supported by otlpd over HTTP: libcurl verifies the URL's host");
  return t;
}

OpenSslCipherLists openssl_cipher_lists(const std::vector<std::string>& iana_names) {
  OpenSslCipherLists lists;
  for (const auto& name : iana_names) {
    std::string& list = is_tls13_suite(name) ? lists.tls13 : lists.tls12;
    if (!list.empty()) list += ':';
    list += is_tls13_suite(name) ? name.c_str() : OPENSSL_cipher_name(name.c_str());
  }
  return lists;
}

void apply_tls_protocol(ssl_ctx_st* ctx, const TlsSettings& tls) {
  if (!SSL_CTX_set_min_proto_version(ctx, static_cast<int>(tls.min_version)))
    throw std::runtime_error("cannot set min_version " + std::string(tls_version_name(tls.min_version)) + ": " +
                             openssl_reason());
  // 0 lets OpenSSL use the newest version it has.
  if (!SSL_CTX_set_max_proto_version(ctx, tls.max_version ? static_cast<int>(*tls.max_version) : 0))
    throw std::runtime_error("cannot set max_version: " + openssl_reason());
  const auto lists = openssl_cipher_lists(tls.cipher_suites);
  if (!lists.tls12.empty() && !SSL_CTX_set_cipher_list(ctx, lists.tls12.c_str()))
    throw std::runtime_error("cannot use cipher_suites " + lists.tls12 + ": " + openssl_reason());
  if (!lists.tls13.empty() && !SSL_CTX_set_ciphersuites(ctx, lists.tls13.c_str()))
    throw std::runtime_error("cannot use cipher_suites " + lists.tls13 + ": " + openssl_reason());
}

void apply_server_tls(ssl_ctx_st* ctx, const ServerTls& tls) {
  apply_tls_protocol(ctx, tls.settings);
  auto bio = [](const std::string& pem) {
    return std::unique_ptr<BIO, decltype(&BIO_free)>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                     &BIO_free);
  };
  auto chain = bio(tls.cert_pem);
  X509* leaf = PEM_read_bio_X509_AUX(chain.get(), nullptr, nullptr, nullptr);
  if (!leaf || SSL_CTX_use_certificate(ctx, leaf) != 1) {
    X509_free(leaf);
    throw std::runtime_error("cannot use cert_file " + tls.settings.cert_file + ": " + openssl_reason());
  }
  X509_free(leaf);
  while (X509* extra = PEM_read_bio_X509(chain.get(), nullptr, nullptr, nullptr))
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) X509_free(extra);
  ERR_clear_error();  // the end of the chain reads as an error
  auto key_bio = bio(tls.key_pem);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr);
  if (!key || SSL_CTX_use_PrivateKey(ctx, key) != 1) {
    EVP_PKEY_free(key);
    throw std::runtime_error("cannot use key_file " + tls.settings.key_file + ": " + openssl_reason());
  }
  EVP_PKEY_free(key);
  if (tls.client_ca_pem.empty()) return;
  auto ca = bio(tls.client_ca_pem);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(ca.get(), nullptr, nullptr, nullptr)) {
    added += X509_STORE_add_cert(store, cert) == 1;
    X509_free(cert);
  }
  ERR_clear_error();
  if (!added) throw std::runtime_error("no certificate in client_ca_file " + tls.settings.client_ca_file);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
}

std::shared_ptr<const ServerTls> ServerTls::load(const TlsSettings& settings) {
  auto tls = std::make_shared<ServerTls>();
  tls->settings = settings;
  tls->cert_pem = read_pem_file(settings.cert_file);
  tls->key_pem = read_pem_file(settings.key_file);
  if (!settings.client_ca_file.empty()) tls->client_ca_pem = read_pem_file(settings.client_ca_file);
  return tls;
}

std::string read_pem_file(const std::string& path) {
  // Certificate chains and CA bundles are kilobytes (the system bundle about 200 KiB).
  constexpr size_t kMaxPemBytes = size_t{4} << 20;
  std::string pem, error;
  if (!read_small_file(path, kMaxPemBytes, "the PEM file", pem, error)) throw std::runtime_error(error);
  return pem;
}

}  // namespace otlpd
