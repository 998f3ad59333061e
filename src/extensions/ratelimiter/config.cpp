// The `ratelimiter` extension's config schema.
#include "extensions/ratelimiter/config.h"

#include <algorithm>
#include <set>

#include "extensions/ratelimiter/client_key.h"
#include "platform/text.h"

namespace otlpd::ratelimiter {

const Schema<OverrideConfig>& override_schema() {
  using O = OverrideConfig;
  static const auto s =
      Schema<O>()
          .key("match", &O::match, "a value for every one of metadata_keys: the key these limits apply to",
               required<std::map<std::string, std::string>>())
          .key("rate", &O::rate, "tokens per second for this key, above 0", required<double>())
          .key("burst", &O::burst, "bucket size for this key; 0: its rate (at least 1)", at_least(0.0))
          .validate([](O& o, const SchemaInput& in) {
            if (!(o.rate > 0)) in.fail("rate", "rate must be above 0");
            std::map<std::string, std::string> lower;
            for (auto& [k, v] : o.match) lower[ascii_lower(k)] = v;
            o.match = std::move(lower);
          });
  return s;
}

void validate_limits(LimitSettings& c, const SchemaInput& in) {
  if (!(c.rate > 0)) in.fail("rate", "rate must be above 0");
  std::set<std::string> keys;
  for (auto& k : c.metadata_keys) {
    k = ascii_lower(trim(k));
    if (k.empty() || k == "auth." || k == "metadata.")
      in.fail("metadata_keys", "metadata_keys must not contain an empty name");
    if (!keys.insert(k).second) in.fail("metadata_keys", "metadata_keys lists '" + k + "' twice");
  }
  for (const auto& p : c.trusted_proxies)
    if (!Cidr::parse(p))
      in.fail("trusted_proxies", "'" + p + "' is not an IP address or CIDR (e.g. 10.0.0.0/8, ::1/128)");
  for (size_t i = 0; i < c.overrides.size(); ++i) {
    std::set<std::string> given;
    for (const auto& [k, v] : c.overrides[i].match) given.insert(k);
    if (given != keys)
      in.fail("overrides", "overrides[" + std::to_string(i) + "].match must give exactly the metadata_keys (" +
                               join(c.metadata_keys) + ")");
  }
}

const Schema<RateLimiterConfig>& schema() {
  static const auto s = [] {
    Schema<RateLimiterConfig> s;
    return add_limit_keys(s).unsupported(
        "throttle_behavior",
        "the extension refuses at once (429 / RESOURCE_EXHAUSTED with a retry hint); the ratelimit processor can wait");
  }();
  return s;
}

std::unique_ptr<RateLimiterConfig> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::ratelimiter

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::extension, "ratelimiter", ::otlpd::ratelimiter::schema)
