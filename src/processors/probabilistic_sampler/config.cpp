// Parsing and validation of the `probabilistic_sampler` processor's configuration.
#include "processors/probabilistic_sampler/config.h"

#include <algorithm>
#include <cmath>

#include "config/node.h"

namespace otlpd::probabilistic_sampler {

std::unique_ptr<ProbabilisticSamplerConfig> parse_config(const ConfigNode& node) {
  auto cfg = std::make_unique<ProbabilisticSamplerConfig>();
  MapReader r(node);
  if (auto n = r.child("sampling_percentage"); n && !n->is_null()) {
    const double pct = n->as<double>();
    if (std::isnan(pct) || std::isinf(pct)) n->fail("sampling_percentage must be a finite number");
    if (pct < 0) n->fail("sampling_percentage must not be negative");
    // Float, as the Collector's float32: the hash_seed mode's rate is computed in 32-bit precision.
    cfg->sampling_percentage = static_cast<float>(std::min(pct, 100.0));
  }
  r.get("hash_seed", cfg->hash_seed);
  if (auto n = r.child("mode"); n && !n->is_null()) {
    const auto mode = n->as<std::string>();
    if (mode == "proportional" || mode == "equalizing")
      n->fail("mode '" + mode + "' is not supported by otlpd (it needs W3C tracestate threshold propagation); "
              "use mode: hash_seed");
    if (mode != "hash_seed") n->fail("unknown mode '" + mode + "'; valid are: hash_seed, proportional, equalizing");
  }
  r.get("fail_closed", cfg->fail_closed);
  if (auto n = r.child("sampling_precision"); n && !n->is_null()) {
    cfg->sampling_precision = n->as<int>();
    if (cfg->sampling_precision < 1 || cfg->sampling_precision > 14)
      n->fail("sampling_precision must be between 1 and 14");
  }
  if (auto n = r.child("attribute_source"); n && !n->is_null()) {
    const auto src = n->as<std::string>();
    if (src == "traceID") cfg->attribute_source = ProbabilisticSamplerConfig::AttributeSource::trace_id;
    else if (src == "record") cfg->attribute_source = ProbabilisticSamplerConfig::AttributeSource::record;
    else n->fail("unknown attribute_source '" + src + "'; valid are: traceID, record");
  }
  r.get("from_attribute", cfg->from_attribute);
  r.get("sampling_priority", cfg->sampling_priority);
  r.finish();
  if (cfg->attribute_source == ProbabilisticSamplerConfig::AttributeSource::record && cfg->from_attribute.empty())
    node.fail("attribute_source 'record' needs 'from_attribute' (the log record attribute to hash)");
  return cfg;
}

}  // namespace otlpd::probabilistic_sampler
