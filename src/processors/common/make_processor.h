// Creates a processor templated on the batch type for a pipeline's signal: the constructor gets `args...`
// followed by the next consumer of that signal.
#pragma once

#include <memory>
#include <utility>

#include "core/component.h"

namespace otlpd::processors {

template <template <typename> class P, typename... Args>
ProcessorPtr make_for_signal(Signal signal, const Consumers& next, Args&&... args) {
  switch (signal) {
    case Signal::traces: return std::make_unique<P<TraceBatch>>(std::forward<Args>(args)..., next.traces);
    case Signal::metrics: return std::make_unique<P<MetricBatch>>(std::forward<Args>(args)..., next.metrics);
    case Signal::logs: return std::make_unique<P<LogBatch>>(std::forward<Args>(args)..., next.logs);
  }
  return nullptr;
}

}  // namespace otlpd::processors
