// Configuration of the `count` connector, with the Collector's keys (contrib's countconnector) and default metrics.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::count_connector {

// A data point attribute: the counted item's attribute `key`, else `default_value`; an item with neither is not
// counted by that metric.
struct CountAttribute {
  std::string key;
  std::optional<std::string> default_value;
};

// One count metric: a monotonic delta sum of the items for which any of `conditions` holds (none: every item),
// one data point per set of `attributes` values.
struct CountMetric {
  std::string name;
  std::string description;
  std::vector<std::string> conditions;  // OTTL, checked at load
  std::vector<CountAttribute> attributes;
};

// The metrics made of each kind of item, in file order. A kind left out of the config gets its default metric;
// a kind given as an empty map gets none.
struct CountConfig : ComponentConfig {
  std::vector<CountMetric> spans{{"trace.span.count", "The number of spans observed.", {}, {}}};
  std::vector<CountMetric> spanevents{{"trace.span.event.count", "The number of span events observed.", {}, {}}};
  std::vector<CountMetric> metrics{{"metric.count", "The number of metrics observed.", {}, {}}};
  std::vector<CountMetric> datapoints{{"metric.datapoint.count", "The number of data points observed.", {}, {}}};
  std::vector<CountMetric> logs{{"log.record.count", "The number of log records observed.", {}, {}}};
};

const Schema<CountConfig>& schema();

}  // namespace otlpd::count_connector
