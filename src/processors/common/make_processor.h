// Helpers every processor uses: creating a processor templated on the batch type for a pipeline's signal,
// and a processor's own entry point (itself, for its one signal).
#pragma once

#include <memory>
#include <utility>

#include "core/component.h"
#include "model/batch.h"

namespace otlpd::processors {

// The constructor of P<Batch> gets `args...` followed by the next consumer of the pipeline's signal.
template <template <typename> class P, typename... Args>
ProcessorPtr make_for_signal(Signal signal, const Consumers& next, Args&&... args) {
  switch (signal) {
    case Signal::traces:
      return std::make_unique<P<TraceBatch>>(std::forward<Args>(args)..., next.traces);
    case Signal::metrics:
      return std::make_unique<P<MetricBatch>>(std::forward<Args>(args)..., next.metrics);
    case Signal::logs:
      return std::make_unique<P<LogBatch>>(std::forward<Args>(args)..., next.logs);
  }
  return nullptr;
}

// `self` for batches of type B; nothing for the other signals.
template <typename B>
Consumers only(Consumer<B>* self) {
  Consumers c;
  if constexpr (B::signal == Signal::traces)
    c.traces = self;
  else if constexpr (B::signal == Signal::metrics)
    c.metrics = self;
  else
    c.logs = self;
  return c;
}

// The entry of `all` for `signal` only (for processors that consume every signal but serve one pipeline).
inline Consumers only(Signal signal, const Consumers& all) {
  switch (signal) {
    case Signal::traces:
      return only(all.traces);
    case Signal::metrics:
      return only(all.metrics);
    case Signal::logs:
      return only(all.logs);
  }
  return {};
}

}  // namespace otlpd::processors
