// Parsing one component's config the way the config loader does, for tests of schemas and their errors.
#pragma once

#include <yaml-cpp/yaml.h>
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "config/node.h"
#include "core/registry.h"

namespace otlpd::test {

// The factory's parse() of `yaml`, rooted at "<kind>s::<type>" as in a config file.
inline ComponentConfigPtr parse_component(Kind kind, std::string_view type, const std::string& yaml) {
  const auto* f = Registry::instance().find(kind, type);
  REQUIRE(f);
  return f->parse(ConfigNode(YAML::Load(yaml), std::string(to_string(kind)) + "s::" + std::string(type)));
}

// The ConfigError parse_component() throws, or empty when the config loads.
inline std::string component_error(Kind kind, std::string_view type, const std::string& yaml) {
  try {
    parse_component(kind, type, yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return {};
}

}  // namespace otlpd::test
