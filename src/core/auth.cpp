// Finding authenticators among the extensions, and the constant-time comparison that they share.
#include "core/auth.h"

#include <cctype>
#include <stdexcept>

namespace otlpd {

const ServerAuthenticator& find_authenticator(const Host& host, const std::string& id) {
  ComponentId cid;
  if (!ComponentId::parse(id, cid)) throw std::runtime_error("authenticator '" + id + "' is not a valid component id");
  Extension* e = host.extension(cid);
  if (!e) throw std::runtime_error("extension '" + id + "' is not configured in service.extensions");
  const auto* auth = dynamic_cast<const ServerAuthenticator*>(e);
  if (!auth)
    throw std::runtime_error(
        "extension '" + id + "' is not an authenticator for receivers" +
        (dynamic_cast<const ClientAuthenticator*>(e) ? " (it is configured as a client authenticator)" : ""));
  return *auth;
}

const ClientAuthenticator& find_client_authenticator(const Host& host, const std::string& id) {
  ComponentId cid;
  if (!ComponentId::parse(id, cid)) throw std::runtime_error("authenticator '" + id + "' is not a valid component id");
  Extension* e = host.extension(cid);
  if (!e) throw std::runtime_error("extension '" + id + "' is not configured in service.extensions");
  const auto* auth = dynamic_cast<const ClientAuthenticator*>(e);
  if (!auth) throw std::runtime_error("extension '" + id + "' is not a client authenticator (for exporters' auth)");
  return *auth;
}

std::optional<std::string_view> credentials_after_scheme(std::string_view value, std::string_view scheme) {
  auto space = value.find(' ');
  if (space == std::string_view::npos || space != scheme.size()) return std::nullopt;
  for (size_t i = 0; i < space; ++i)
    if (std::tolower(static_cast<unsigned char>(value[i])) != std::tolower(static_cast<unsigned char>(scheme[i])))
      return std::nullopt;
  value.remove_prefix(space);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return value;
}

bool constant_time_equal(std::string_view expected, std::string_view presented) {
  // Every presented byte is compared (against the expected bytes, cycling when shorter), and the length
  // difference is folded in, so neither a mismatch position nor an early exit shows in the timing.
  unsigned diff = expected.size() == presented.size() ? 0u : 1u;
  if (expected.empty()) return presented.empty();
  for (size_t i = 0; i < presented.size(); ++i)
    diff |= static_cast<unsigned char>(presented[i]) ^ static_cast<unsigned char>(expected[i % expected.size()]);
  return diff == 0;
}

}  // namespace otlpd
