// Client-side settings shared by network exporters: `tls` and `headers`, with the Collector's keys.
#pragma once

#include <map>
#include <string>

#include "config/node.h"

namespace otlpd::exporter_helper {

struct ClientTlsSettings {
  bool insecure = false;              // gRPC: plaintext instead of TLS
  std::string ca_file;                // PEM roots; empty: the system's
  std::string cert_file;              // client certificate (mutual TLS), with key_file
  std::string key_file;
  bool insecure_skip_verify = false;  // TLS without verifying the server's certificate
  std::string server_name_override;   // name to verify (and send as SNI) instead of the endpoint's host
  bool insecure_set = false;          // whether `insecure` was given (an endpoint's URL scheme decides otherwise)
};

// Reads `tls:`; fails when only one of cert_file/key_file is given.
ClientTlsSettings parse_client_tls(const ConfigNode& node);

// Reads `headers:` (a map of strings); fails on names that are not HTTP tokens or values with CR/LF.
std::map<std::string, std::string> parse_headers(const ConfigNode& node);

// Reads a whole file (certificates); throws std::runtime_error naming the file.
std::string read_text_file(const std::string& path);

// RFC 4648 base64 (for Authorization: Basic).
std::string base64_encode(std::string_view data);

}  // namespace otlpd::exporter_helper
