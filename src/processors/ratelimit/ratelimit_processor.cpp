// The `ratelimit` processor: token buckets per key of the batch's request context (client address,
// auth.*, metadata), counting requests, records or bytes; over the limit it refuses with a retry hint (the
// receiver answers 429 / RESOURCE_EXHAUSTED) or, with throttle_behavior delay, waits up to max_delay.
#include "config/node.h"
#include "core/registry.h"
#include "extensions/ratelimiter/keyed_limiter.h"
#include "model/batch.h"
#include "processors/common/processor_helper.h"
#include "processors/ratelimit/config.h"

namespace otlpd::ratelimit_processor {

namespace {

// The batch's metadata (what the receiver kept with include_metadata) as request headers.
class ContextHeaders final : public RequestHeaders {
 public:
  explicit ContextHeaders(const RequestContext& ctx) : ctx_(ctx) {}
  std::optional<std::string_view> get(std::string_view lower_name) const override {
    for (const auto& [k, v] : ctx_.metadata)
      if (k == lower_name) return std::string_view(v);
    return std::nullopt;
  }

 private:
  const RequestContext& ctx_;
};

template <typename B>
uint64_t wire_size(const B& batch) {
  uint64_t n = 0;
  for (const auto& p : batch.raw_parts()) n += p.wire ? p.wire->size() : p.request ? p.request->ByteSizeLong() : 0;
  return n;
}

template <typename B>
class RateLimitProcessor final : public processors::ProcessorBase<B> {
 public:
  RateLimitProcessor(const CreateSettings& s, const RateLimitConfig& cfg, Consumer<B>* next)
      : processors::ProcessorBase<B>(s, next),
        delay_(cfg.throttle_behavior == ratelimiter::ThrottleBehavior::delay),
        limiter_(s.id.str(), s.telemetry(), cfg) {}

  // Waiting for tokens holds the caller: receivers then call from their blocking pool.
  bool may_block() const override { return delay_ || processors::ProcessorBase<B>::may_block(); }

 protected:
  Status process(B batch) override {
    const RequestContext& ctx = batch.context();
    ContextHeaders headers(ctx);
    LimitRequest r{ctx.client_address, ctx.auth.principal, &headers, 1, &ctx.auth};
    switch (limiter_.strategy()) {
      case RateLimiter::Strategy::requests:
        break;
      case RateLimiter::Strategy::records:
        r.cost = batch.item_count();
        break;
      case RateLimiter::Strategy::bytes:
        r.cost = wire_size(batch);
        break;
    }
    if (Status st = limiter_.limit(r); !st.is_ok()) return st;
    return this->forward(std::move(batch));
  }

 private:
  const bool delay_;
  ratelimiter::KeyedLimiter limiter_;
};

class RateLimitFactory final : public processors::ProcessorFactoryOf<RateLimitConfig, RateLimitProcessor> {
 public:
  RateLimitFactory() : ProcessorFactoryOf("ratelimit", parse_config) {}
};

}  // namespace

}  // namespace otlpd::ratelimit_processor

using otlpd::ratelimit_processor::RateLimitFactory;
OTLPD_REGISTER_FACTORY(RateLimitFactory)
