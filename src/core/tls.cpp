// Parsing `tls:` settings, checking them against the TLS library that applies them, and the OpenSSL set-up.
#include "core/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>
#include <stdexcept>

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

TlsSettings parse_tls_settings(const ConfigNode& node, TlsSide side, TlsLibrary library) {
  TlsSettings t;
  MapReader r(node);
  const bool client = side == TlsSide::client;
  if (client) {
    t.insecure_set = r.get("insecure", t.insecure);
    r.get("ca_file", t.ca_file);
    r.get("insecure_skip_verify", t.insecure_skip_verify);
    r.get("server_name_override", t.server_name_override);
  } else {
    r.get("client_ca_file", t.client_ca_file);
  }
  r.get("cert_file", t.cert_file);
  r.get("key_file", t.key_file);

  std::optional<ConfigNode> min_node = r.child("min_version"), max_node = r.child("max_version");
  if (min_node && !min_node->is_null()) t.min_version = parse_version(*min_node);
  if (max_node && !max_node->is_null()) t.max_version = parse_version(*max_node);
  if (t.max_version && *t.max_version < t.min_version)
    (max_node ? *max_node : node)
        .fail("max_version " + std::string(tls_version_name(*t.max_version)) + " is below min_version " +
              std::string(tls_version_name(t.min_version)));

  std::optional<ConfigNode> ciphers_node = r.child("cipher_suites");
  if (ciphers_node && !ciphers_node->is_null()) {
    for (const auto& item : ciphers_node->items()) {
      std::string name = item.as<std::string>();
      if (!is_tls13_suite(name) && std::string_view(OPENSSL_cipher_name(name.c_str())) == "(NONE)")
        item.fail("'" + name + "' is not a cipher suite this OpenSSL knows (give IANA names, e.g. " +
                  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)");
      t.cipher_suites.push_back(std::move(name));
    }
  }

  // Keys of the Collector that otlpd refuses rather than ignores.
  if (auto n = r.child("reload_interval"); n && !n->is_null())
    n->fail(
        "reload_interval is not supported by otlpd: certificates are read once, at start-up (restart to load "
        "new ones)");
  for (std::string_view pem : {"ca_pem", "cert_pem", "key_pem", "client_ca_pem"})
    if (auto n = r.child(pem); n && !n->is_null())
      n->fail(std::string(pem) + " is not supported by otlpd: give the PEM in a file (" +
              std::string(pem.substr(0, pem.size() - 4)) + "_file)");
  r.finish();

  if (library == TlsLibrary::grpc) {
    const auto grpc_refuses = [](const ConfigNode& n, const std::string& what) {
      n.fail(what + " is not supported by otlpd over gRPC: gRPC 1.51 speaks TLS 1.2 and 1.3 only");
    };
    if (t.min_version < TlsVersion::v1_2)
      grpc_refuses(*min_node, "min_version " + std::string(tls_version_name(t.min_version)));
    if (t.max_version && *t.max_version < TlsVersion::v1_2)
      grpc_refuses(*max_node, "max_version " + std::string(tls_version_name(*t.max_version)));
    if (!t.cipher_suites.empty())
      ciphers_node->fail("cipher_suites is not supported by otlpd over gRPC: gRPC 1.51 chooses its own cipher suites");
    // Skipping verification needs gRPC's experimental TLS credentials, which cannot bound the version.
    const bool versions_given = (min_node && !min_node->is_null()) || (max_node && !max_node->is_null());
    if (client && t.insecure_skip_verify && versions_given)
      (min_node && !min_node->is_null() ? *min_node : *max_node)
          .fail(
              "min_version/max_version together with insecure_skip_verify is not supported by otlpd over "
              "gRPC");
  }
  if (library == TlsLibrary::openssl && client && !t.server_name_override.empty())
    r.child("server_name_override")
        ->fail("server_name_override is not supported by otlpd over HTTP: libcurl verifies the URL's host");
  if (client) {
    if (t.cert_file.empty() != t.key_file.empty()) node.fail("tls needs both cert_file and key_file, or neither");
  } else if (t.cert_file.empty() || t.key_file.empty()) {
    node.fail("tls needs both cert_file and key_file");
  }
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
