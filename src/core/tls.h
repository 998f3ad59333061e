// TLS settings with the OpenTelemetry Collector's `configtls` keys: one type and one parser for every client
// and server, the checks of what each TLS library can honour, and the OpenSSL set-up they share.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/node.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace otlpd {
class ConfigSchema;

// A TLS protocol version; the values are OpenSSL's (TLS1_2_VERSION, ...).
enum class TlsVersion : int { v1_0 = 0x0301, v1_1 = 0x0302, v1_2 = 0x0303, v1_3 = 0x0304 };

// The library that will apply the settings: keys it cannot honour are refused when the config is read.
enum class TlsLibrary {
  openssl,  // OpenSSL, directly (the HTTP receiver) or through libcurl (otlphttp): every key
  grpc,     // gRPC 1.51: TLS 1.2 and 1.3 only, and no choice of cipher suites
};

enum class TlsSide { client, server };

struct TlsSettings {
  bool insecure = false;      // client: plaintext instead of TLS
  bool insecure_set = false;  // whether `insecure` was given (an endpoint's URL scheme decides otherwise)
  std::string ca_file;        // client: PEM roots to verify the server; empty: the system's
  std::string cert_file;      // server: its certificate chain; client: its certificate for mutual TLS
  std::string key_file;
  std::string client_ca_file;                 // server: clients must present a certificate signed by it
  bool insecure_skip_verify = false;          // client: TLS without verifying the server's certificate
  std::string server_name_override;           // client: name to verify (and send as SNI) instead of the endpoint's host
  TlsVersion min_version = TlsVersion::v1_2;  // the Collector's default
  std::optional<TlsVersion> max_version;      // empty: the newest the library speaks (1.3)
  std::vector<std::string> cipher_suites;     // IANA names ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"); empty: default

  friend bool operator==(const TlsSettings&, const TlsSettings&) = default;
};

// A server's TLS, loaded once: the settings and the PEM text of the files they name. An otlp receiver loads it
// before its servers start, and its gRPC and HTTP servers share one when their `tls:` blocks are the same.
struct ServerTls {
  TlsSettings settings;
  std::string cert_pem;       // the certificate chain
  std::string key_pem;        // its private key
  std::string client_ca_pem;  // empty: clients are not asked for a certificate

  // Reads cert_file, key_file and client_ca_file; throws std::runtime_error naming a file that cannot be read.
  static std::shared_ptr<const ServerTls> load(const TlsSettings& settings);
};

// Reads a `tls:` map for `side`, refusing (with path and line) what `library` cannot honour, unknown versions
// (with the valid choices), unknown cipher suites, min_version above max_version, and a key/certificate
// without the other.
TlsSettings parse_tls_settings(const ConfigNode& node, TlsSide side, TlsLibrary library);
// The keys of a client's or a server's `tls` block (what parse_tls_settings reads, before the library's rules).
const ConfigSchema& tls_schema(TlsSide side);

// "1.2"
std::string_view tls_version_name(TlsVersion v);

// cipher_suites in OpenSSL's spelling: the TLS 1.0-1.2 list ("ECDHE-RSA-AES128-GCM-SHA256:...", for
// SSL_CTX_set_cipher_list and CURLOPT_SSL_CIPHER_LIST) and the TLS 1.3 list (SSL_CTX_set_ciphersuites,
// CURLOPT_TLS13_CIPHERS). Either is empty when no suite of that kind was given.
struct OpenSslCipherLists {
  std::string tls12;
  std::string tls13;
};
OpenSslCipherLists openssl_cipher_lists(const std::vector<std::string>& iana_names);

// Applies min_version, max_version and cipher_suites to an OpenSSL context; throws std::runtime_error with
// OpenSSL's reason when the context refuses them.
void apply_tls_protocol(ssl_ctx_st* ctx, const TlsSettings& tls);

// Sets up an OpenSSL server context from `tls`: the protocol settings, the certificate chain and key, and, with a
// client CA, verification of the clients' certificates (required). Throws std::runtime_error with OpenSSL's reason.
void apply_server_tls(ssl_ctx_st* ctx, const ServerTls& tls);

// Reads a PEM file (certificate, key, CA); throws std::runtime_error naming the file.
std::string read_pem_file(const std::string& path);

}  // namespace otlpd
