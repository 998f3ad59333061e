// Finding authenticators among the extensions, and the constant-time comparison that they share.
#include "core/auth.h"

#include <stdexcept>

namespace otlpd {

const ServerAuthenticator& find_authenticator(const Host& host, const std::string& id) {
  ComponentId cid;
  if (!ComponentId::parse(id, cid)) throw std::runtime_error("authenticator '" + id + "' is not a valid component id");
  Extension* e = host.extension(cid);
  if (!e) throw std::runtime_error("extension '" + id + "' is not configured in service.extensions");
  const auto* auth = dynamic_cast<const ServerAuthenticator*>(e);
  if (!auth) throw std::runtime_error("extension '" + id + "' is not an authenticator");
  return *auth;
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
