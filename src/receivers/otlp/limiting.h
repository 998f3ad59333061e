// The limiter extensions a receiver protocol references (`middlewares`), applied before decompression.
#pragma once

#include <cstdint>
#include <vector>

#include "core/limiter.h"

namespace otlpd::otlp_receiver {

class IngestLimiters {
 public:
  IngestLimiters() = default;
  explicit IngestLimiters(std::vector<RateLimiter*> limiters) : limiters_(std::move(limiters)) {}

  bool empty() const { return limiters_.empty(); }
  bool uses(RateLimiter::Strategy s) const {
    for (auto* l : limiters_)
      if (l->strategy() == s) return true;
    return false;
  }
  // Every limiter of strategy `s`, in order, with `cost`: the first refusal, or ok.
  Status apply(RateLimiter::Strategy s, LimitRequest r, uint64_t cost) const {
    r.cost = cost;
    for (auto* l : limiters_)
      if (l->strategy() == s)
        if (Status st = l->limit(r); !st.is_ok()) return st;
    return Status::ok();
  }

 private:
  std::vector<RateLimiter*> limiters_;
};

}  // namespace otlpd::otlp_receiver
