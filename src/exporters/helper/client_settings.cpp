// Parsing client TLS settings and headers.
#include "exporters/helper/client_settings.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace otlpd::exporter_helper {

ClientTlsSettings parse_client_tls(const ConfigNode& node) {
  ClientTlsSettings t;
  MapReader r(node);
  t.insecure_set = r.get("insecure", t.insecure);
  r.get("ca_file", t.ca_file);
  r.get("cert_file", t.cert_file);
  r.get("key_file", t.key_file);
  r.get("insecure_skip_verify", t.insecure_skip_verify);
  r.get("server_name_override", t.server_name_override);
  r.child("min_version");  // accepted for compatibility; the TLS library's defaults apply
  r.child("max_version");
  r.finish();
  if (t.cert_file.empty() != t.key_file.empty()) node.fail("tls needs both cert_file and key_file, or neither");
  return t;
}

std::map<std::string, std::string> parse_headers(const ConfigNode& node) {
  auto headers = node.as<std::map<std::string, std::string>>();
  for (const auto& [name, value] : headers) {
    bool token = !name.empty();
    for (unsigned char c : name)
      if (c <= 32 || c >= 127 || std::string_view("()<>@,;:\\\"/[]?={}").find(static_cast<char>(c)) !=
                                       std::string_view::npos)
        token = false;
    if (!token) node.fail("header name '" + name + "' is not a valid HTTP header name");
    if (value.find_first_of("\r\n") != std::string::npos) node.fail("header '" + name + "' has a line break");
  }
  return headers;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string base64_encode(std::string_view data) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(data[i]) << 16) | (static_cast<uint8_t>(data[i + 1]) << 8) |
                 static_cast<uint8_t>(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (size_t rest = data.size() - i; rest > 0) {
    uint32_t v = static_cast<uint8_t>(data[i]) << 16;
    if (rest == 2) v |= static_cast<uint8_t>(data[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace otlpd::exporter_helper
