// A Host with no extensions, for components started outside a Service.
#pragma once

#include "core/component.h"

namespace otlpd::test {

inline const Host& no_extensions() {
  struct NoExtensions final : Host {
    Extension* extension(const ComponentId&) const override { return nullptr; }
  };
  static const NoExtensions host;
  return host;
}

}  // namespace otlpd::test
