// The `deltatocumulative` processor's config schema.
#include "processors/deltatocumulative/config.h"

namespace otlpd::deltatocumulative {

using Cfg = DeltaToCumulativeConfig;

const Schema<Cfg>& schema() {
  static const auto s =
      Schema<Cfg>()
          .key("max_stale", &Cfg::max_stale, "a stream without a new point for this long is forgotten",
               at_least(Duration(std::chrono::milliseconds(1))))
          .key("max_streams", &Cfg::max_streams,
               "streams tracked at most; points of further streams are dropped (0: no limit)")
          .note(
              "Delta sums (monotonic or not), histograms and exponential histograms become cumulative; a point not "
              "newer than its stream's last one is dropped.");
  return s;
}

std::unique_ptr<Cfg> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::deltatocumulative

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::processor, "deltatocumulative", ::otlpd::deltatocumulative::schema)
