// Loading, merging and validating the daemon configuration.
#include "config/config.h"

#include <algorithm>
#include <functional>
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

// Where a pipeline lists a connector: the pipeline's index and the list item (for the error's path and line).
struct ConnectorUse {
  size_t pipeline;
  ConfigNode item;
};
using ConnectorUses = std::map<ComponentId, std::vector<ConnectorUse>>;

// The ids of a pipeline's list. With `connectors`, an id defined there is accepted too and recorded in `uses`
// (its signals are checked once every pipeline is read).
std::vector<ComponentId> parse_id_list(const ConfigNode& list, const std::map<ComponentId, ComponentEntry>& defined,
                                       Kind kind, std::optional<Signal> signal,
                                       const std::map<ComponentId, ComponentEntry>* connectors = nullptr,
                                       ConnectorUses* uses = nullptr, size_t pipeline = 0) {
  std::vector<ComponentId> ids;
  std::set<ComponentId> seen;
  for (const auto& item : list.items()) {
    std::string text = item.scalar();
    ComponentId id;
    if (!ComponentId::parse(text, id)) item.fail("invalid component id '" + text + "'");
    if (!seen.insert(id).second) item.fail("'" + text + "' is listed twice");
    if (connectors && connectors->count(id)) {
      (*uses)[id].push_back({pipeline, item});
      ids.push_back(id);
      continue;
    }
    auto it = defined.find(id);
    if (it == defined.end()) {
      std::vector<std::string> names;
      for (const auto& [d, e] : defined) names.push_back(d.str());
      std::string where = "'" + kind_section(kind) + "'";
      if (connectors && !connectors->empty()) {
        where += " or 'connectors'";
        for (const auto& [d, e] : *connectors) names.push_back(d.str());
      }
      item.fail(std::string(to_string(kind)) + " '" + text + "' is not defined under " + where +
                "; defined are: " + join(with_valid(names)));
    }
    if (signal && !it->second.factory->supports(*signal))
      item.fail(std::string(to_string(kind)) + " '" + text + "' does not support " + std::string(to_string(*signal)));
    if (signal)
      if (auto error = it->second.factory->signal_error(*it->second.config, *signal); !error.empty())
        item.fail(std::string(to_string(kind)) + " '" + text + "' cannot serve " + std::string(to_string(*signal)) +
                  ": " + error);
    ids.push_back(id);
  }
  return ids;
}

// "[traces traces/b]": pipeline ids of one signal as the Collector prints them.
std::string pipeline_names(const std::vector<ConnectorUse>& uses, const std::vector<PipelineConfig>& pipelines,
                           Signal signal) {
  std::string out = "[";
  for (const auto& u : uses) {
    if (pipelines[u.pipeline].signal != signal) continue;
    if (out.size() > 1) out += " ";
    out += pipelines[u.pipeline].id;
  }
  return out + "]";
}

// The Collector's rules: a connector is used on both sides, each use with a supported counterpart; the pipelines
// linked by connectors form no cycle.
void check_connectors(const Config& cfg, const ConnectorUses& as_exporter, const ConnectorUses& as_receiver) {
  static const std::vector<ConnectorUse> none;
  auto uses_of = [](const ConnectorUses& m, const ComponentId& id) -> const std::vector<ConnectorUse>& {
    auto it = m.find(id);
    return it == m.end() ? none : it->second;
  };
  for (const auto& [id, entry] : cfg.connectors) {
    const auto& exp = uses_of(as_exporter, id);
    const auto& rec = uses_of(as_receiver, id);
    const auto* f = static_cast<const ConnectorFactory*>(entry.factory);
    for (const auto& e : exp) {
      Signal from = cfg.pipelines[e.pipeline].signal;
      bool ok = std::any_of(rec.begin(), rec.end(),
                            [&](const ConnectorUse& r) { return f->supports(from, cfg.pipelines[r.pipeline].signal); });
      if (!ok)
        e.item.fail("connector \"" + id.str() + "\" used as exporter in " + pipeline_names(exp, cfg.pipelines, from) +
                    " pipeline but not used in any supported receiver pipeline");
    }
    for (const auto& r : rec) {
      Signal to = cfg.pipelines[r.pipeline].signal;
      bool ok = std::any_of(exp.begin(), exp.end(),
                            [&](const ConnectorUse& e) { return f->supports(cfg.pipelines[e.pipeline].signal, to); });
      if (!ok)
        r.item.fail("connector \"" + id.str() + "\" used as receiver in " + pipeline_names(rec, cfg.pipelines, to) +
                    " pipeline but not used in any supported exporter pipeline");
    }
  }

  // Pipeline P leads to Q through connector C when P exports to C, Q receives from C, and C turns P's signal
  // into Q's.
  struct Edge {
    size_t to;
    ComponentId connector;
    const ConnectorUse* use;  // where P lists C
  };
  std::vector<std::vector<Edge>> edges(cfg.pipelines.size());
  for (const auto& [id, exp] : as_exporter) {
    const auto* f = static_cast<const ConnectorFactory*>(cfg.connectors.at(id).factory);
    for (const auto& e : exp)
      for (const auto& r : uses_of(as_receiver, id))
        if (f->supports(cfg.pipelines[e.pipeline].signal, cfg.pipelines[r.pipeline].signal))
          edges[e.pipeline].push_back({r.pipeline, id, &e});
  }
  enum Color { white, grey, black };
  std::vector<Color> color(cfg.pipelines.size(), white);
  std::vector<std::pair<size_t, const Edge*>> path;  // pipelines on the way, each with the edge it was left by
  auto report = [&](size_t back_to, const Edge& closing) {
    // The cycle from the pipeline it returns to, told from its first connector as the Collector tells it.
    std::vector<const Edge*> cycle;
    size_t start = 0;
    while (path[start].first != back_to) ++start;
    for (size_t i = start; i < path.size(); ++i) cycle.push_back(i + 1 < path.size() ? path[i].second : &closing);
    auto connector_text = [&](const Edge& e, size_t from) {
      return "connector \"" + e.connector.str() + "\" (" + std::string(to_string(cfg.pipelines[from].signal)) + " to " +
             std::string(to_string(cfg.pipelines[e.to].signal)) + ")";
    };
    std::string text = "cycle detected: ";
    size_t from = back_to;
    for (size_t i = 0; i < cycle.size(); ++i) {
      const Edge& e = *cycle[i];
      from = i == 0 ? back_to : cycle[i - 1]->to;
      text += connector_text(e, from) + " -> ";
      for (const auto& pid : cfg.pipelines[e.to].processors)
        text += "processor \"" + pid.str() + "\" in pipeline \"" + cfg.pipelines[e.to].id + "\" -> ";
    }
    text += connector_text(*cycle.front(), back_to);
    cycle.front()->use->item.fail(text);
  };
  std::function<void(size_t)> visit = [&](size_t p) {
    color[p] = grey;
    path.push_back({p, nullptr});
    for (const auto& e : edges[p]) {
      path.back().second = &e;
      if (color[e.to] == grey) report(e.to, e);
      if (color[e.to] == white) visit(e.to);
    }
    path.pop_back();
    color[p] = black;
  };
  for (size_t p = 0; p < cfg.pipelines.size(); ++p)
    if (color[p] == white) visit(p);
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
  if (auto n = r.child("connectors")) parse_components(*n, Kind::connector, cfg.connectors);
  auto service = r.child("service");
  if (auto memory = r.child("memory")) {  // otlpd's own section, not the Collector's
    MapReader mr(*memory);
    ByteSize budget;
    if (mr.get("budget", budget)) cfg.memory_budget = budget.bytes;
    mr.finish();
  }
  r.finish();
  for (const auto& [id, c] : cfg.connectors) {
    for (const auto* other : {&cfg.exporters, &cfg.receivers}) {
      if (!other->count(id)) continue;
      const char* kind = other == &cfg.exporters ? "exporter" : "receiver";
      throw ConfigError("connectors::" + id.str() + " (line " + std::to_string(c.line) +
                        "): ambiguous ID: Found both \"" + id.str() + "\" " + kind + " and \"" + id.str() +
                        "\" connector. Change one of the components' IDs to eliminate ambiguity (e.g. rename \"" +
                        id.str() + "\" connector to \"" + id.str() + "/connector\")");
    }
  }
  if (!service) top.fail("missing the 'service' section (service.pipelines says what runs)");

  MapReader sr(*service);
  if (auto ext = sr.child("extensions"))
    cfg.service_extensions = parse_id_list(*ext, cfg.extensions, Kind::extension, std::nullopt);
  if (auto tel = sr.child("telemetry")) parse_telemetry(*tel, cfg.telemetry);
  auto pipelines = sr.child("pipelines");
  sr.finish();
  if (!pipelines || pipelines->is_null() || pipelines->entries().empty())
    (pipelines ? *pipelines : *service).fail("no pipelines: define at least one under service.pipelines");

  ConnectorUses as_exporter, as_receiver;
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
    const size_t index = cfg.pipelines.size();
    p.receivers = parse_id_list(*recv, cfg.receivers, Kind::receiver, p.signal, &cfg.connectors, &as_receiver, index);
    if (proc) p.processors = parse_id_list(*proc, cfg.processors, Kind::processor, p.signal);
    p.exporters = parse_id_list(*exp, cfg.exporters, Kind::exporter, p.signal, &cfg.connectors, &as_exporter, index);
    cfg.pipelines.push_back(std::move(p));
  }
  check_connectors(cfg, as_exporter, as_receiver);
  return cfg;
}

Config load_config(const std::vector<std::string>& files) { return parse_config(load_and_merge(files)); }

}  // namespace otlpd
