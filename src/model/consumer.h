// The one interface that links pipeline stages. It names batches without their definition (core/batch_fwd.h):
// code that looks inside a batch includes core/batch.h.
#pragma once

#include <functional>
#include <utility>

#include "model/batch_fwd.h"
#include "platform/signal.h"
#include "platform/status.h"

namespace otlpd {

template <typename B>
class Consumer {
 public:
  virtual ~Consumer() = default;
  // Takes the batch. Must be safe to call from several threads at once.
  virtual Status consume(B batch) = 0;
  // Whether consume() may wait on the network (an exporter without a sending queue sends within the call, and
  // stages that hand batches on synchronously inherit that). Receivers then call it off their I/O threads, so
  // that one slow backend does not stall every client of an event loop.
  virtual bool may_block() const { return false; }

  // What consume_async() calls with the outcome, once: at once or later, from any thread.
  using Done = std::function<void(Status)>;
  // Takes the batch and answers through `done`. By default it is consume() answered at once. A stage whose
  // waiting can end on another thread (a persistent queue's write and fsync) overrides it, and answers_async()
  // with it, so that a receiver answers a call when the data is safe without parking a thread per call.
  virtual void consume_async(B batch, Done done) { done(consume(std::move(batch))); }
  // Whether consume_async() returns without waiting (its answer may come later, from another thread). A receiver
  // calls consume_async() from its I/O threads when this holds, and consume() from a separate pool when only
  // may_block() does.
  virtual bool answers_async() const { return !may_block(); }
};

using TraceConsumer = Consumer<TraceBatch>;
using MetricConsumer = Consumer<MetricBatch>;
using LogConsumer = Consumer<LogBatch>;

// The downstream of a stage, one consumer per signal; null where the stage has no pipeline of that signal.
struct Consumers {
  TraceConsumer* traces = nullptr;
  MetricConsumer* metrics = nullptr;
  LogConsumer* logs = nullptr;

  template <typename B>
  Consumer<B>* get() const {
    if constexpr (B::signal == Signal::traces)
      return traces;
    else if constexpr (B::signal == Signal::metrics)
      return metrics;
    else
      return logs;
  }
  bool may_block(Signal s) const {
    switch (s) {
      case Signal::traces:
        return traces && traces->may_block();
      case Signal::metrics:
        return metrics && metrics->may_block();
      case Signal::logs:
        return logs && logs->may_block();
    }
    return false;
  }
  bool answers_async(Signal s) const {
    switch (s) {
      case Signal::traces:
        return !traces || traces->answers_async();
      case Signal::metrics:
        return !metrics || metrics->answers_async();
      case Signal::logs:
        return !logs || logs->answers_async();
    }
    return true;
  }
  bool any_may_block() const {
    return may_block(Signal::traces) || may_block(Signal::metrics) || may_block(Signal::logs);
  }
  bool has(Signal s) const {
    switch (s) {
      case Signal::traces:
        return traces != nullptr;
      case Signal::metrics:
        return metrics != nullptr;
      case Signal::logs:
        return logs != nullptr;
    }
    return false;
  }
};

}  // namespace otlpd
