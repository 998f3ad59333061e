// The `headers_setter` extension: a client authenticator that sets headers on exported requests, static or
// from the request the exported data came with (multi-tenant forwarding: a tenant header in, the same out).
#include <algorithm>

#include "config/node.h"
#include "core/auth.h"
#include "core/registry.h"
#include "extensions/headers_setter/config.h"
#include "model/batch.h"

namespace otlpd::headers_setter {

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

class HeadersSetter final : public Extension, public ClientAuthenticator {
 public:
  explicit HeadersSetter(const HeadersSetterConfig& cfg) : cfg_(cfg) {}

  Status client_headers(Headers& out) const override {
    apply(nullptr, out);
    return Status::ok();
  }
  Status client_headers_for(const RequestContext& origin, Headers& out) const override {
    apply(&origin, out);
    return Status::ok();
  }

 private:
  // Applies the actions in order to `out` (which may already hold the exporter's own headers).
  void apply(const RequestContext* origin, Headers& out) const {
    for (const auto& h : cfg_.headers) {
      auto same = [&](const auto& kv) { return kv.first == h.key; };
      if (h.action == HeaderConfig::Action::remove) {
        std::erase_if(out, same);
        continue;
      }
      std::optional<std::string> value;
      if (h.source) {
        if (origin) value = h.source->joined(*origin);
        if (!value) value = h.default_value;
      } else {
        value = h.value;
      }
      if (!value) continue;  // nothing in the request and no default: the header is not set
      const bool exists = std::any_of(out.begin(), out.end(), same);
      if ((h.action == HeaderConfig::Action::insert && exists) || (h.action == HeaderConfig::Action::update && !exists))
        continue;
      std::erase_if(out, same);
      out.emplace_back(h.key, std::move(*value));
    }
  }

  HeadersSetterConfig cfg_;
};

class HeadersSetterFactory final : public ExtensionFactory {
 public:
  std::string_view type() const override { return "headers_setter"; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }
  ExtensionPtr create(const CreateSettings&, const ComponentConfig& c) const override {
    return std::make_unique<HeadersSetter>(config_as<HeadersSetterConfig>(c));
  }
};

}  // namespace

}  // namespace otlpd::headers_setter

using otlpd::headers_setter::HeadersSetterFactory;
OTLPD_REGISTER_FACTORY(HeadersSetterFactory)
