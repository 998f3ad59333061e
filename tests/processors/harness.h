// Processor test helpers: build a processor from YAML through its registered factory, capture what it sends,
// and make small OTLP requests.
#pragma once

#include <yaml-cpp/yaml.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "config/node.h"
#include "core/component.h"
#include "core/registry.h"
#include "model/batch.h"
#include "processors/common/values.h"

namespace otlpd::test {

// A downstream consumer that keeps every batch it gets and answers `answer`.
template <typename B>
class Capture final : public Consumer<B> {
 public:
  Status consume(B b) override {
    std::lock_guard lock(mu_);
    items_ += b.item_count();
    batches_.push_back(std::move(b));
    return answer_;
  }
  void answer(Status s) {
    std::lock_guard lock(mu_);
    answer_ = std::move(s);
  }
  size_t items() const {
    std::lock_guard lock(mu_);
    return items_;
  }
  size_t batch_count() const {
    std::lock_guard lock(mu_);
    return batches_.size();
  }
  std::vector<B> take() {
    std::lock_guard lock(mu_);
    items_ = 0;
    return std::exchange(batches_, {});
  }

 private:
  mutable std::mutex mu_;
  std::vector<B> batches_;
  size_t items_ = 0;
  Status answer_;
};

class NullHost final : public Host {
 public:
  Extension* extension(const ComponentId&) const override { return nullptr; }
};

inline const ProcessorFactory& processor_factory(const std::string& type) {
  auto* f = Registry::instance().find(Kind::processor, type);
  if (!f) throw std::runtime_error("no processor factory " + type);
  return static_cast<const ProcessorFactory&>(*f);
}

inline ComponentConfigPtr parse_processor(const std::string& type, const std::string& yaml) {
  return processor_factory(type).parse(ConfigNode(YAML::Load(yaml), "processors::" + type));
}

template <typename B>
ProcessorPtr make_processor(const std::string& type, const std::string& yaml, Consumer<B>& next) {
  auto cfg = parse_processor(type, yaml);
  Consumers c;
  if constexpr (B::signal == Signal::traces)
    c.traces = &next;
  else if constexpr (B::signal == Signal::metrics)
    c.metrics = &next;
  else
    c.logs = &next;
  return processor_factory(type).create({ComponentId{type, ""}, std::string(to_string(B::signal))}, *cfg, B::signal, c);
}

template <typename B>
Consumer<B>& input(Processor& p) {
  auto* c = p.consumers().template get<B>();
  if (!c) throw std::runtime_error("processor has no consumer for the signal");
  return *c;
}

// Metric names of what came out, in order.
inline std::vector<std::string> metric_names(const std::vector<MetricBatch>& got) {
  std::vector<std::string> out;
  for (const auto& b : got)
    for (const auto& p : b.read_parts())
      for (const auto& rm : p.request->resource_metrics())
        for (const auto& sm : rm.scope_metrics())
          for (const auto& m : sm.metrics()) out.push_back(m.name());
  return out;
}

// String bodies of the log records that came out, in order.
inline std::vector<std::string> log_bodies(const std::vector<LogBatch>& got) {
  std::vector<std::string> out;
  for (const auto& b : got)
    for (const auto& p : b.read_parts())
      for (const auto& rl : p.request->resource_logs())
        for (const auto& sl : rl.scope_logs())
          for (const auto& l : sl.log_records()) out.push_back(l.body().string_value());
  return out;
}

// Runs `batch` through a processor `type` configured with `yaml`; what it sent on (empty: nothing). The batch
// must be accepted (the caller's REQUIRE-free helper: throws when the processor refuses it).
template <typename B>
std::vector<B> run_processor(const std::string& type, const std::string& yaml, B batch) {
  Capture<B> out;
  auto p = make_processor<B>(type, yaml, out);
  const Status s = input<B>(*p).consume(std::move(batch));
  if (!s.is_ok()) throw std::runtime_error(type + " refused the batch: " + s.message());
  return out.take();
}

inline void set_attr(google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>& attrs,
                     const std::string& key, const std::string& value) {
  auto* kv = attrs.Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

// `n` spans named "<prefix>0".."<prefix>n-1" under one resource (service.name = `service`) and one scope.
inline TraceBatch spans(int n, const std::string& service = "svc", const std::string& prefix = "span",
                        RequestContext ctx = {}) {
  auto b = TraceBatch::make(std::move(ctx));
  auto* rs = b.first().add_resource_spans();
  set_attr(*rs->mutable_resource()->mutable_attributes(), "service.name", service);
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("lib");
  for (int i = 0; i < n; ++i) ss->add_spans()->set_name(prefix + std::to_string(i));
  return b;
}

inline LogBatch logs(int n, const std::string& service = "svc") {
  auto b = LogBatch::make();
  auto* rl = b.first().add_resource_logs();
  set_attr(*rl->mutable_resource()->mutable_attributes(), "service.name", service);
  auto* sl = rl->add_scope_logs();
  for (int i = 0; i < n; ++i) {
    auto* l = sl->add_log_records();
    l->mutable_body()->set_string_value("log " + std::to_string(i));
    l->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_INFO);
  }
  return b;
}

// One gauge `name` with `points` data points, each with attribute i=<index>.
inline MetricBatch gauge(const std::string& name, int points) {
  auto b = MetricBatch::make();
  auto* m = b.first().add_resource_metrics()->add_scope_metrics()->add_metrics();
  m->set_name(name);
  for (int i = 0; i < points; ++i) {
    auto* dp = m->mutable_gauge()->add_data_points();
    dp->set_as_int(i);
    set_attr(*dp->mutable_attributes(), "i", std::to_string(i));
  }
  return b;
}

// Span names of a batch in order.
inline std::vector<std::string> span_names(const TraceBatch& b) {
  std::vector<std::string> out;
  for (const auto& p : b.read_parts())
    for (const auto& rs : p.request->resource_spans())
      for (const auto& ss : rs.scope_spans())
        for (const auto& s : ss.spans()) out.push_back(s.name());
  return out;
}

}  // namespace otlpd::test
