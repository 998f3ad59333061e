// Test helpers for service-level tests: building a Service from YAML, a one-trace batch, reading a resource
// attribute.
#pragma once

#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>

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

}  // namespace otlpd::test
