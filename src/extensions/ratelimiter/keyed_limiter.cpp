// Building a request's key, taking its tokens, waiting for them (delay) and counting the outcome.
#include "extensions/ratelimiter/keyed_limiter.h"

#include <algorithm>
#include <thread>

namespace otlpd::ratelimiter {

namespace {

BucketLimits limits_of(double rate, double burst) { return {rate, burst > 0 ? burst : std::max(rate, 1.0)}; }

Labels outcome(const std::string& id, const char* what) { return {{"limiter", id}, {"outcome", what}}; }

}  // namespace

KeyedLimiter::KeyedLimiter(std::string id, Telemetry& telemetry, const LimitSettings& settings)
    : id_(std::move(id)),
      settings_(settings),
      table_(settings.max_keys, limits_of(settings.rate, settings.burst)),
      accepted_(telemetry.counter("otlpd_ratelimit_requests", outcome(id_, "accepted"))),
      delayed_(telemetry.counter("otlpd_ratelimit_requests", outcome(id_, "delayed"))),
      throttled_(telemetry.counter("otlpd_ratelimit_requests", outcome(id_, "throttled"))),
      keys_(telemetry.gauge("otlpd_ratelimit_keys", {{"limiter", id_}})) {
  for (const auto& k : settings.metadata_keys) sources_.push_back(KeySource::parse(k));
  for (const auto& p : settings.trusted_proxies) trusted_.push_back(*Cidr::parse(p));
  for (const auto& o : settings.overrides) {
    std::string key;
    for (const auto& name : settings.metadata_keys) append_key_part(key, o.match.at(name));
    table_.set_override(std::move(key), limits_of(o.rate, o.burst));
  }
}

std::string KeyedLimiter::key_of(const LimitRequest& r) const {
  std::string key;
  for (const auto& s : sources_) append_key_part(key, s.value(r, trusted_));
  return key;
}

Status KeyedLimiter::limit(const LimitRequest& r) {
  const std::string key = key_of(r);
  const auto cost = static_cast<double>(r.cost);
  auto now = Clock::now();
  auto wait = table_.take(key, cost, now);
  keys_.set(static_cast<int64_t>(table_.size()));
  if (wait == Clock::duration::zero()) {
    accepted_.add();
    return Status::ok();
  }
  if (settings_.throttle_behavior == ThrottleBehavior::delay) {
    // Waits while the tokens are due within max_delay of the first try; other callers may take them first.
    const auto deadline = now + settings_.max_delay;
    while (wait > Clock::duration::zero() && now + wait <= deadline) {
      std::this_thread::sleep_for(wait);
      now = Clock::now();
      wait = table_.take(key, cost, now);
    }
    if (wait == Clock::duration::zero()) {
      delayed_.add();
      return Status::ok();
    }
  }
  throttled_.add();
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait);
  return Status::retryable("rate limit of " + id_ + " exceeded", std::max(ms, std::chrono::milliseconds(1)), true);
}

}  // namespace otlpd::ratelimiter
