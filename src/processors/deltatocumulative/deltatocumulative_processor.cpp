// The `deltatocumulative` processor: delta sums and histograms become cumulative ones (running totals per
// stream), e.g. in front of prometheusremotewrite, which drops delta metrics.
#include <mutex>

#include "core/registry.h"
#include "model/delta_to_cumulative.h"
#include "processors/common/processor_helper.h"
#include "processors/deltatocumulative/config.h"

namespace otlpd::deltatocumulative {

namespace {

constexpr Signal kMetricsOnly[] = {Signal::metrics};

template <typename B>
class DeltaToCumulativeProcessor final : public processors::ProcessorBase<B> {
 public:
  DeltaToCumulativeProcessor(const CreateSettings& s, const DeltaToCumulativeConfig& cfg, Consumer<B>* next)
      : processors::ProcessorBase<B>(s, next),
        totals_(cfg.max_stale, cfg.max_streams),
        max_stale_(cfg.max_stale),
        dropped_(this->counter("otlpd_processor_deltatocumulative_dropped_points")) {}

 private:
  Status process(B batch) override {
    if constexpr (B::signal == Signal::metrics) {
      const auto now = DeltaToCumulative::Clock::now();
      std::lock_guard lock(mu_);
      for (auto& part : batch.mutable_parts()) {
        auto r = totals_.accumulate(*part.request, now);
        if (r.out_of_order + r.over_limit) dropped_.add(r.out_of_order + r.over_limit);
      }
      if (now - last_expiry_ >= max_stale_) {
        last_expiry_ = now;
        totals_.expire(now);
      }
    }
    return this->forward(std::move(batch));
  }

  std::mutex mu_;
  DeltaToCumulative totals_;
  DeltaToCumulative::Clock::duration max_stale_;
  DeltaToCumulative::Clock::time_point last_expiry_ = DeltaToCumulative::Clock::now();
  Counter& dropped_;
};

class DeltaToCumulativeFactory final
    : public processors::ProcessorFactoryOf<DeltaToCumulativeConfig, DeltaToCumulativeProcessor> {
 public:
  DeltaToCumulativeFactory() : ProcessorFactoryOf("deltatocumulative", parse_config, kMetricsOnly) {}
};

}  // namespace

}  // namespace otlpd::deltatocumulative

using otlpd::deltatocumulative::DeltaToCumulativeFactory;
OTLPD_REGISTER_FACTORY(DeltaToCumulativeFactory)
