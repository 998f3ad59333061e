// Client-side settings shared by network exporters: `tls` and `headers`, with the Collector's keys.
#pragma once

#include <map>
#include <string>

#include "config/node.h"
#include "core/tls.h"

namespace otlpd::exporter_helper {

// The Collector's client `tls:` keys (core/tls.h).
using ClientTlsSettings = TlsSettings;

// Reads a client's `tls:` for the library that will apply it (gRPC exporters pass TlsLibrary::grpc).
ClientTlsSettings parse_client_tls(const ConfigNode& node, TlsLibrary library = TlsLibrary::openssl);

// Reads `headers:` (a map of strings); fails on names that are not HTTP tokens or values with CR/LF.
std::map<std::string, std::string> parse_headers(const ConfigNode& node);

}  // namespace otlpd::exporter_helper
