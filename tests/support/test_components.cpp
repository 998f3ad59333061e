// Test-only components: test_receiver, tag processor, capture exporter, test_extension.
#include "support/test_components.h"

#include <map>

#include "config/node.h"
#include "core/registry.h"
#include "model/batch.h"

namespace otlpd::test {

EventLog& EventLog::instance() {
  static EventLog l;
  return l;
}
void EventLog::add(std::string e) {
  std::lock_guard lock(mu_);
  events_.push_back(std::move(e));
}
std::vector<std::string> EventLog::events() {
  std::lock_guard lock(mu_);
  return events_;
}
void EventLog::clear() {
  std::lock_guard lock(mu_);
  events_.clear();
}

namespace {

std::mutex receivers_mu;
std::map<std::string, Consumers>& receivers() {
  static std::map<std::string, Consumers> m;
  return m;
}
std::map<std::string, Captured>& captures() {
  static std::map<std::string, Captured> m;
  return m;
}

struct Empty : ComponentConfig {};

class Lifecycle {
 public:
  Lifecycle(std::string kind, std::string id) : label_(std::move(kind) + " " + std::move(id)) {}
  void started() { EventLog::instance().add("start " + label_); }
  void stopped() { EventLog::instance().add("shutdown " + label_); }

 private:
  std::string label_;
};

class TestReceiver final : public Receiver {
 public:
  TestReceiver(const std::string& id, Consumers next) : life_("receiver", id) {
    std::lock_guard lock(receivers_mu);
    receivers()[id] = next;
  }
  void start(Host&) override { life_.started(); }
  void shutdown(Deadline) override { life_.stopped(); }

 private:
  Lifecycle life_;
};

class TestReceiverFactory final : public ReceiverFactory {
 public:
  std::string_view type() const override { return "test_receiver"; }
  bool supports(Signal) const override { return true; }
  ComponentConfigPtr parse(const ConfigNode& n) const override {
    MapReader(n).finish();
    return std::make_unique<Empty>();
  }
  ReceiverPtr create(const CreateSettings& s, const ComponentConfig&, Consumers next) const override {
    return std::make_unique<TestReceiver>(s.id.str(), next);
  }
};

// Adds a resource attribute "tag.<processor id>" = pipeline id (or `label` when set) to everything that passes.
struct TagConfig : ComponentConfig {
  bool fail_start = false;
  std::string label;
};

template <typename B>
void tag(B& b, const std::string& key, const std::string& value) {
  for (auto& part : b.mutable_parts()) {
    auto add = [&](auto* resource) {
      auto* kv = resource->add_attributes();
      kv->set_key(key);
      kv->mutable_value()->set_string_value(value);
    };
    if constexpr (B::signal == Signal::traces)
      for (auto& r : *part.request->mutable_resource_spans()) add(r.mutable_resource());
    else if constexpr (B::signal == Signal::metrics)
      for (auto& r : *part.request->mutable_resource_metrics()) add(r.mutable_resource());
    else
      for (auto& r : *part.request->mutable_resource_logs()) add(r.mutable_resource());
  }
}

class TagProcessor final : public Processor, TraceConsumer, MetricConsumer, LogConsumer {
 public:
  TagProcessor(const CreateSettings& s, const TagConfig& cfg, Consumers next)
      : key_("tag." + s.id.str()),
        pipeline_(cfg.label.empty() ? s.pipeline : cfg.label),
        fail_start_(cfg.fail_start),
        next_(next),
        life_("processor", s.id.str() + "@" + s.pipeline) {}
  Consumers consumers() override {
    Consumers c;
    if (next_.traces) c.traces = this;
    if (next_.metrics) c.metrics = this;
    if (next_.logs) c.logs = this;
    return c;
  }
  void start(Host&) override {
    if (fail_start_) throw std::runtime_error("refusing to start");
    life_.started();
  }
  void shutdown(Deadline) override { life_.stopped(); }
  Status consume(TraceBatch b) override { return pass(std::move(b)); }
  Status consume(MetricBatch b) override { return pass(std::move(b)); }
  Status consume(LogBatch b) override { return pass(std::move(b)); }

 private:
  template <typename B>
  Status pass(B b) {
    tag(b, key_, pipeline_);
    return next_.get<B>()->consume(std::move(b));
  }
  std::string key_, pipeline_;
  bool fail_start_;
  Consumers next_;
  Lifecycle life_;
};

class TagProcessorFactory final : public ProcessorFactory {
 public:
  std::string_view type() const override { return "tag"; }
  bool supports(Signal) const override { return true; }
  ComponentConfigPtr parse(const ConfigNode& n) const override {
    auto c = std::make_unique<TagConfig>();
    MapReader r(n);
    r.get("fail_start", c->fail_start);
    r.get("label", c->label);
    r.finish();
    return c;
  }
  ProcessorPtr create(const CreateSettings& s, const ComponentConfig& c, Signal, Consumers next) const override {
    return std::make_unique<TagProcessor>(s, config_as<TagConfig>(c), next);
  }
};

// Captures batches, or answers a configured status: `status: ok | retryable | permanent`. Traces only when
// `traces_only: true` (to test signal support checks).
struct CaptureConfig : ComponentConfig {
  std::string status = "ok";
  bool traces_only = false;
};

class CaptureExporter final : public Exporter, TraceConsumer, MetricConsumer, LogConsumer {
 public:
  CaptureExporter(std::string id, CaptureConfig cfg)
      : id_(std::move(id)), cfg_(std::move(cfg)), life_("exporter", id_) {}
  Consumers consumers() override { return {this, this, this}; }
  void start(Host&) override { life_.started(); }
  void shutdown(Deadline) override { life_.stopped(); }
  Status consume(TraceBatch b) override { return keep(std::move(b), &Captured::traces); }
  Status consume(MetricBatch b) override { return keep(std::move(b), &Captured::metrics); }
  Status consume(LogBatch b) override { return keep(std::move(b), &Captured::logs); }

 private:
  template <typename B>
  Status keep(B b, std::vector<B> Captured::*field) {
    if (cfg_.status == "retryable")
      return Status::retryable("test backend unavailable", std::chrono::milliseconds(1500));
    if (cfg_.status == "exhausted") return Status::retryable("test memory limit", {}, true);
    if (cfg_.status == "permanent") return Status::permanent("test rejects this data");
    std::lock_guard lock(captured_mutex());
    (captured(id_).*field).push_back(std::move(b));
    return Status::ok();
  }
  std::string id_;
  CaptureConfig cfg_;
  Lifecycle life_;
};

class CaptureExporterFactory final : public ExporterFactory {
 public:
  std::string_view type() const override { return "capture"; }
  bool supports(Signal) const override { return true; }
  ComponentConfigPtr parse(const ConfigNode& n) const override {
    auto c = std::make_unique<CaptureConfig>();
    MapReader r(n);
    r.get("status", c->status);
    r.finish();
    return c;
  }
  ExporterPtr create(const CreateSettings& s, const ComponentConfig& c) const override {
    return std::make_unique<CaptureExporter>(s.id.str(), config_as<CaptureConfig>(c));
  }
};

class TracesOnlyExporterFactory final : public ExporterFactory {
 public:
  std::string_view type() const override { return "traces_only"; }
  bool supports(Signal s) const override { return s == Signal::traces; }
  ComponentConfigPtr parse(const ConfigNode& n) const override {
    MapReader(n).finish();
    return std::make_unique<CaptureConfig>();
  }
  ExporterPtr create(const CreateSettings& s, const ComponentConfig& c) const override {
    return std::make_unique<CaptureExporter>(s.id.str(), config_as<CaptureConfig>(c));
  }
};

class TestExtension final : public Extension {
 public:
  explicit TestExtension(const std::string& id) : life_("extension", id) {}
  void start(Host&) override { life_.started(); }
  void shutdown(Deadline) override { life_.stopped(); }

 private:
  Lifecycle life_;
};

class TestExtensionFactory final : public ExtensionFactory {
 public:
  std::string_view type() const override { return "test_extension"; }
  ComponentConfigPtr parse(const ConfigNode& n) const override {
    MapReader(n).finish();
    return std::make_unique<Empty>();
  }
  ExtensionPtr create(const CreateSettings& s, const ComponentConfig&) const override {
    return std::make_unique<TestExtension>(s.id.str());
  }
};

}  // namespace

Consumers test_receiver_consumers(const std::string& id) {
  std::lock_guard lock(receivers_mu);
  return receivers().at(id);
}

std::mutex& captured_mutex() {
  static std::mutex m;
  return m;
}
Captured& captured(const std::string& exporter_id) { return captures()[exporter_id]; }
void clear_captured() {
  std::lock_guard lock(captured_mutex());
  captures().clear();
}

}  // namespace otlpd::test

using otlpd::test::CaptureExporterFactory;
using otlpd::test::TagProcessorFactory;
using otlpd::test::TestExtensionFactory;
using otlpd::test::TestReceiverFactory;
using otlpd::test::TracesOnlyExporterFactory;
OTLPD_REGISTER_FACTORY(TestReceiverFactory)
OTLPD_REGISTER_FACTORY(TagProcessorFactory)
OTLPD_REGISTER_FACTORY(CaptureExporterFactory)
OTLPD_REGISTER_FACTORY(TracesOnlyExporterFactory)
OTLPD_REGISTER_FACTORY(TestExtensionFactory)
