// The `ratelimiter` extension: token buckets per key (client address, principal, headers), bounded in
// memory, that receivers consult before they decompress or decode a request.
#include <spdlog/spdlog.h>

#include <cmath>

#include "core/limiter.h"
#include "core/registry.h"
#include "extensions/ratelimiter/buckets.h"
#include "extensions/ratelimiter/client_key.h"
#include "extensions/ratelimiter/config.h"
#include "platform/telemetry.h"

namespace otlpd::ratelimiter {

namespace {

BucketLimits limits_of(double rate, double burst) { return {rate, burst > 0 ? burst : std::max(rate, 1.0)}; }

class RateLimiterExtension final : public RateLimiter {
 public:
  RateLimiterExtension(const CreateSettings& s, const RateLimiterConfig& cfg)
      : id_(s.id.str()),
        strategy_(cfg.strategy),
        table_(cfg.max_keys, limits_of(cfg.rate, cfg.burst)),
        accepted_(s.telemetry().counter("otlpd_ratelimit_requests", {{"limiter", id_}, {"outcome", "accepted"}})),
        throttled_(s.telemetry().counter("otlpd_ratelimit_requests", {{"limiter", id_}, {"outcome", "throttled"}})),
        keys_(s.telemetry().gauge("otlpd_ratelimit_keys", {{"limiter", id_}})) {
    for (const auto& k : cfg.metadata_keys) sources_.push_back(KeySource::parse(k));
    for (const auto& p : cfg.trusted_proxies) trusted_.push_back(*Cidr::parse(p));
    for (const auto& o : cfg.overrides) {
      std::string key;
      for (const auto& name : cfg.metadata_keys) append_key_part(key, o.match.at(name));
      table_.set_override(std::move(key), limits_of(o.rate, o.burst));
    }
  }

  Strategy strategy() const override { return strategy_; }

  Status limit(const LimitRequest& r) override {
    std::string key;
    for (const auto& s : sources_) {
      switch (s.kind) {
        case KeySource::Kind::client_address:
          append_key_part(key, client_address(r.peer, r.headers, trusted_));
          break;
        case KeySource::Kind::principal:
          append_key_part(key, r.principal);
          break;
        case KeySource::Kind::header: {
          std::optional<std::string_view> v = r.headers ? r.headers->get(s.header) : std::nullopt;
          append_key_part(key, v.value_or(std::string_view()));
          break;
        }
      }
    }
    auto wait = table_.take(key, static_cast<double>(r.cost), Clock::now());
    keys_.set(static_cast<int64_t>(table_.size()));
    if (wait == Clock::duration::zero()) {
      accepted_.add();
      return Status::ok();
    }
    throttled_.add();
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait);
    return Status::retryable("rate limit of " + id_ + " exceeded", std::max(ms, std::chrono::milliseconds(1)), true);
  }

 private:
  std::string id_;
  Strategy strategy_;
  BucketTable table_;
  std::vector<KeySource> sources_;
  std::vector<Cidr> trusted_;
  Counter& accepted_;
  Counter& throttled_;
  Gauge& keys_;
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
