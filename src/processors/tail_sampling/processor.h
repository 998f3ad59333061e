// The tail_sampling processor: holds each trace until it is complete, then keeps or drops it whole.
#pragma once

#include <memory>
#include <string>

#include "processors/common/processor_helper.h"
#include "processors/tail_sampling/config.h"

namespace otlpd::tail_sampling {

// Spans are grouped by trace id across shards (a mutex each). A decision thread decides a trace once
// decision_wait has passed since its first span (sooner once its root arrived, if configured; earlier for
// the oldest traces when num_traces or max_memory_mib is reached) and sends sampled traces to `next`.
// Decided trace ids are remembered so that late spans follow the decision.
class TailSamplingProcessor final : public processors::ProcessorBase<TraceBatch> {
 public:
  TailSamplingProcessor(const CreateSettings& s, const TailSamplingConfig& config, TraceConsumer* next);
  ~TailSamplingProcessor() override;

  // Starts the decision thread.
  void start(Host& host) override;
  // Decides every pending trace and sends the sampled ones (or drops them all when
  // drop_pending_traces_on_shutdown is set) before returning.
  void shutdown(Deadline deadline) override;
  // consume() waits (up to 5 s) for room while the pending traces are over their bounds: receivers must call
  // it off their event loops.
  bool may_block() const override { return true; }

 private:
  // Groups the batch's spans into their pending traces; spans of already decided traces follow the decision.
  Status process(TraceBatch batch) override;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace otlpd::tail_sampling
