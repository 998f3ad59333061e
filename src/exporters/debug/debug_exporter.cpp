// The `debug` exporter: prints what arrives, as counts (basic), a span tree (normal) or every field (detailed).
#include <spdlog/spdlog.h>

#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/registry.h"
#include "exporters/debug/config.h"
#include "exporters/debug/format.h"
#include "model/batch.h"

namespace otlpd::debug_exporter {

namespace {

class DebugExporter final : public Exporter, TraceConsumer, MetricConsumer, LogConsumer {
 public:
  DebugExporter(std::string id, Verbosity v) : id_(std::move(id)), verbosity_(v) {}

  Consumers consumers() override { return {this, this, this}; }

  Status consume(TraceBatch b) override { return print(format_traces(b, verbosity_)); }
  Status consume(MetricBatch b) override { return print(format_metrics(b, verbosity_)); }
  Status consume(LogBatch b) override { return print(format_logs(b, verbosity_)); }

 private:
  Status print(const std::string& text) {
    std::lock_guard lock(mu_);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return Status::ok();
  }

  std::string id_;
  Verbosity verbosity_;
  std::mutex mu_;
};

class DebugExporterFactory final : public ExporterFactory {
 public:
  std::string_view type() const override { return "debug"; }
  std::vector<std::string_view> aliases() const override { return {"logging"}; }
  bool supports(Signal) const override { return true; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }
  ExporterPtr create(const CreateSettings& s, const ComponentConfig& c) const override {
    return std::make_unique<DebugExporter>(s.id.str(), config_as<DebugConfig>(c).verbosity);
  }
};

}  // namespace

}  // namespace otlpd::debug_exporter

using otlpd::debug_exporter::DebugExporterFactory;
OTLPD_REGISTER_FACTORY(DebugExporterFactory)
