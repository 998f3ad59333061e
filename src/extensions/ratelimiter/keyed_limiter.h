// Token buckets per key, with the key built from a request and the outcome counted: the engine of both the
// ratelimiter extension and the ratelimit processor.
#pragma once

#include <string>
#include <vector>

#include "core/limiter.h"
#include "extensions/ratelimiter/buckets.h"
#include "extensions/ratelimiter/client_key.h"
#include "extensions/ratelimiter/config.h"
#include "platform/telemetry.h"

namespace otlpd::ratelimiter {

class KeyedLimiter {
 public:
  // `id` names the component in messages and in the otlpd_ratelimit_* metrics' `limiter` label.
  KeyedLimiter(std::string id, Telemetry& telemetry, const LimitSettings& settings);

  // Takes r.cost tokens from the request's bucket: ok, or Status::retryable(..., retry_after, exhausted = true)
  // when short. With throttle_behavior delay, waits (sleeping the calling thread) while the wait is within
  // max_delay, and refuses only a longer one.
  Status limit(const LimitRequest& r);
  // The bucket key of a request: the values of metadata_keys, length-prefixed.
  std::string key_of(const LimitRequest& r) const;
  RateLimiter::Strategy strategy() const { return settings_.strategy; }
  const BucketTable& table() const { return table_; }

 private:
  std::string id_;
  LimitSettings settings_;
  BucketTable table_;
  std::vector<KeySource> sources_;
  std::vector<Cidr> trusted_;
  Counter& accepted_;
  Counter& delayed_;
  Counter& throttled_;
  Gauge& keys_;
};

}  // namespace otlpd::ratelimiter
