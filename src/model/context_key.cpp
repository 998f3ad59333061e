// Looking up request-context values by the Collector's names.
#include "model/context_key.h"

#include "model/batch.h"
#include "platform/text.h"

namespace otlpd {

std::string_view address_host(std::string_view addr) {
  if (!addr.empty() && addr.front() == '[') {
    auto close = addr.find(']');
    return close == std::string_view::npos ? addr.substr(1) : addr.substr(1, close - 1);
  }
  auto colon = addr.find(':');
  if (colon != std::string_view::npos && addr.find(':', colon + 1) == std::string_view::npos)
    return addr.substr(0, colon);
  return addr;
}

std::optional<ContextKey> ContextKey::parse(std::string_view text, bool bare_is_metadata) {
  text = trim(text);
  ContextKey k;
  if (text == "client.address") {
    k.kind = Kind::client_address;
    return k;
  }
  if (text.starts_with("auth.")) {
    k.kind = Kind::auth;
    k.name = std::string(text.substr(5));
  } else if (text.starts_with("metadata.")) {
    k.name = ascii_lower(text.substr(9));
  } else {
    if (!bare_is_metadata) return std::nullopt;
    k.name = ascii_lower(text);
  }
  if (k.name.empty()) return std::nullopt;
  return k;
}

std::vector<std::string_view> ContextKey::values(const RequestContext& ctx) const {
  std::vector<std::string_view> out;
  switch (kind) {
    case Kind::client_address:
      if (!ctx.client_address.empty()) out.push_back(address_host(ctx.client_address));
      break;
    case Kind::auth:
      if (name == "principal") {
        if (!ctx.auth.principal.empty()) out.push_back(ctx.auth.principal);
        break;
      }
      for (const auto& [k, v] : ctx.auth.attributes)
        if (k == name) out.push_back(v);
      break;
    case Kind::metadata:
      for (const auto& [k, v] : ctx.metadata)
        if (k == name) out.push_back(v);
      break;
  }
  return out;
}

std::optional<std::string> ContextKey::joined(const RequestContext& ctx) const {
  auto vals = values(ctx);
  if (vals.empty()) return std::nullopt;
  std::string s;
  for (size_t i = 0; i < vals.size(); ++i) {
    if (i > 0) s += ';';
    s += vals[i];
  }
  return s;
}

std::string ContextKey::str() const {
  switch (kind) {
    case Kind::client_address:
      return "client.address";
    case Kind::auth:
      return std::string("auth.") + name;
    case Kind::metadata:
      break;
  }
  return std::string("metadata.") + name;
}

}  // namespace otlpd
