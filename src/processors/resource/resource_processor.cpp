// The `resource` processor: runs the attributes processor's actions on the resource attributes of every
// ResourceSpans, ResourceMetrics and ResourceLogs.
#include "core/registry.h"
#include "processors/attributes/attributes_processor.h"
#include "processors/common/processor_helper.h"
#include "processors/common/wire_parts.h"
#include "processors/resource/config.h"

namespace otlpd::resource_processor {

namespace {

using attributes_processor::AttributeActions;
using attributes_processor::AttributesConfig;

void apply(const AttributeActions& a, otlp_trace::ExportTraceServiceRequest& r, const RequestContext& ctx) {
  for (auto& rs : *r.mutable_resource_spans()) a.apply(*rs.mutable_resource()->mutable_attributes(), ctx);
}
void apply(const AttributeActions& a, otlp_metrics::ExportMetricsServiceRequest& r, const RequestContext& ctx) {
  for (auto& rm : *r.mutable_resource_metrics()) a.apply(*rm.mutable_resource()->mutable_attributes(), ctx);
}
void apply(const AttributeActions& a, otlp_logs::ExportLogsServiceRequest& r, const RequestContext& ctx) {
  for (auto& rl : *r.mutable_resource_logs()) a.apply(*rl.mutable_resource()->mutable_attributes(), ctx);
}

template <typename B>
class ResourceProcessor final : public processors::ProcessorBase<B> {
 public:
  ResourceProcessor(const CreateSettings& s, const AttributesConfig& cfg, Consumer<B>* next)
      : processors::ProcessorBase<B>(s, next), actions_(cfg) {}

 private:
  Status process(B batch) override {
    if constexpr (B::signal != Signal::metrics) {
      // Received trace and log bytes are edited on the wire, so that everything but the resource attributes is
      // sent on as it came (and nothing is decoded); metrics, and parts decoded earlier, take the decoded path.
      processors::edit_parts(
          batch,
          [&](std::string_view bytes) {
            return attributes_processor::rewrite(B::signal, bytes, otlp_wire::AttributesOf::resource, actions_,
                                                 batch.context());
          },
          [&](typename B::RequestType& r) { apply(actions_, r, batch.context()); });
      return this->forward(std::move(batch));
    }
    for (auto& part : batch.mutable_parts()) apply(actions_, *part.request, batch.context());
    return this->forward(std::move(batch));
  }

  AttributeActions actions_;
};

class ResourceProcessorFactory final : public processors::ProcessorFactoryOf<AttributesConfig, ResourceProcessor> {
 public:
  ResourceProcessorFactory() : ProcessorFactoryOf("resource", parse_config) {}
};

}  // namespace

}  // namespace otlpd::resource_processor

using otlpd::resource_processor::ResourceProcessorFactory;
OTLPD_REGISTER_FACTORY(ResourceProcessorFactory)
