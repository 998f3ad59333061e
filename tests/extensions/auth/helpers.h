// Test helpers for the auth extensions: build and start one from YAML, and call it with headers.
#pragma once

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>

#include <string>

#include "config/node.h"
#include "core/auth.h"
#include "core/registry.h"

namespace otlpd::test {

struct NoExtensionsHost : Host {
  Extension* extension(const ComponentId&) const override { return nullptr; }
};

// Parses `yaml` as the config of extension `type`, creates and starts it. Throws ConfigError on bad config.
inline ExtensionPtr start_extension(const std::string& type, const std::string& yaml) {
  const auto* f = dynamic_cast<const ExtensionFactory*>(Registry::instance().find(Kind::extension, type));
  REQUIRE(f);
  auto cfg = f->parse(ConfigNode(YAML::Load(yaml), "extensions::" + type));
  auto e = f->create({ComponentId{type, {}}, {}}, *cfg);
  NoExtensionsHost host;
  e->start(host);
  return e;
}

inline const ServerAuthenticator& as_authenticator(const ExtensionPtr& e) {
  const auto* a = dynamic_cast<const ServerAuthenticator*>(e.get());
  REQUIRE(a);
  return *a;
}

}  // namespace otlpd::test
