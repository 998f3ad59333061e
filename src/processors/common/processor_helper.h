// The one shape of a processor (the Collector's processorhelper): a processor of one signal's batches that
// owns its next consumer, forwards may_block(), and counts what comes in and what goes on.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <utility>

#include "core/component.h"
#include "model/batch.h"
#include "platform/telemetry.h"
#include "processors/common/make_processor.h"

namespace otlpd::processors {

// otelcol_processor_incoming_items / otelcol_processor_outgoing_items{processor, otel_signal}, as the
// Collector's processorhelper counts them for every processor.
struct ItemCounters {
  ItemCounters(const CreateSettings& s, Signal signal)
      : incoming(s.telemetry().counter("otelcol_processor_incoming_items", labels(s, signal))),
        outgoing(s.telemetry().counter("otelcol_processor_outgoing_items", labels(s, signal))) {}

  static Labels labels(const CreateSettings& s, Signal signal) {
    return {{"otel_signal", std::string(to_string(signal))}, {"processor", s.id.str()}};
  }

  Counter& incoming;
  Counter& outgoing;
};

// Derive, implement process(), and hand what goes on to forward(): consume() counts each incoming batch,
// forward() each outgoing one. A processor that waits inside consume() (or whose forward() may run while
// it holds the caller) overrides may_block() to say so; the default is the next consumer's answer.
template <typename B>
class ProcessorBase : public Processor, public Consumer<B> {
 public:
  ProcessorBase(const CreateSettings& s, Consumer<B>* next)
      : id_(s.id.str()), telemetry_(s.telemetry()), next_(next), counters_(s, B::signal) {}

  Consumers consumers() final { return only<B>(this); }
  bool may_block() const override { return next_->may_block(); }

  Status consume(B batch) final {
    counters_.incoming.add(batch.item_count());
    return process(std::move(batch));
  }

 protected:
  // Handles one batch: hands the result to forward(), now or later, or drops it (returning what the caller
  // should hear).
  virtual Status process(B batch) = 0;

  Status forward(B batch) {
    counters_.outgoing.add(batch.item_count());
    return next_->consume(std::move(batch));
  }

  const std::string& id() const { return id_; }
  // Where this processor's own metrics go (handed in at creation, never fetched from a global).
  Telemetry& telemetry() const { return telemetry_; }
  Counter& counter(std::string_view name) const { return telemetry_.counter(name, {{"processor", id_}}); }

 private:
  const std::string id_;
  Telemetry& telemetry_;
  Consumer<B>* const next_;
  ItemCounters counters_;
};

// A factory for processors P<B>(const CreateSettings&, const Config&, Consumer<B>* next) of every signal in
// `Signals`: the component's type, its config type and its class are all a simple processor needs to say.
template <typename Config, template <typename> class P>
class ProcessorFactoryOf : public ProcessorFactory {
 public:
  using Parse = std::unique_ptr<Config> (*)(const ConfigNode&);
  ProcessorFactoryOf(std::string_view type, Parse parse, std::span<const Signal> signals = kAllSignals)
      : type_(type), parse_(parse) {
    for (Signal s : signals) supported_[static_cast<int>(s)] = true;
  }

  std::string_view type() const override { return type_; }
  bool supports(Signal s) const override { return supported_[static_cast<int>(s)]; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_(node); }
  ProcessorPtr create(const CreateSettings& s, const ComponentConfig& c, Signal signal, Consumers next) const override {
    const auto& cfg = config_as<Config>(c);
    check(cfg, signal);
    return make_for_signal<P>(signal, next, s, cfg);
  }

 protected:
  // Refuses a config that cannot serve `signal` (throws ConfigError); by default every config can.
  virtual void check(const Config& cfg, Signal signal) const {
    (void)cfg;
    (void)signal;
  }

 private:
  std::string_view type_;
  Parse parse_;
  bool supported_[3] = {false, false, false};
};

}  // namespace otlpd::processors
