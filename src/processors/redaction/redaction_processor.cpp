// The `redaction` processor: redacts each batch in place on the caller's thread, then hands it on.
#include <string_view>
#include <type_traits>

#include "config/node.h"
#include "core/registry.h"
#include "processors/common/processor_helper.h"
#include "processors/common/wire_parts.h"
#include "processors/redaction/config.h"
#include "processors/redaction/redactor.h"

namespace otlpd::redaction {

namespace {

template <typename B>
class RedactionProcessor final : public processors::ProcessorBase<B> {
 public:
  RedactionProcessor(const CreateSettings& s, const RedactionConfig& cfg, Consumer<B>* next)
      : processors::ProcessorBase<B>(s, next), redactor_(cfg) {}

 private:
  Status process(B b) override {
    if constexpr (B::signal != Signal::metrics) {
      processors::edit_parts(
          b, [&](std::string_view bytes) { return redactor_.process_wire(B::signal, bytes); },
          [&](typename B::RequestType& r) { redactor_.process(r); });
    } else {
      for (auto& part : b.mutable_parts())
        if (part.request) redactor_.process(*part.request);
    }
    return this->forward(std::move(b));
  }

  const Redactor redactor_;
};

class RedactionProcessorFactory final : public processors::ProcessorFactoryOf<RedactionConfig, RedactionProcessor> {
 public:
  RedactionProcessorFactory() : ProcessorFactoryOf("redaction", parse_redaction_config) {}
};

}  // namespace

}  // namespace otlpd::redaction

using otlpd::redaction::RedactionProcessorFactory;
OTLPD_REGISTER_FACTORY(RedactionProcessorFactory)
