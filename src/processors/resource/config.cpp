// The `resource` processor's config schema.
#include "processors/resource/config.h"

namespace otlpd::resource_processor {

const Schema<ResourceConfig>& schema() {
  static const auto s =
      Schema<ResourceConfig>()
          .block("attributes", "list of actions", "run in order on the resource attributes",
                 attributes_processor::action_schema(),
                 [](const ConfigNode& n, ResourceConfig& c) { c.actions = attributes_processor::parse_actions(n); })
          .validate([](ResourceConfig& c, const SchemaInput& in) {
            // As the Collector: a resource processor without actions is a mistake, not a no-op.
            if (c.actions.empty())
              in.fail("attributes", "missing required key 'attributes' (a list of at least one action)");
          });
  return s;
}

std::unique_ptr<ResourceConfig> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::resource_processor

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::processor, "resource", ::otlpd::resource_processor::schema)
