// The `ratelimiter` extension's config schema.
#include "extensions/ratelimiter/config.h"

#include <algorithm>
#include <set>

#include "extensions/ratelimiter/client_key.h"
#include "platform/text.h"

namespace otlpd::ratelimiter {

namespace {

using Cfg = RateLimiterConfig;

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

}  // namespace

const Schema<Cfg>& schema() {
  static const auto s =
      Schema<Cfg>()
          .key("rate", &Cfg::rate, "tokens added per second to each key's bucket, above 0", required<double>())
          .key("burst", &Cfg::burst, "bucket size (tokens a key may spend at once); 0: rate (at least 1)",
               at_least(0.0))
          .choice("strategy", &Cfg::strategy,
                  {{"requests", RateLimiter::Strategy::requests},
                   {"bytes", RateLimiter::Strategy::bytes},
                   {"records", RateLimiter::Strategy::records}},
                  "what a token is: a request, a wire byte (before decompression), or a record (from the wire walk)")
          .key("metadata_keys", &Cfg::metadata_keys,
               "what the key is made of: client.address, auth.principal, or request header names; [] : one key")
          .key("trusted_proxies", &Cfg::trusted_proxies,
               "proxy addresses/CIDRs whose X-Forwarded-For / Forwarded give client.address")
          .block("overrides", "list of maps", "limits of particular keys: {match, rate, burst}", override_schema(),
                 [](const ConfigNode& n, Cfg& c) {
                   if (!n.is_sequence()) n.fail("overrides must be a list of {match, rate, burst}");
                   for (const auto& item : n.items()) c.overrides.push_back(*override_schema().parse(item));
                 })
          .key("max_keys", &Cfg::max_keys, "keys (buckets) held at most; beyond, the least recently used is dropped",
               between<uint64_t>(1, 10'000'000))
          .validate([](Cfg& c, const SchemaInput& in) {
            if (!(c.rate > 0)) in.fail("rate", "rate must be above 0");
            std::set<std::string> keys;
            for (auto& k : c.metadata_keys) {
              k = ascii_lower(trim(k));
              if (k.empty()) in.fail("metadata_keys", "metadata_keys must not contain an empty name");
              if (!keys.insert(k).second) in.fail("metadata_keys", "metadata_keys lists '" + k + "' twice");
            }
            for (const auto& p : c.trusted_proxies)
              if (!Cidr::parse(p))
                in.fail("trusted_proxies", "'" + p + "' is not an IP address or CIDR (e.g. 10.0.0.0/8, ::1/128)");
            for (size_t i = 0; i < c.overrides.size(); ++i) {
              std::set<std::string> given;
              for (const auto& [k, v] : c.overrides[i].match) given.insert(k);
              if (given != keys)
                in.fail("overrides", "overrides[" + std::to_string(i) +
                                         "].match must give exactly the metadata_keys (" + join(c.metadata_keys) + ")");
            }
          });
  return s;
}

std::unique_ptr<Cfg> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::ratelimiter

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::extension, "ratelimiter", ::otlpd::ratelimiter::schema)
