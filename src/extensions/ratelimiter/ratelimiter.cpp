// The `ratelimiter` extension: token buckets per key (client address, principal, headers), bounded in
// memory, that receivers consult before they decompress or decode a request.
#include "core/limiter.h"
#include "core/registry.h"
#include "extensions/ratelimiter/config.h"
#include "extensions/ratelimiter/keyed_limiter.h"

namespace otlpd::ratelimiter {

namespace {

class RateLimiterExtension final : public RateLimiter {
 public:
  RateLimiterExtension(const CreateSettings& s, const RateLimiterConfig& cfg)
      : limiter_(s.id.str(), s.telemetry(), cfg) {}

  Strategy strategy() const override { return limiter_.strategy(); }
  Status limit(const LimitRequest& r) override { return limiter_.limit(r); }

 private:
  KeyedLimiter limiter_;
};

class RateLimiterFactory final : public ExtensionFactory {
 public:
  std::string_view type() const override { return "ratelimiter"; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }
  ExtensionPtr create(const CreateSettings& s, const ComponentConfig& c) const override {
    return std::make_unique<RateLimiterExtension>(s, config_as<RateLimiterConfig>(c));
  }
};

}  // namespace

}  // namespace otlpd::ratelimiter

using otlpd::ratelimiter::RateLimiterFactory;
OTLPD_REGISTER_FACTORY(RateLimiterFactory)
