// gRPC channels and server credentials built from TlsSettings, with the TLS versions bounded as configured.
#pragma once

#include <memory>
#include <string>

#include "core/tls.h"

namespace grpc {
class Channel;
class ChannelArguments;
class ServerCredentials;
}  // namespace grpc

namespace otlpd {

// A channel to `target`: plaintext when tls.insecure, else TLS as `tls` says (ca_file, client certificate,
// server_name_override, insecure_skip_verify, min/max_version). Throws std::runtime_error when a file cannot
// be read.
std::shared_ptr<grpc::Channel> make_grpc_channel(const std::string& target, const TlsSettings& tls,
                                                 const grpc::ChannelArguments& args);

// Server credentials for `tls`, loaded already (certificate, client CA, min/max_version). Throws
// std::runtime_error when gRPC refuses the certificate or key.
std::shared_ptr<grpc::ServerCredentials> make_grpc_server_credentials(const ServerTls& tls);

}  // namespace otlpd
