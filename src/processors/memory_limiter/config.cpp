// The `memory_limiter` processor's config schema: keys, defaults, docs and cross-field rules.
#include "processors/memory_limiter/config.h"

namespace otlpd::memory_limiter {

using Cfg = MemoryLimiterConfig;

const Schema<Cfg>& schema() {
  static const auto s =
      Schema<Cfg>()
          .key("check_interval", &Cfg::check_interval, "time between two samples of memory use; must be above 0")
          .key("limit_mib", &Cfg::limit_mib, "hard limit in MiB of heap in use; or limit_percentage")
          .key("spike_limit_mib", &Cfg::spike_limit_mib,
               "data is refused above limit - spike; 0: 20% of the limit (or spike_limit_percentage)")
          .key("limit_percentage", &Cfg::limit_percentage, "hard limit as a percentage of total memory",
               between<uint32_t>(0, 100))
          .key("spike_limit_percentage", &Cfg::spike_limit_percentage,
               "spike as a percentage of total memory (with limit_percentage)", between<uint32_t>(0, 100))
          .unsupported("min_gc_interval_when_soft_limited", "it tunes Go's garbage collector; otlpd has none")
          .unsupported("min_gc_interval_when_hard_limited", "it tunes Go's garbage collector; otlpd has none")
          .validate([](Cfg& c, const SchemaInput& in) {
            if (c.check_interval <= Duration::zero())
              in.fail("check_interval", "check_interval must be greater than zero");
            if (c.limit_mib == 0 && c.limit_percentage == 0)
              in.node().fail("set limit_mib or limit_percentage (the memory limit)");
            if (c.limit_mib > 0 && c.limit_percentage > 0)
              in.fail("limit_percentage", "set either limit_mib or limit_percentage, not both");
            if (c.limit_mib > 0 && c.spike_limit_mib >= c.limit_mib)
              in.fail("spike_limit_mib", "spike_limit_mib must be smaller than limit_mib");
            if (c.limit_percentage > 0 && c.spike_limit_percentage > 0 &&
                c.spike_limit_percentage >= c.limit_percentage)
              in.fail("spike_limit_percentage", "spike_limit_percentage must be smaller than limit_percentage");
          });
  return s;
}

std::unique_ptr<Cfg> parse_memory_limiter_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::memory_limiter

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::processor, "memory_limiter", ::otlpd::memory_limiter::schema)
