// Loading, merging and validating the daemon configuration.
#include "config/config.h"

#include <set>

#include "config/schema.h"
#include "core/registry.h"
#include "platform/text.h"

namespace otlpd {

namespace {

std::string kind_section(Kind k) { return std::string(to_string(k)) + "s"; }

std::vector<std::string> with_valid(std::vector<std::string> v) {
  if (v.empty()) v.push_back("(none)");
  return v;
}

void parse_components(const ConfigNode& section, Kind kind, std::map<ComponentId, ComponentEntry>& out) {
  for (auto& [key, node] : section.entries()) {
    ComponentId id;
    if (!ComponentId::parse(key, id)) node.fail("invalid component id '" + key + "': use 'type' or 'type/name'");
    const Factory* factory = Registry::instance().find(kind, id.type);
    if (!factory) {
      node.fail("unknown " + std::string(to_string(kind)) + " type '" + id.type +
                "'; known types are: " + join(with_valid(Registry::instance().types(kind))));
    }
    ComponentEntry e;
    e.id = id;
    e.factory = factory;
    e.config = factory->parse(node);
    e.line = node.line();
    e.canonical = canonical_text(node.yaml());
    out.emplace(id, std::move(e));
  }
}

std::vector<ComponentId> parse_id_list(const ConfigNode& list, const std::map<ComponentId, ComponentEntry>& defined,
                                       Kind kind, std::optional<Signal> signal) {
  std::vector<ComponentId> ids;
  std::set<ComponentId> seen;
  for (const auto& item : list.items()) {
    std::string text = item.scalar();
    ComponentId id;
    if (!ComponentId::parse(text, id)) item.fail("invalid component id '" + text + "'");
    auto it = defined.find(id);
    if (it == defined.end()) {
      std::vector<std::string> names;
      for (const auto& [d, e] : defined) names.push_back(d.str());
      item.fail(std::string(to_string(kind)) + " '" + text + "' is not defined under '" + kind_section(kind) +
                "'; defined are: " + join(with_valid(names)));
    }
    if (signal && !it->second.factory->supports(*signal))
      item.fail(std::string(to_string(kind)) + " '" + text + "' does not support " + std::string(to_string(*signal)));
    if (!seen.insert(id).second) item.fail("'" + text + "' is listed twice");
    ids.push_back(id);
  }
  return ids;
}

void parse_telemetry(const ConfigNode& node, TelemetryConfig& t) {
  MapReader r(node);
  if (auto logs = r.child("logs")) {
    MapReader lr(*logs);
    lr.get("level", t.log_level);
    static const std::set<std::string> levels{"debug", "info", "warn", "error"};
    t.log_level = ascii_lower(t.log_level);
    if (!levels.count(t.log_level))
      lr.child("level")->fail("unknown log level '" + t.log_level + "'; valid values are: debug, info, warn, error");
    std::string encoding;
    lr.get("encoding", encoding);
    lr.finish();
  }
  if (auto metrics = r.child("metrics")) {
    MapReader mr(*metrics);
    if (auto a = mr.child("address"); a && !a->is_null() && !a->as<std::string>().empty())
      t.metrics_address = read_net_endpoint(*a);
    mr.get("level", t.metrics_level);
    static const std::set<std::string> levels{"none", "basic", "normal", "detailed"};
    if (!levels.count(t.metrics_level))
      mr.child("level")->fail("unknown metrics level '" + t.metrics_level +
                              "'; valid values are: none, basic, normal, detailed");
    if (t.metrics_level == "none") t.metrics_address.reset();
    mr.finish();
  }
  r.finish();
}

}  // namespace

YAML::Node merge_yaml(const YAML::Node& base, const YAML::Node& over) {
  if (!over.IsDefined() || over.IsNull()) return YAML::Clone(base);
  if (!base.IsMap() || !over.IsMap()) return YAML::Clone(over);
  YAML::Node out = YAML::Clone(base);
  for (const auto& kv : over) {
    const std::string key = kv.first.Scalar();
    YAML::Node existing;
    bool found = false;
    for (auto it = out.begin(); it != out.end(); ++it) {
      if (it->first.Scalar() == key) {
        existing = it->second;
        found = true;
        break;
      }
    }
    if (found && existing.IsMap() && kv.second.IsMap())
      out[key] = merge_yaml(existing, kv.second);
    else
      out[key] = YAML::Clone(kv.second);
  }
  return out;
}

// A config file is kilobytes; a larger one is a mistake (a log file, a binary) rather than a config.
constexpr size_t kMaxConfigFileBytes = size_t{16} << 20;

YAML::Node load_and_merge(const std::vector<std::string>& files) {
  if (files.empty()) throw ConfigError("no configuration given: use --config <file>");
  YAML::Node merged;
  for (const auto& f : files) {
    std::string text, error;
    if (!read_small_file(f, kMaxConfigFileBytes, "the config file", text, error)) throw ConfigError(error);
    YAML::Node doc = parse_yaml(text, f);
    merged = merged.IsDefined() && !merged.IsNull() ? merge_yaml(merged, doc) : doc;
  }
  return merged;
}

YAML::Node parse_yaml(const std::string& text, const std::string& origin) {
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(origin + " (line " + std::to_string(e.mark.line + 1) + "): invalid YAML: " + e.msg);
  }
  if (!doc.IsNull() && !doc.IsMap()) throw ConfigError(origin + ": the top level must be a map");
  return doc;
}

Config parse_config(const YAML::Node& root) {
  Config cfg;
  ConfigNode top(root, "");
  MapReader r(top);
  if (auto n = r.child("extensions")) parse_components(*n, Kind::extension, cfg.extensions);
  if (auto n = r.child("receivers")) parse_components(*n, Kind::receiver, cfg.receivers);
  if (auto n = r.child("processors")) parse_components(*n, Kind::processor, cfg.processors);
  if (auto n = r.child("exporters")) parse_components(*n, Kind::exporter, cfg.exporters);
  r.child("connectors");  // known to the Collector; rejected below with a clear message when used
  auto service = r.child("service");
  if (auto memory = r.child("memory")) {  // otlpd's own section, not the Collector's
    MapReader mr(*memory);
    ByteSize budget;
    if (mr.get("budget", budget)) cfg.memory_budget = budget.bytes;
    mr.finish();
  }
  r.finish();
  if (auto c = top.yaml()["connectors"]; c.IsDefined() && !c.IsNull() && c.size() > 0)
    ConfigNode(c, "connectors").fail("connectors are not supported by otlpd");
  if (!service) top.fail("missing the 'service' section (service.pipelines says what runs)");

  MapReader sr(*service);
  if (auto ext = sr.child("extensions"))
    cfg.service_extensions = parse_id_list(*ext, cfg.extensions, Kind::extension, std::nullopt);
  if (auto tel = sr.child("telemetry")) parse_telemetry(*tel, cfg.telemetry);
  auto pipelines = sr.child("pipelines");
  sr.finish();
  if (!pipelines || pipelines->is_null() || pipelines->entries().empty())
    (pipelines ? *pipelines : *service).fail("no pipelines: define at least one under service.pipelines");

  for (auto& [key, node] : pipelines->entries()) {
    PipelineConfig p;
    p.id = key;
    std::string_view sig = key;
    if (auto slash = sig.find('/'); slash != std::string_view::npos) {
      if (slash + 1 == sig.size()) node.fail("invalid pipeline id '" + key + "': the name after '/' is empty");
      sig = sig.substr(0, slash);
    }
    auto s = signal_from_string(sig);
    if (!s) node.fail("unknown pipeline type '" + std::string(sig) + "'; valid values are: traces, metrics, logs");
    p.signal = *s;
    MapReader pr(node);
    auto recv = pr.child("receivers");
    auto proc = pr.child("processors");
    auto exp = pr.child("exporters");
    pr.finish();
    if (!recv || recv->items().empty()) node.fail("pipeline '" + key + "' must have at least one receiver");
    if (!exp || exp->items().empty()) node.fail("pipeline '" + key + "' must have at least one exporter");
    p.receivers = parse_id_list(*recv, cfg.receivers, Kind::receiver, p.signal);
    if (proc) p.processors = parse_id_list(*proc, cfg.processors, Kind::processor, p.signal);
    p.exporters = parse_id_list(*exp, cfg.exporters, Kind::exporter, p.signal);
    cfg.pipelines.push_back(std::move(p));
  }
  return cfg;
}

Config load_config(const std::vector<std::string>& files) { return parse_config(load_and_merge(files)); }

}  // namespace otlpd
