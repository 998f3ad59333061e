// The `resource` processor: runs the attributes processor's actions on the resource attributes of every
// ResourceSpans, ResourceMetrics and ResourceLogs.
#include "config/node.h"
#include "core/registry.h"
#include "processors/common/make_processor.h"
#include "processors/attributes/attributes_processor.h"

namespace otlpd::resource_processor {

namespace {

using attributes_processor::AttributeActions;
using attributes_processor::AttributesConfig;

// The resource processor's config is an attributes config without include/exclude: the actions come from
// the `attributes` key instead of `actions`.
std::unique_ptr<AttributesConfig> parse_config(const ConfigNode& node) {
  auto cfg = std::make_unique<AttributesConfig>();
  MapReader r(node);
  auto list = r.child("attributes");
  r.finish();
  // As the Collector: a resource processor without actions is a mistake, not a no-op.
  if (!list || list->is_null() || list->items().empty())
    node.fail("missing required key 'attributes' (a list of at least one action)");
  cfg->actions = attributes_processor::parse_actions(*list);
  return cfg;
}

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
class ResourceProcessor final : public Processor, public Consumer<B> {
 public:
  ResourceProcessor(const AttributesConfig& cfg, Consumer<B>* next) : actions_(cfg), next_(next) {}

  Consumers consumers() override { return processors::only<B>(this); }

  bool may_block() const override { return next_->may_block(); }
  Status consume(B batch) override {
    for (auto& part : batch.parts()) apply(actions_, *part.request, batch.context());
    return next_->consume(std::move(batch));
  }

 private:
  AttributeActions actions_;
  Consumer<B>* next_;
};

class ResourceProcessorFactory final : public ProcessorFactory {
 public:
  std::string_view type() const override { return "resource"; }
  bool supports(Signal) const override { return true; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }
  ProcessorPtr create(const CreateSettings&, const ComponentConfig& c, Signal signal, Consumers next) const override {
    const auto& cfg = config_as<AttributesConfig>(c);
    return processors::make_for_signal<ResourceProcessor>(signal, next, cfg);
  }
};

}  // namespace

}  // namespace otlpd::resource_processor

using otlpd::resource_processor::ResourceProcessorFactory;
OTLPD_REGISTER_FACTORY(ResourceProcessorFactory)
