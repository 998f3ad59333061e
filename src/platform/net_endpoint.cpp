// Parsing and printing listen addresses.
#include "platform/net_endpoint.h"

#include <charconv>

namespace otlpd {

std::string NetEndpoint::str() const {
  if (is_unix()) return path.starts_with('/') ? "unix://" + path : "unix:" + path;
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string NetEndpoint::bind_host() const { return host.empty() ? "0.0.0.0" : host; }

std::string NetEndpoint::display_host() const {
  const std::string h = bind_host();
  return h.find(':') != std::string::npos ? "[" + h + "]" : h;
}

std::string NetEndpoint::grpc_address() const {
  if (is_unix()) return "unix:" + path;
  return display_host() + ":" + std::to_string(port);
}

std::optional<NetEndpoint> parse_unix_endpoint(std::string_view text, std::string& error) {
  std::string_view path = text;
  if (path.starts_with("unix://"))
    path.remove_prefix(7);
  else if (path.starts_with("unix:"))
    path.remove_prefix(5);
  if (path.empty()) {
    error = "expected a unix socket path, found '" + std::string(text) + "'";
    return std::nullopt;
  }
  return NetEndpoint::unix_socket(std::string(path));
}

std::optional<NetEndpoint> parse_net_endpoint(std::string_view text, std::string& error, bool allow_unix) {
  if (allow_unix && text.starts_with("unix:")) return parse_unix_endpoint(text, error);
  const auto fail = [&](std::string_view why) -> std::optional<NetEndpoint> {
    error = "expected an endpoint host:port, found '" + std::string(text) + "'";
    if (!why.empty()) error += " (" + std::string(why) + ")";
    return std::nullopt;
  };
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return fail("no port");
  std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535)
    return fail("the port must be a number from 0 to 65535");
  if (host.starts_with('[')) {
    if (!host.ends_with(']') || host.size() < 3) return fail("an IPv6 address needs its closing ']'");
    host = host.substr(1, host.size() - 2);
  }  // an IPv6 address without brackets ("::1:4317") still reads: the port is after the last colon
  for (char c : host)
    if (c == '/' || c == ' ' || c == '[' || c == ']') return fail("not a host name or IP address");
  return NetEndpoint::tcp(std::string(host), static_cast<uint16_t>(value));
}

}  // namespace otlpd
