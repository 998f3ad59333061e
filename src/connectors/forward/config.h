// Configuration of the `forward` connector: it has no keys, as in the Collector.
#pragma once

#include <memory>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::forward_connector {

struct ForwardConfig : ComponentConfig {};

const Schema<ForwardConfig>& schema();

}  // namespace otlpd::forward_connector
