// Test helpers for the tail_sampling processor: building spans, a capturing consumer, creating the processor.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <string_view>

#include "codec/wire_reader.h"
#include "config/node.h"
#include "core/component.h"
#include "core/registry.h"
#include "model/batch.h"
#include "model/consumer.h"
#include "platform/telemetry.h"

namespace otlpd::test::ts {

using opentelemetry::proto::trace::v1::Span;
using opentelemetry::proto::trace::v1::Status_StatusCode;

// 16 bytes from a seeded generator: trace ids look random, as real ones do.
inline std::string random_id(std::mt19937_64& rng, size_t bytes = 16) {
  std::string out(bytes, '\0');
  for (size_t i = 0; i < bytes; i += 8) {
    uint64_t v = rng();
    for (size_t j = 0; j < 8 && i + j < bytes; ++j) out[i + j] = static_cast<char>((v >> (8 * j)) & 0xFF);
  }
  return out;
}

// Appends a span to the batch's first resource/scope (created with service.name=checkout on first use).
inline Span* add_span(TraceBatch& batch, const std::string& trace_id, const std::string& span_id,
                      const std::string& parent_id = {}) {
  auto& req = batch.first();
  if (req.resource_spans_size() == 0) {
    auto* rs = req.add_resource_spans();
    auto* kv = rs->mutable_resource()->add_attributes();
    kv->set_key("service.name");
    kv->mutable_value()->set_string_value("checkout");
    rs->add_scope_spans()->mutable_scope()->set_name("test");
  }
  auto* span = req.mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans();
  span->set_trace_id(trace_id);
  span->set_span_id(span_id);
  span->set_parent_span_id(parent_id);
  span->set_name("op");
  span->set_start_time_unix_nano(1'700'000'000'000'000'000ull);
  span->set_end_time_unix_nano(1'700'000'000'010'000'000ull);
  return span;
}

inline void set_attr(Span* s, const std::string& key, const std::string& value) {
  auto* kv = s->add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

// Calls f(span bytes) for each span of a serialised ExportTraceServiceRequest, in order; false on bad bytes.
template <typename F>
bool for_each_span_bytes(std::string_view request, F&& f) {
  using otlp_wire::Field;
  using otlp_wire::Reader;
  auto each = [](std::string_view bytes, uint32_t number, auto&& g) {
    Reader r(bytes);
    Field x;
    bool ok = true;
    while (r.next(x))
      if (x.number == number && x.type == otlp_wire::WireType::len) ok = g(x.body) && ok;
    return ok && !r.error();
  };
  return each(request, 1, [&](std::string_view rs) {
    return each(rs, 2, [&](std::string_view ss) {
      return each(ss, 2, [&](std::string_view span) {
        f(span);
        return true;
      });
    });
  });
}

// The span id (Span.span_id=2) in a span's bytes.
inline std::string span_id_of(std::string_view span) {
  otlp_wire::Reader r(span);
  otlp_wire::Field f;
  std::string id;
  while (r.next(f))
    if (f.number == 2 && f.type == otlp_wire::WireType::len) id = std::string(f.body);
  return id;
}

// Records every span it receives: trace id → span ids.
class Capture final : public TraceConsumer {
 public:
  Status consume(TraceBatch b) override {
    std::lock_guard lock(mu_);
    if (keep_span_bytes_) {
      for (const auto& part : b.raw_parts()) all_wire_ = all_wire_ && part.wire && !part.request;
      for_each_span_bytes(b.serialize(), [&](std::string_view span) { span_bytes_[span_id_of(span)] = span; });
    }
    for (const auto& part : b.read_parts())
      for (const auto& rs : part.request->resource_spans())
        for (const auto& ss : rs.scope_spans())
          for (const auto& span : ss.spans()) {
            traces_[span.trace_id()].insert(span.span_id());
            std::string service;
            for (const auto& kv : rs.resource().attributes())
              if (kv.key() == "service.name") service = kv.value().string_value();
            origin_[span.span_id()] = service + "/" + ss.scope().name() + "/" + rs.schema_url();
            ++spans_;
          }
    return Status::ok();
  }
  size_t spans() const {
    std::lock_guard lock(mu_);
    return spans_;
  }
  size_t traces() const {
    std::lock_guard lock(mu_);
    return traces_.size();
  }
  std::map<std::string, std::set<std::string>> snapshot() const {
    std::lock_guard lock(mu_);
    return traces_;
  }
  // "service.name/scope name/resource schema url" of a span as it arrived.
  std::string origin(const std::string& span_id) const {
    std::lock_guard lock(mu_);
    auto it = origin_.find(span_id);
    return it == origin_.end() ? std::string() : it->second;
  }
  bool has(const std::string& trace_id) const {
    std::lock_guard lock(mu_);
    return traces_.count(trace_id) > 0;
  }
  // Also keep each span's bytes as received (for byte-exactness tests); call before sending.
  void keep_span_bytes() {
    std::lock_guard lock(mu_);
    keep_span_bytes_ = true;
  }
  // span id → the span's bytes as they arrived here.
  std::map<std::string, std::string> span_bytes() const {
    std::lock_guard lock(mu_);
    return span_bytes_;
  }
  // Whether every batch received came as wire bytes only (nothing decoded on the way).
  bool all_wire() const {
    std::lock_guard lock(mu_);
    return all_wire_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::set<std::string>> traces_;
  std::map<std::string, std::string> origin_;
  std::map<std::string, std::string> span_bytes_;
  bool keep_span_bytes_ = false;
  bool all_wire_ = true;
  size_t spans_ = 0;
};

class NullHost final : public Host {
 public:
  Extension* extension(const ComponentId&) const override { return nullptr; }
};

// The processor built from YAML through its registered factory, as the service builds it.
struct Harness {
  Harness(std::string id, const std::string& yaml) : id_(std::move(id)) {
    const auto* f = dynamic_cast<const ProcessorFactory*>(Registry::instance().find(Kind::processor, "tail_sampling"));
    if (!f) throw std::runtime_error("tail_sampling factory not registered");
    config_ = f->parse(ConfigNode(YAML::Load(yaml), "processors::tail_sampling/" + id_));
    CreateSettings s;
    s.id = ComponentId{"tail_sampling", id_};
    s.pipeline = "traces";
    processor_ = f->create(s, *config_, Signal::traces, Consumers{&capture, nullptr, nullptr});
    processor_->start(host_);
  }
  ~Harness() {
    if (processor_) processor_->shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(10));
  }
  Status send(TraceBatch b) { return processor_->consumers().traces->consume(std::move(b)); }
  void shutdown() { processor_->shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(10)); }

  std::string label() const { return "tail_sampling/" + id_; }
  uint64_t counter(std::string_view name, Labels extra = {}) const {
    Labels l{{"processor", label()}};
    l.insert(l.end(), extra.begin(), extra.end());
    return Telemetry::global().counter_value(name, l);
  }
  int64_t gauge(std::string_view name) const { return Telemetry::global().gauge_value(name, {{"processor", label()}}); }
  uint64_t decided() const {
    return counter("otelcol_processor_tail_sampling_global_count_traces_sampled", {{"sampled", "true"}}) +
           counter("otelcol_processor_tail_sampling_global_count_traces_sampled", {{"sampled", "false"}});
  }
  int64_t pending_traces() const { return gauge("otelcol_processor_tail_sampling_sampling_traces_on_memory"); }

  Capture capture;

 private:
  std::string id_;
  NullHost host_;
  ComponentConfigPtr config_;
  ProcessorPtr processor_;
};

}  // namespace otlpd::test::ts
