// Test helpers for the redaction processor: build it from YAML through the registry, capture what it passes
// on.
#pragma once

#include <yaml-cpp/yaml.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/util/message_differencer.h>

#include "codec/otlp_wire.h"
#include "config/node.h"
#include "core/registry.h"
#include "model/batch.h"

namespace otlpd::redaction_test {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using Attributes = google::protobuf::RepeatedPtrField<KeyValue>;

template <typename B>
class Capture final : public Consumer<B> {
 public:
  Status consume(B b) override {
    std::lock_guard lock(mu_);
    batches.push_back(std::move(b));
    return Status::ok();
  }
  std::mutex mu_;
  std::vector<B> batches;
};

inline ComponentConfigPtr parse_config(const std::string& yaml) {
  const Factory* f = Registry::instance().find(Kind::processor, "redaction");
  if (!f) throw std::runtime_error("redaction processor is not registered");
  return f->parse(ConfigNode(YAML::Load(yaml), "processors::redaction"));
}

// A processor for one signal with a capturing consumer behind it.
template <typename B>
struct Harness {
  Capture<B> sink;
  ProcessorPtr processor;

  explicit Harness(const std::string& yaml) {
    auto cfg = parse_config(yaml);
    auto* f = dynamic_cast<const ProcessorFactory*>(Registry::instance().find(Kind::processor, "redaction"));
    Consumers next;
    if constexpr (B::signal == Signal::traces)
      next.traces = &sink;
    else if constexpr (B::signal == Signal::metrics)
      next.metrics = &sink;
    else
      next.logs = &sink;
    processor = f->create(CreateSettings{{"redaction", ""}, "p"}, *cfg, B::signal, next);
  }

  // Runs one request through the processor and returns the request it passed on. Traces and logs go through
  // twice, decoded and as received bytes (the processor's wire path), and both must come out the same.
  typename B::RequestType run(const typename B::RequestType& request) {
    B batch = B::make();
    batch.first().CopyFrom(request);
    auto out = pass(std::move(batch));
    if constexpr (B::signal != Signal::metrics) {
      std::string bytes = request.SerializeAsString();
      auto checked = otlp_wire::check<typename B::RequestType>(bytes);
      if (!checked.ok) throw std::runtime_error("test request fails the wire check: " + checked.error);
      auto from_wire = pass(B::adopt_wire(std::move(bytes), checked.items));
      if (!google::protobuf::util::MessageDifferencer::Equals(out, from_wire))
        throw std::runtime_error("the wire path differs from the decoded path:\n" + out.DebugString() + "\n---\n" +
                                 from_wire.DebugString());
    }
    return out;
  }

 private:
  typename B::RequestType pass(B batch) {
    Status s = processor->consumers().template get<B>()->consume(std::move(batch));
    if (!s.is_ok()) throw std::runtime_error("consume failed");
    std::lock_guard lock(sink.mu_);
    typename B::RequestType out;
    out.CopyFrom(*sink.batches.back().read_parts().front().request);
    return out;
  }
};

inline void put(Attributes& attrs, const std::string& key, const std::string& value) {
  auto* kv = attrs.Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}
inline void put_int(Attributes& attrs, const std::string& key, int64_t value) {
  auto* kv = attrs.Add();
  kv->set_key(key);
  kv->mutable_value()->set_int_value(value);
}
inline const AnyValue* get(const Attributes& attrs, const std::string& key) {
  for (const auto& kv : attrs)
    if (kv.key() == key) return &kv.value();
  return nullptr;
}
inline std::optional<std::string> str(const Attributes& attrs, const std::string& key) {
  const AnyValue* v = get(attrs, key);
  if (!v) return std::nullopt;
  return v->string_value();
}
inline std::optional<int64_t> integer(const Attributes& attrs, const std::string& key) {
  const AnyValue* v = get(attrs, key);
  if (!v || !v->has_int_value()) return std::nullopt;
  return v->int_value();
}

// One span with `attrs` in a request.
inline otlp_trace::ExportTraceServiceRequest span_with(const std::vector<std::pair<std::string, std::string>>& attrs) {
  otlp_trace::ExportTraceServiceRequest r;
  auto* span = r.add_resource_spans()->add_scope_spans()->add_spans();
  span->set_name("op");
  for (const auto& [k, v] : attrs) put(*span->mutable_attributes(), k, v);
  return r;
}
inline const Attributes& span_attrs(const otlp_trace::ExportTraceServiceRequest& r) {
  return r.resource_spans(0).scope_spans(0).spans(0).attributes();
}

}  // namespace otlpd::redaction_test
