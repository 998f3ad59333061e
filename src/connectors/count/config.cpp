// The `count` connector's config schema: every OTTL condition is compiled at load, in its item's context.
#include "connectors/count/config.h"

#include "ottl/ottl.h"

namespace otlpd::count_connector {

namespace {

const Schema<CountAttribute>& attribute_schema() {
  static const auto s =
      Schema<CountAttribute>()
          .key("key", &CountAttribute::key, "attribute of the counted item whose value the data point carries",
               required<std::string>())
          .custom("default_value", "string", "", "value when the item has no such attribute; unset: not counted",
                  [](const ConfigNode& n, CountAttribute& a) { a.default_value = n.as<std::string>(); });
  return s;
}

const Schema<CountMetric>& metric_schema() {
  static const auto s =
      Schema<CountMetric>()
          .key("description", &CountMetric::description, "the metric's description")
          .key("conditions", &CountMetric::conditions,
               "OTTL conditions in the item's context; an item is counted when any holds; none: every item")
          .block("attributes", "list of maps", "data point attributes: {key, default_value}", attribute_schema(),
                 [](const ConfigNode& n, CountMetric& m) {
                   for (const auto& item : n.items()) m.attributes.push_back(*attribute_schema().parse(item));
                 });
  return s;
}

// A map of metric name → metric for items of `context`; metrics (the metric context) take no attributes.
void read_metrics(const ConfigNode& n, ottl::ContextKind context, std::vector<CountMetric>& out) {
  out.clear();
  const std::string kind(ottl::context_name(context));
  for (const auto& [name, node] : n.entries()) {
    if (name.empty()) node.fail(kind + ": metric name missing");
    auto m = metric_schema().parse(node);
    m->name = name;
    for (const auto& text : m->conditions) {
      try {
        ottl::compile_condition(text, context);
      } catch (const ottl::ParseError& e) {
        node.fail("metric \"" + name + "\": " + ottl::describe_error(text, e));
      }
    }
    if (context == ottl::ContextKind::metric && !m->attributes.empty())
      node.fail("metric \"" + name + "\": attributes are not supported for metrics (count datapoints instead)");
    out.push_back(std::move(*m));
  }
}

}  // namespace

const Schema<CountConfig>& schema() {
  static const auto s =
      Schema<CountConfig>()
          .block("spans", "map of metric name to map", "metrics counting spans; default: trace.span.count",
                 metric_schema(),
                 [](const ConfigNode& n, CountConfig& c) { read_metrics(n, ottl::ContextKind::span, c.spans); })
          .block(
              "spanevents", "map of metric name to map",
              "metrics counting span events; default: trace.span.event.count", metric_schema(),
              [](const ConfigNode& n, CountConfig& c) { read_metrics(n, ottl::ContextKind::spanevent, c.spanevents); })
          .block("metrics", "map of metric name to map",
                 "metrics counting metrics (no attributes); default: metric.count", metric_schema(),
                 [](const ConfigNode& n, CountConfig& c) { read_metrics(n, ottl::ContextKind::metric, c.metrics); })
          .block(
              "datapoints", "map of metric name to map",
              "metrics counting data points; default: metric.datapoint.count", metric_schema(),
              [](const ConfigNode& n, CountConfig& c) { read_metrics(n, ottl::ContextKind::datapoint, c.datapoints); })
          .block("logs", "map of metric name to map", "metrics counting log records; default: log.record.count",
                 metric_schema(),
                 [](const ConfigNode& n, CountConfig& c) { read_metrics(n, ottl::ContextKind::log, c.logs); })
          .note(
              "Each count is a monotonic delta sum (int) per resource, one data point per attribute set, sent with "
              "every batch the connector receives.");
  return s;
}

}  // namespace otlpd::count_connector

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::connector, "count", ::otlpd::count_connector::schema)
