// The `debug` exporter's config schema.
#include "exporters/debug/config.h"

namespace otlpd::debug_exporter {

const Schema<DebugConfig>& schema() {
  static const auto s =
      Schema<DebugConfig>()
          .choice("verbosity", &DebugConfig::verbosity,
                  {{"basic", Verbosity::basic}, {"normal", Verbosity::normal}, {"detailed", Verbosity::detailed}},
                  "counts (basic), a span tree (normal) or every field (detailed)")
          .ignored("sampling_initial", "every batch is printed (no log sampling)")
          .ignored("sampling_thereafter", "every batch is printed (no log sampling)")
          .ignored("use_internal_logger", "output always goes to stdout");
  return s;
}

std::unique_ptr<DebugConfig> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::debug_exporter

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::exporter, "debug", ::otlpd::debug_exporter::schema)
