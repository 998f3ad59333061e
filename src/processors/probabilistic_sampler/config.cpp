// The `probabilistic_sampler` processor's config schema: keys, defaults, docs and cross-field rules.
#include "processors/probabilistic_sampler/config.h"

#include <algorithm>

namespace otlpd::probabilistic_sampler {

using Cfg = ProbabilisticSamplerConfig;

const Schema<Cfg>& schema() {
  static const auto s =
      Schema<Cfg>()
          .key("sampling_percentage", &Cfg::sampling_percentage,
               "percentage of traces (or logs) kept; 0 drops all, 100 and above keep all", at_least(0.0F))
          .key("hash_seed", &Cfg::hash_seed, "seeds the hash; collectors of one tier must share it")
          .choice("mode", &Cfg::mode, {{"hash_seed", Cfg::Mode::hash_seed}}, "sampling mode",
                  {{"proportional", "it needs W3C tracestate threshold propagation; use mode: hash_seed"},
                   {"equalizing", "it needs W3C tracestate threshold propagation; use mode: hash_seed"}})
          .key("fail_closed", &Cfg::fail_closed, "items without randomness are dropped when true, kept when false")
          .key("sampling_precision", &Cfg::sampling_precision,
               "hex digits of a threshold in the Collector's consistent modes; unused by hash_seed", between(1, 14))
          .choice("attribute_source", &Cfg::attribute_source,
                  {{"traceID", Cfg::AttributeSource::trace_id}, {"record", Cfg::AttributeSource::record}},
                  "logs: hash the record's trace id, or its from_attribute attribute")
          .key("from_attribute", &Cfg::from_attribute, "logs: the attribute hashed (record, or no trace id)")
          .key("sampling_priority", &Cfg::sampling_priority,
               "logs: an attribute holding a percentage that raises the record's probability")
          .validate([](Cfg& c, const SchemaInput& in) {
            // As the Collector, above 100 keeps everything.
            c.sampling_percentage = std::min(c.sampling_percentage, 100.0F);
            if (c.attribute_source == Cfg::AttributeSource::record && c.from_attribute.empty())
              in.fail("attribute_source",
                      "attribute_source 'record' needs 'from_attribute' (the log record attribute to hash)");
          });
  return s;
}

std::unique_ptr<Cfg> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::probabilistic_sampler

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::processor, "probabilistic_sampler", ::otlpd::probabilistic_sampler::schema)
