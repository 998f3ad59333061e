// The whole daemon configuration in the Collector's schema, loaded, merged and validated.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/node.h"
#include "core/component.h"
#include "platform/net_endpoint.h"

namespace otlpd {

struct ComponentEntry {
  ComponentId id;
  const Factory* factory = nullptr;
  ComponentConfigPtr config;
  int line = 0;
  // The component's YAML subtree in a canonical form (environment references expanded, map keys sorted): two
  // entries with equal ids and equal canonical forms configure the same component (hot reload keeps it).
  std::string canonical;
};

struct PipelineConfig {
  std::string id;  // "traces" or "traces/name"
  Signal signal = Signal::traces;
  std::vector<ComponentId> receivers;  // receivers and connectors (Config::connectors tells them apart)
  std::vector<ComponentId> processors;
  std::vector<ComponentId> exporters;  // exporters and connectors
};

struct TelemetryConfig {
  std::string log_level = "info";              // service.telemetry.logs.level
  std::optional<NetEndpoint> metrics_address;  // service.telemetry.metrics.address; empty: no endpoint
  std::string metrics_level = "normal";        // service.telemetry.metrics.level
};

struct Config {
  std::map<ComponentId, ComponentEntry> receivers;
  std::map<ComponentId, ComponentEntry> processors;
  std::map<ComponentId, ComponentEntry> exporters;
  std::map<ComponentId, ComponentEntry> extensions;
  // Listed in a pipeline's exporters and in another's receivers (receivers and exporters have other ids).
  std::map<ComponentId, ComponentEntry> connectors;
  std::vector<ComponentId> service_extensions;
  std::vector<PipelineConfig> pipelines;
  TelemetryConfig telemetry;
  // memory.budget (otlpd's own key): bytes received and not yet delivered; unset: the default budget.
  std::optional<uint64_t> memory_budget;
};

// Loads YAML files and merges them in order: maps deep-merge, lists and scalars of later files replace.
YAML::Node load_and_merge(const std::vector<std::string>& files);
// One file's text as a document (a map, or null when empty); throws ConfigError naming `origin` and the line.
YAML::Node parse_yaml(const std::string& text, const std::string& origin);
// Deep-merges `over` into a copy of `base`.
YAML::Node merge_yaml(const YAML::Node& base, const YAML::Node& over);
// Builds the typed config from a merged document; throws ConfigError naming the path and line. Connectors are
// checked as the Collector checks them: each is used on both sides with a signal pair it supports, and the
// pipelines they link form no cycle.
Config parse_config(const YAML::Node& root);
// load_and_merge + parse_config.
Config load_config(const std::vector<std::string>& files);

}  // namespace otlpd
