// Who sent a request, as an authenticator found it: carried with a batch, read by processors and limiters.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otlpd {

// Who an authenticator found the caller to be (the Collector's client.AuthData).
struct AuthData {
  std::string principal;  // the user, key name or token subject; empty when the credentials name no one
  // What the authenticator vouches for, by name, read as `auth.<name>` (from_context, metadata keys): the
  // Collector's names where it has them ("username" and "raw" for basicauth; "subject", "membership" and "raw"
  // for oidc). A name may repeat (one group per "membership" entry).
  std::vector<std::pair<std::string, std::string>> attributes;

  // The first value of `name`, or empty.
  std::string_view attribute(std::string_view name) const {
    for (const auto& [k, v] : attributes)
      if (k == name) return v;
    return {};
  }
  bool operator==(const AuthData&) const = default;
};

}  // namespace otlpd
