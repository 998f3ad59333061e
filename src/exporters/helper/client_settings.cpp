// Parsing client TLS settings and headers.
#include "exporters/helper/client_settings.h"

namespace otlpd::exporter_helper {

ClientTlsSettings parse_client_tls(const ConfigNode& node, TlsLibrary library) {
  return parse_tls_settings(node, TlsSide::client, library);
}

std::map<std::string, std::string> parse_headers(const ConfigNode& node) {
  auto headers = node.as<std::map<std::string, std::string>>();
  for (const auto& [name, value] : headers) {
    bool token = !name.empty();
    for (unsigned char c : name)
      if (c <= 32 || c >= 127 ||
          std::string_view("()<>@,;:\\\"/[]?={}").find(static_cast<char>(c)) != std::string_view::npos)
        token = false;
    if (!token) node.fail("header name '" + name + "' is not a valid HTTP header name");
    if (value.find_first_of("\r\n") != std::string::npos) node.fail("header '" + name + "' has a line break");
  }
  return headers;
}

}  // namespace otlpd::exporter_helper
