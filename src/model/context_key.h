// Names of request-context values as the Collector spells them in from_context and metadata_keys.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/batch_fwd.h"

namespace otlpd {

// One value of a RequestContext by name: `client.address` (the peer's IP, without port), `auth.<name>` (an
// attribute the authenticator vouched for; `auth.principal` is the principal itself), `metadata.<header>` (a
// request header / gRPC metadata key kept by the receiver's include_metadata) — or, as the Collector falls
// back to, a bare header name.
struct ContextKey {
  enum class Kind { client_address, auth, metadata };
  Kind kind = Kind::metadata;
  std::string name;  // auth: attribute name ("principal" for the principal); metadata: lower-case header

  // Nothing for an empty name ("metadata.", "auth."); `bare_is_metadata` false: a name without a prefix is
  // refused too (nothing returned).
  static std::optional<ContextKey> parse(std::string_view text, bool bare_is_metadata = true);
  // Every value `ctx` holds for this key, in order (a header or an auth attribute may repeat).
  std::vector<std::string_view> values(const RequestContext& ctx) const;
  // The values joined with ';' (the form an attribute or a header gets); nothing when there is none.
  std::optional<std::string> joined(const RequestContext& ctx) const;
  // The name as written in the Collector's form ("auth.subject", "metadata.x-tenant", "client.address").
  std::string str() const;
  bool operator==(const ContextKey&) const = default;
};

// The IP of a peer address without its port: "10.0.0.1:5000" → "10.0.0.1", "[::1]:80" → "::1".
std::string_view address_host(std::string_view peer);

}  // namespace otlpd
