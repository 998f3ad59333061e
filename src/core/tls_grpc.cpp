// gRPC credentials from TlsSettings. gRPC 1.51's C++ API cannot bound TLS versions; its SSL credentials can,
// through members that libgrpc exports (its own tests call them) but no installed header declares: they are
// declared below, and the credentials are built with the C API so that they can be set before the channel or
// port uses them.
#include "core/tls_grpc.h"

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpcpp/channel.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <grpcpp/support/channel_arguments.h>

#include <stdexcept>
#include <vector>

// libgrpc's classes behind grpc_ssl_credentials_create_ex and grpc_ssl_server_credentials_create_ex (single
// inheritance from the C types, so the C pointers are theirs); only the exported setters are declared.
class grpc_ssl_credentials {
 public:
  void set_min_tls_version(grpc_tls_version min_tls_version);
  void set_max_tls_version(grpc_tls_version max_tls_version);
};
class grpc_ssl_server_credentials {
 public:
  void set_min_tls_version(grpc_tls_version min_tls_version);
  void set_max_tls_version(grpc_tls_version max_tls_version);
};

namespace otlpd {

namespace {

// parse_tls_settings refuses versions below 1.2 for gRPC.
grpc_tls_version grpc_min(const TlsSettings& tls) {
  return tls.min_version == TlsVersion::v1_3 ? grpc_tls_version::TLS1_3 : grpc_tls_version::TLS1_2;
}
grpc_tls_version grpc_max(const TlsSettings& tls) {
  return tls.max_version == TlsVersion::v1_2 ? grpc_tls_version::TLS1_2 : grpc_tls_version::TLS1_3;
}

// Holds the gRPC library up while C objects are built without a C++ owner yet.
struct GrpcInit {
  GrpcInit() { grpc_init(); }
  ~GrpcInit() { grpc_shutdown(); }
  GrpcInit(const GrpcInit&) = delete;
  GrpcInit& operator=(const GrpcInit&) = delete;
};

// Skipping verification needs gRPC's TLS credentials API: no server check, no host-name check. It has no
// version bounds, so parse_tls_settings refuses min/max_version with insecure_skip_verify.
std::shared_ptr<grpc::ChannelCredentials> skip_verify_credentials(const std::string& roots, const std::string& key,
                                                                  const std::string& cert) {
  namespace ex = grpc::experimental;
  std::vector<ex::IdentityKeyCertPair> identity;
  if (!cert.empty()) identity.push_back({key, cert});
  ex::TlsChannelCredentialsOptions o;
  if (!roots.empty() || !identity.empty()) {
    o.set_certificate_provider(roots.empty() ? std::make_shared<ex::StaticDataCertificateProvider>(identity)
                                             : std::make_shared<ex::StaticDataCertificateProvider>(roots, identity));
    if (!roots.empty()) o.watch_root_certs();
    if (!identity.empty()) o.watch_identity_key_cert_pairs();
  }
  o.set_verify_server_certs(false);
  o.set_check_call_host(false);
  o.set_certificate_verifier(std::make_shared<ex::NoOpCertificateVerifier>());
  return ex::TlsCredentials(o);
}

// SSL server credentials with bounded versions, added to the server through the C API.
class BoundedSslServerCredentials final : public grpc::ServerCredentials {
 public:
  explicit BoundedSslServerCredentials(const ServerTls& loaded) {
    const TlsSettings& tls = loaded.settings;
    const std::string& client_ca = loaded.client_ca_pem;
    grpc_ssl_pem_key_cert_pair pair{loaded.key_pem.c_str(), loaded.cert_pem.c_str()};
    creds_ = grpc_ssl_server_credentials_create_ex(client_ca.empty() ? nullptr : client_ca.c_str(), &pair, 1,
                                                   client_ca.empty()
                                                       ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                                       : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY,
                                                   nullptr);
    if (!creds_) throw std::runtime_error("gRPC refused the certificate " + tls.cert_file + " or key " + tls.key_file);
    auto* ssl = reinterpret_cast<grpc_ssl_server_credentials*>(creds_);
    ssl->set_min_tls_version(grpc_min(tls));
    ssl->set_max_tls_version(grpc_max(tls));
  }
  ~BoundedSslServerCredentials() override { grpc_server_credentials_release(creds_); }
  BoundedSslServerCredentials(const BoundedSslServerCredentials&) = delete;
  BoundedSslServerCredentials& operator=(const BoundedSslServerCredentials&) = delete;

  // otlpd authenticates calls in its handlers (auth extensions), never through gRPC's metadata processor.
  void SetAuthMetadataProcessor(const std::shared_ptr<grpc::AuthMetadataProcessor>&) override {
    throw std::logic_error("otlpd's gRPC server credentials take no AuthMetadataProcessor");
  }

 private:
  int AddPortToServer(const std::string& addr, grpc_server* server) override {
    return grpc_server_add_http2_port(server, addr.c_str(), creds_);
  }

  grpc_server_credentials* creds_ = nullptr;
};

}  // namespace

std::shared_ptr<grpc::Channel> make_grpc_channel(const std::string& target, const TlsSettings& tls,
                                                 const grpc::ChannelArguments& args) {
  if (tls.insecure) return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  grpc::ChannelArguments with_name = args;
  if (!tls.server_name_override.empty()) with_name.SetSslTargetNameOverride(tls.server_name_override);
  const std::string roots = tls.ca_file.empty() ? std::string() : read_pem_file(tls.ca_file);
  const std::string key = tls.key_file.empty() ? std::string() : read_pem_file(tls.key_file);
  const std::string cert = tls.cert_file.empty() ? std::string() : read_pem_file(tls.cert_file);
  if (tls.insecure_skip_verify)
    return grpc::CreateCustomChannel(target, skip_verify_credentials(roots, key, cert), with_name);

  GrpcInit init;
  grpc_ssl_pem_key_cert_pair pair{key.c_str(), cert.c_str()};
  grpc_channel_credentials* creds = grpc_ssl_credentials_create_ex(roots.empty() ? nullptr : roots.c_str(),
                                                                   cert.empty() ? nullptr : &pair, nullptr, nullptr);
  if (!creds) throw std::runtime_error("gRPC refused the TLS settings for " + target);
  auto* ssl = reinterpret_cast<grpc_ssl_credentials*>(creds);
  ssl->set_min_tls_version(grpc_min(tls));
  ssl->set_max_tls_version(grpc_max(tls));
  grpc_channel_args c_args;
  with_name.SetChannelArgs(&c_args);
  grpc_channel* channel = grpc_channel_create(target.c_str(), creds, &c_args);
  grpc_channel_credentials_release(creds);  // the channel holds its own reference
  return grpc::CreateChannelInternal(tls.server_name_override, channel, {});
}

std::shared_ptr<grpc::ServerCredentials> make_grpc_server_credentials(const ServerTls& tls) {
  return std::make_shared<BoundedSslServerCredentials>(tls);
}

}  // namespace otlpd
