// The `redaction` processor: redacts each batch in place on the caller's thread, then hands it on.
#include <stdexcept>
#include <string_view>
#include <type_traits>

#include "config/node.h"
#include "core/registry.h"
#include "processors/common/make_processor.h"
#include "processors/common/wire_parts.h"
#include "processors/redaction/config.h"
#include "processors/redaction/redactor.h"

namespace otlpd::redaction {

namespace {

class RedactionProcessor final : public Processor, TraceConsumer, MetricConsumer, LogConsumer {
 public:
  RedactionProcessor(const RedactionConfig& cfg, Signal signal, Consumers next)
      : redactor_(cfg), signal_(signal), next_(next) {
    if (!next_.has(signal)) throw std::invalid_argument("redaction processor needs a next consumer");
  }

  Consumers consumers() override { return processors::only(signal_, {this, this, this}); }

  bool may_block() const override { return next_.may_block(signal_); }
  Status consume(TraceBatch b) override { return run(std::move(b)); }
  Status consume(MetricBatch b) override { return run(std::move(b)); }
  Status consume(LogBatch b) override { return run(std::move(b)); }

 private:
  template <typename B>
  Status run(B b) {
    if constexpr (B::signal != Signal::metrics) {
      processors::edit_parts(
          b, [&](std::string_view bytes) { return redactor_.process_wire(B::signal, bytes); },
          [&](typename B::RequestType& r) { redactor_.process(r); });
    } else {
      for (auto& part : b.parts())
        if (part.request) redactor_.process(*part.request);
    }
    return next_.get<B>()->consume(std::move(b));
  }

  const Redactor redactor_;
  const Signal signal_;
  const Consumers next_;
};

class RedactionProcessorFactory final : public ProcessorFactory {
 public:
  std::string_view type() const override { return "redaction"; }
  bool supports(Signal) const override { return true; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_redaction_config(node); }
  ProcessorPtr create(const CreateSettings&, const ComponentConfig& c, Signal signal,
                      Consumers next) const override {
    return std::make_unique<RedactionProcessor>(config_as<RedactionConfig>(c), signal, next);
  }
};

}  // namespace

}  // namespace otlpd::redaction

using otlpd::redaction::RedactionProcessorFactory;
OTLPD_REGISTER_FACTORY(RedactionProcessorFactory)
