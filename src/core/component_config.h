// What a component's config header needs from the core: the config base type and the component kinds. Kept
// free of protobuf, gRPC and the data model, so that a config header stays cheap to include (a layering test,
// tests/layering, compiles every config header and fails when one pulls in generated code).
#pragma once

#include <memory>
#include <string_view>

namespace otlpd {

enum class Kind { receiver, processor, exporter, extension, connector };
std::string_view to_string(Kind k);

// A typed, validated component configuration (each component derives its own).
struct ComponentConfig {
  virtual ~ComponentConfig() = default;
};
using ComponentConfigPtr = std::unique_ptr<ComponentConfig>;

// Downcasts a config to the factory's own type.
template <typename T>
const T& config_as(const ComponentConfig& c) {
  return dynamic_cast<const T&>(c);
}

}  // namespace otlpd
