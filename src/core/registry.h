// The component registry: each factory registers itself once, by type name, from its own folder.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/component.h"

namespace otlpd {

class Registry {
 public:
  static Registry& instance();

  // Registers a factory under its type and aliases; returns true (for static-initialiser use).
  bool add(std::unique_ptr<Factory> factory);
  // The factory of `kind` registered as `type` (or an alias of it), or null.
  const Factory* find(Kind kind, std::string_view type) const;
  // Primary type names of one kind, sorted.
  std::vector<std::string> types(Kind kind) const;

 private:
  std::vector<std::unique_ptr<Factory>> owned_;
  std::map<std::pair<Kind, std::string>, const Factory*, std::less<>> by_name_;
};

}  // namespace otlpd

// Registers a factory class once, at static-initialisation time. Use at namespace scope in the component's .cpp.
#define OTLPD_REGISTER_FACTORY(FactoryClass)                               \
  namespace {                                                              \
  [[maybe_unused]] const bool otlpd_registered_##FactoryClass =            \
      ::otlpd::Registry::instance().add(std::make_unique<FactoryClass>()); \
  }
