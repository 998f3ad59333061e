// Test helpers for service-level tests: building a Service from YAML, a one-trace batch, reading a resource
// attribute, a consumer that answers asynchronous calls when the test says.
#pragma once

#include <yaml-cpp/yaml.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "model/batch.h"
#include "service/service.h"
#include "support/otlp_client.h"

namespace otlpd::test {

inline std::unique_ptr<Service> build_service(const std::string& yaml) {
  return Service::build(parse_config(YAML::Load(yaml)));
}

// One request of three spans with every field set.
inline TraceBatch one_trace() {
  auto b = TraceBatch::make();
  b.first() = full_traces(3, 1);
  return b;
}

// The first resource's string attribute `key`, or "<absent>".
inline std::string resource_attr(const TraceBatch& b, const std::string& key) {
  for (const auto& kv : b.read_parts().at(0).request->resource_spans(0).resource().attributes())
    if (kv.key() == key) return kv.value().string_value();
  return "<absent>";
}

// Keeps each asynchronous call's answer until the test gives it (answers); consume() answers OK at once.
class DeferringConsumer final : public TraceConsumer {
 public:
  Status consume(TraceBatch) override { return Status::ok(); }
  void consume_async(TraceBatch, Done done) override {
    std::lock_guard lock(mu);
    answers.push_back(std::move(done));
  }
  bool may_block() const override { return true; }
  bool answers_async() const override { return true; }
  std::mutex mu;
  std::vector<Done> answers;
};

}  // namespace otlpd::test
