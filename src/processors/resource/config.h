// Configuration of the `resource` processor: the attributes processor's actions, from the `attributes` key, on
// resource attributes.
#pragma once

#include <memory>

#include "config/schema.h"
#include "core/component_config.h"
#include "processors/attributes/config.h"

namespace otlpd::resource_processor {

// An attributes config without include/exclude.
using ResourceConfig = attributes_processor::AttributesConfig;

// The key table (for `otlpd components --describe resource`) and the strict parse it drives.
const Schema<ResourceConfig>& schema();
std::unique_ptr<ResourceConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::resource_processor
