// The pipeline graph: built from a Config, started, reloaded in place (docs/reload.md) and shut down.
#include "service/service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include "model/fanout.h"
#include "model/memory_budget.h"
#include "model/switch_consumer.h"
#include "platform/endpoints.h"
#include "platform/http_endpoint.h"
#include "platform/telemetry.h"

namespace otlpd {

namespace {

// How long a call may wait for an exporter that replaces one of the same id to start (the old instance must shut
// down first: it may hold a lock on its queue directory). Past it the call is refused as retryable.
constexpr std::chrono::seconds kReplacementWait{5};

// Opened once the exporter it guards has started (or has failed to).
struct ExporterGate {
  enum State { waiting, open, failed };
  std::string id;
  std::atomic<int> state{waiting};
  std::mutex mu;
  std::condition_variable cv;

  void set(State s) {
    {
      std::lock_guard lock(mu);
      state.store(s, std::memory_order_release);
    }
    cv.notify_all();
  }
  bool wait_open() {
    std::unique_lock lock(mu);
    cv.wait_for(lock, kReplacementWait, [&] { return state.load() != waiting; });
    return state.load() == open;
  }
};

// In front of an exporter that replaced an instance of the same id: calls wait (bounded) until it has started.
// Once open, a call costs one atomic load more.
template <typename B>
class GateConsumer final : public Consumer<B> {
 public:
  GateConsumer(Consumer<B>* target, std::shared_ptr<ExporterGate> gate) : target_(target), gate_(std::move(gate)) {}
  Status consume(B batch) override {
    if (!open()) return replacing();
    return target_->consume(std::move(batch));
  }
  // Forwarded once open; while closed, the (bounded) wait happens on the caller's thread, as in consume(): only
  // during a reload that replaces the exporter.
  void consume_async(B batch, typename Consumer<B>::Done done) override {
    if (!open()) return done(replacing());
    target_->consume_async(std::move(batch), std::move(done));
  }
  bool may_block() const override { return target_->may_block(); }
  bool answers_async() const override { return target_->answers_async(); }

 private:
  bool open() const { return gate_->state.load(std::memory_order_acquire) == ExporterGate::open || gate_->wait_open(); }
  Status replacing() const {
    return Status::retryable("exporter " + gate_->id + " is being replaced by a configuration reload",
                             std::chrono::seconds(1));
  }

  Consumer<B>* target_;
  std::shared_ptr<ExporterGate> gate_;
};

struct ExtensionSlot {
  ComponentId id;
  std::string canonical;
  ExtensionPtr instance;
  bool started = false;
};

struct ExporterSlot {
  ComponentId id;
  std::string canonical;
  ExporterPtr instance;
  bool started = false;
  Consumers entry;                     // what pipelines call: the instance's consumers, or the gates before them
  std::shared_ptr<ExporterGate> gate;  // when it replaced an instance of the same id
  std::vector<std::shared_ptr<void>> gate_consumers;
};

struct ProcessorSlot {
  ComponentId id;
  std::string canonical;
  ProcessorPtr instance;
  bool started = false;
};

struct PipelineSlot {
  PipelineConfig config;
  std::vector<ProcessorSlot> chain;  // in listed order
  std::vector<std::shared_ptr<void>> fanouts;
  Consumers entry;  // the first stage, for the pipeline's signal only
};

// A connector and the fan-outs it calls: per signal, the entries of the pipelines that receive from it.
struct ConnectorSlot {
  ComponentId id;
  std::string canonical;
  ConnectorPtr instance;
  bool started = false;
  Consumers entry;                              // what exporting pipelines call
  std::vector<const PipelineSlot*> downstream;  // the pipelines it feeds, in config order
  std::vector<std::shared_ptr<void>> fanouts;   // what `instance` calls
};

// A pipeline or a connector, in the order they were built (downstream first): started in this order, stopped in
// the reverse, so that each flushes into running successors.
struct Stage {
  std::shared_ptr<PipelineSlot> pipeline;
  std::shared_ptr<ConnectorSlot> connector;

  // The instance it stands for, to tell kept stages from new ones.
  const void* instance() const {
    if (pipeline) return pipeline.get();
    return connector.get();
  }
};

// A receiver and the switches it calls (one per signal it feeds); the switches outlive every route through them.
struct ReceiverSlot {
  ComponentId id;
  std::string canonical;
  ReceiverPtr instance;
  bool started = false;
  std::unique_ptr<SwitchConsumer<TraceBatch>> traces;
  std::unique_ptr<SwitchConsumer<MetricBatch>> metrics;
  std::unique_ptr<SwitchConsumer<LogBatch>> logs;
  std::vector<std::shared_ptr<void>> fanouts;  // what the current routes point into
};

// A receiver's downstream: per signal, the fan-out over the entries of the pipelines that take it.
struct Downstream {
  Consumers next;
  std::vector<std::shared_ptr<void>> fanouts;
};

template <typename B>
Consumer<B>* make_fanout(std::vector<Consumer<B>*> targets, std::vector<std::shared_ptr<void>>& owner) {
  if (targets.empty()) return nullptr;
  if (targets.size() == 1) return targets.front();
  auto f = std::make_shared<FanoutConsumer<B>>(std::move(targets));
  owner.push_back(f);
  return f.get();
}

Consumers fanout_all(const std::vector<Consumers>& targets, Signal only, std::vector<std::shared_ptr<void>>& owner) {
  std::vector<TraceConsumer*> t;
  std::vector<MetricConsumer*> m;
  std::vector<LogConsumer*> l;
  for (const auto& c : targets) {
    if (only == Signal::traces && c.traces) t.push_back(c.traces);
    if (only == Signal::metrics && c.metrics) m.push_back(c.metrics);
    if (only == Signal::logs && c.logs) l.push_back(c.logs);
  }
  return Consumers{make_fanout(std::move(t), owner), make_fanout(std::move(m), owner),
                   make_fanout(std::move(l), owner)};
}

Consumers only_signal(const Consumers& c, Signal s) {
  Consumers out;
  if (s == Signal::traces) out.traces = c.traces;
  if (s == Signal::metrics) out.metrics = c.metrics;
  if (s == Signal::logs) out.logs = c.logs;
  return out;
}

template <typename F>
auto create_or_throw(const std::string& what, F&& f) {
  try {
    return f();
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw ConfigError("cannot create " + what + ": " + e.what());
  }
}

std::string processor_label(const PipelineSlot& p, const ProcessorSlot& s) {
  return "processor " + s.id.str() + " (pipeline " + p.config.id + ")";
}

}  // namespace

struct Service::Graph {
  // Destroyed bottom-up: receivers first, extensions last.
  std::map<ComponentId, std::shared_ptr<ExtensionSlot>> extensions;
  std::map<ComponentId, std::shared_ptr<ExporterSlot>> exporters;
  std::vector<std::shared_ptr<PipelineSlot>> pipelines;  // in config order
  std::map<ComponentId, std::shared_ptr<ConnectorSlot>> connectors;
  std::vector<Stage> stages;  // pipelines and connectors, downstream first
  std::map<ComponentId, std::shared_ptr<ReceiverSlot>> receivers;
};

struct Service::Impl {
  std::unique_ptr<Graph> graph = std::make_unique<Graph>();
  bool shut_down = false;
  std::optional<NetEndpoint> metrics_address;  // service.telemetry.metrics.address; empty: no endpoint
  std::unique_ptr<HttpEndpoint> metrics_endpoint;
};

namespace {

using Graph = Service::Graph;

// The host a graph's components see before it is the service's own (the checks of a reload's new receivers).
class GraphHost final : public Host {
 public:
  explicit GraphHost(const Graph& g) : g_(g) {}
  Extension* extension(const ComponentId& id) const override {
    auto it = g_.extensions.find(id);
    return it == g_.extensions.end() ? nullptr : it->second->instance.get();
  }

 private:
  const Graph& g_;
};

// A new graph for `config`, sharing with `old` every component that did not change; nothing is started.
struct Plan {
  std::unique_ptr<Graph> graph = std::make_unique<Graph>();
  struct Restage {
    std::shared_ptr<ReceiverSlot> slot;
    Downstream down;
  };
  std::vector<Restage> restaged;  // kept receivers and their new downstream
  ReloadSummary summary;
};

bool same_extensions(const Config& config, const Graph& old) {
  if (config.service_extensions.size() != old.extensions.size()) return false;
  for (const auto& id : config.service_extensions) {
    auto it = old.extensions.find(id);
    if (it == old.extensions.end() || it->second->canonical != config.extensions.at(id).canonical) return false;
  }
  return true;
}

Downstream downstream_of(const ComponentId& receiver, const Config& config, const Graph& g) {
  Downstream d;
  for (Signal s : kAllSignals) {
    std::vector<Consumers> targets;
    for (size_t i = 0; i < config.pipelines.size(); ++i) {
      const auto& p = config.pipelines[i];
      if (p.signal != s) continue;
      for (const auto& r : p.receivers)
        if (r == receiver) targets.push_back(g.pipelines[i]->entry);
    }
    Consumers f = fanout_all(targets, s, d.fanouts);
    if (s == Signal::traces) d.next.traces = f.traces;
    if (s == Signal::metrics) d.next.metrics = f.metrics;
    if (s == Signal::logs) d.next.logs = f.logs;
  }
  return d;
}

// Whether a running receiver can be given `d` without being rebuilt: it feeds the same signals, and each
// downstream blocks and answers as the old one did (the receiver chose its threads at start).
bool switchable(const ReceiverSlot& r, const Downstream& d) {
  auto same = [](const auto* sw, const auto* next) {
    if (!sw || !next) return !sw && !next;
    return sw->may_block() == next->may_block() && sw->answers_async() == next->answers_async();
  };
  return same(r.traces.get(), d.next.traces) && same(r.metrics.get(), d.next.metrics) &&
         same(r.logs.get(), d.next.logs);
}

template <typename B>
std::unique_ptr<SwitchConsumer<B>> make_switch(Consumer<B>* target) {
  return target ? std::make_unique<SwitchConsumer<B>>(target) : nullptr;
}

// `old`: the running graph (null at start-up). Throws ConfigError when a component cannot be created.
// `service_host`: what the running components see (with `old`).
Plan make_plan(const Config& config, const Graph* old, const Host* service_host) {
  Plan plan;
  Graph& g = *plan.graph;
  auto& sum = plan.summary;
  // An extension that changed may be referenced by any component (authenticators, storage): everything is
  // rebuilt then, as at a restart.
  if (old && !same_extensions(config, *old)) {
    sum.full_rebuild = true;
  }
  const Graph* keep = sum.full_rebuild ? nullptr : old;

  for (const auto& id : config.service_extensions) {
    const auto& e = config.extensions.at(id);
    if (keep) {
      g.extensions[id] = keep->extensions.at(id);
      continue;
    }
    auto slot = std::make_shared<ExtensionSlot>();
    slot->id = id;
    slot->canonical = e.canonical;
    auto* f = static_cast<const ExtensionFactory*>(e.factory);
    slot->instance = create_or_throw("extension " + id.str(), [&] { return f->create({id, {}}, *e.config); });
    g.extensions[id] = std::move(slot);
  }

  // Exporters: one instance per id, whatever the number of pipelines that use it.
  for (const auto& p : config.pipelines) {
    for (const auto& id : p.exporters) {
      if (g.exporters.count(id) || config.connectors.count(id)) continue;  // connectors are built with pipelines
      const auto& e = config.exporters.at(id);
      if (keep) {
        auto it = keep->exporters.find(id);
        if (it != keep->exporters.end() && it->second->canonical == e.canonical) {
          g.exporters[id] = it->second;
          continue;
        }
      }
      auto slot = std::make_shared<ExporterSlot>();
      slot->id = id;
      slot->canonical = e.canonical;
      auto* f = static_cast<const ExporterFactory*>(e.factory);
      slot->instance = create_or_throw("exporter " + id.str(), [&] { return f->create({id, {}}, *e.config); });
      slot->entry = slot->instance->consumers();
      if (keep && keep->exporters.count(id)) {
        // Replaces a running instance, which shuts down before this one starts: calls wait at the gate meanwhile.
        slot->gate = std::make_shared<ExporterGate>();
        slot->gate->id = id.str();
        auto gate = [&]<typename B>(Consumer<B>* target) -> Consumer<B>* {
          if (!target) return nullptr;
          auto c = std::make_shared<GateConsumer<B>>(target, slot->gate);
          slot->gate_consumers.push_back(c);
          return c.get();
        };
        slot->entry = Consumers{gate(slot->entry.traces), gate(slot->entry.metrics), gate(slot->entry.logs)};
      }
      g.exporters[id] = std::move(slot);
    }
  }

  // Pipelines and connectors, downstream first: a pipeline once the connectors it exports to exist, a connector
  // once the pipelines it feeds do. Each pipeline is built back to front: exporters' fan-out, then processors in
  // reverse order. A pipeline is kept when its processors (ids and configs) and its exporters and connectors (the
  // same instances) are; a connector when its config and the pipelines it feeds (the same instances) are.
  g.pipelines.resize(config.pipelines.size());
  auto target_entry = [&](const ComponentId& id) {
    return config.connectors.count(id) ? g.connectors.at(id)->entry : g.exporters.at(id)->entry;
  };
  auto same_target = [&](const ComponentId& id) {
    if (config.connectors.count(id))
      return keep->connectors.count(id) && keep->connectors.at(id) == g.connectors.at(id);
    return keep->exporters.count(id) && keep->exporters.at(id) == g.exporters.at(id);
  };
  auto build_pipeline = [&](size_t index) {
    const auto& p = config.pipelines[index];
    if (keep) {
      std::shared_ptr<PipelineSlot> found;
      for (const auto& op : keep->pipelines)
        if (op->config.id == p.id) found = op;
      bool same = found && found->config.processors == p.processors && found->config.exporters == p.exporters;
      for (size_t i = 0; same && i < p.processors.size(); ++i)
        same = found->chain[i].canonical == config.processors.at(p.processors[i]).canonical;
      for (size_t i = 0; same && i < p.exporters.size(); ++i) same = same_target(p.exporters[i]);
      if (same) {  // its receivers may differ: they are upstream of it
        g.pipelines[index] = found;
        g.stages.push_back({found, nullptr});
        return;
      }
    }
    auto slot = std::make_shared<PipelineSlot>();
    slot->config = p;
    std::vector<Consumers> exps;
    for (const auto& id : p.exporters) exps.push_back(target_entry(id));
    Consumers next = fanout_all(exps, p.signal, slot->fanouts);
    if (!next.has(p.signal))
      throw ConfigError("service::pipelines::" + p.id + ": an exporter gave no consumer for " +
                        std::string(to_string(p.signal)));
    slot->chain.resize(p.processors.size());
    for (size_t i = p.processors.size(); i-- > 0;) {
      const auto& id = p.processors[i];
      const auto& e = config.processors.at(id);
      auto* f = static_cast<const ProcessorFactory*>(e.factory);
      auto& ps = slot->chain[i];
      ps.id = id;
      ps.canonical = e.canonical;
      ps.instance = create_or_throw("processor " + id.str() + " in pipeline " + p.id, [&] {
        return f->create({id, p.id}, *e.config, p.signal, next);
      });
      next = only_signal(ps.instance->consumers(), p.signal);
      if (!next.has(p.signal))
        throw ConfigError("processor " + id.str() + " gave no consumer for " + std::string(to_string(p.signal)));
    }
    slot->entry = next;
    g.pipelines[index] = slot;
    g.stages.push_back({std::move(slot), nullptr});
  };
  auto feeds = [&](const ComponentId& connector) {  // indexes of the pipelines that receive from it
    std::vector<size_t> out;
    for (size_t i = 0; i < config.pipelines.size(); ++i) {
      const auto& r = config.pipelines[i].receivers;
      if (std::find(r.begin(), r.end(), connector) != r.end()) out.push_back(i);
    }
    return out;
  };
  auto build_connector = [&](const ComponentId& id) {
    const auto& e = config.connectors.at(id);
    std::vector<const PipelineSlot*> downstream;
    for (size_t i : feeds(id)) downstream.push_back(g.pipelines[i].get());
    if (keep) {
      auto it = keep->connectors.find(id);
      if (it != keep->connectors.end() && it->second->canonical == e.canonical &&
          it->second->downstream == downstream) {
        g.connectors[id] = it->second;
        g.stages.push_back({nullptr, it->second});
        return;
      }
    }
    auto slot = std::make_shared<ConnectorSlot>();
    slot->id = id;
    slot->canonical = e.canonical;
    slot->downstream = std::move(downstream);
    Downstream down = downstream_of(id, config, g);
    slot->fanouts = std::move(down.fanouts);
    auto* f = static_cast<const ConnectorFactory*>(e.factory);
    slot->instance = create_or_throw("connector " + id.str(), [&] {
      return f->create({id, {}}, *e.config, down.next);
    });
    slot->entry = slot->instance->consumers();
    g.connectors[id] = slot;
    g.stages.push_back({nullptr, std::move(slot)});
  };
  {
    std::set<ComponentId> used_connectors;
    for (const auto& p : config.pipelines)
      for (const auto& id : p.exporters)
        if (config.connectors.count(id)) used_connectors.insert(id);
    std::vector<bool> built(config.pipelines.size(), false);
    size_t remaining = config.pipelines.size() + used_connectors.size();
    while (remaining > 0) {
      size_t before = remaining;
      for (size_t i = 0; i < config.pipelines.size(); ++i) {
        if (built[i]) continue;
        const auto& ex = config.pipelines[i].exporters;
        if (std::all_of(ex.begin(), ex.end(), [&](const ComponentId& id) {
              return !config.connectors.count(id) || g.connectors.count(id);
            })) {
          build_pipeline(i);
          built[i] = true;
          --remaining;
        }
      }
      for (const auto& id : used_connectors) {
        if (g.connectors.count(id)) continue;
        auto f = feeds(id);
        if (std::all_of(f.begin(), f.end(), [&](size_t i) { return built[i]; })) {
          build_connector(id);
          --remaining;
        }
      }
      if (remaining == before) throw ConfigError("service::pipelines: connectors link the pipelines in a cycle");
    }
  }

  // Receivers: one instance per id, fanning out to every pipeline that lists it. A kept receiver keeps its
  // switches; its new downstream is switched in when the reload is applied.
  std::set<ComponentId> used;
  for (const auto& p : config.pipelines)
    for (const auto& id : p.receivers)
      if (!config.connectors.count(id)) used.insert(id);
  for (const auto& id : used) {
    const auto& e = config.receivers.at(id);
    Downstream down = downstream_of(id, config, g);
    if (keep) {
      auto it = keep->receivers.find(id);
      if (it != keep->receivers.end() && it->second->canonical == e.canonical && switchable(*it->second, down)) {
        g.receivers[id] = it->second;
        plan.restaged.push_back({it->second, std::move(down)});
        continue;
      }
    }
    auto slot = std::make_shared<ReceiverSlot>();
    slot->id = id;
    slot->canonical = e.canonical;
    slot->traces = make_switch(down.next.traces);
    slot->metrics = make_switch(down.next.metrics);
    slot->logs = make_switch(down.next.logs);
    slot->fanouts = std::move(down.fanouts);
    Consumers next{slot->traces.get(), slot->metrics.get(), slot->logs.get()};
    auto* f = static_cast<const ReceiverFactory*>(e.factory);
    slot->instance = create_or_throw("receiver " + id.str(), [&, &id = id] {
      return f->create({id, {}}, *e.config, next);
    });
    g.receivers[id] = std::move(slot);
  }
  // What new receivers will ask of their host at start, checked now (otlpd validate reports it too).
  GraphHost new_host(g);
  const Host& host = sum.full_rebuild || !service_host ? static_cast<const Host&>(new_host) : *service_host;
  for (const auto& [id, r] : g.receivers) {
    if (old && old->receivers.count(id) && old->receivers.at(id) == r) continue;
    create_or_throw("receiver " + id.str(), [&, &receiver = r] {
      receiver->instance->check(host);
      return true;
    });
  }
  for (const auto& [id, e] : g.exporters) {
    if (old && old->exporters.count(id) && old->exporters.at(id) == e) continue;
    create_or_throw("exporter " + id.str(), [&, &exporter = e] {
      exporter->instance->check(host);
      return true;
    });
  }
  for (const auto& [id, c] : g.connectors) {
    if (old && old->connectors.count(id) && old->connectors.at(id) == c) continue;
    create_or_throw("connector " + id.str(), [&, &connector = c] {
      connector->instance->check(host);
      return true;
    });
  }

  // The summary, by id (processors by pipeline and id).
  auto classify = [&](const auto& now, const auto& before, ReloadSummary::Changes& out) {
    for (const auto& [id, slot] : now) {
      auto it = before.find(id);
      if (it == before.end())
        out.added.push_back(id.str());
      else if (it->second == slot)
        out.kept.push_back(id.str());
      else
        out.rebuilt.push_back(id.str());
    }
    for (const auto& [id, slot] : before)
      if (!now.count(id)) out.removed.push_back(id.str());
  };
  static const Graph empty;
  const Graph& before = old ? *old : empty;
  classify(g.extensions, before.extensions, sum.extensions);
  classify(g.exporters, before.exporters, sum.exporters);
  classify(g.receivers, before.receivers, sum.receivers);
  classify(g.connectors, before.connectors, sum.connectors);
  std::map<std::string, std::pair<const PipelineSlot*, std::set<ComponentId>>> old_pipelines;
  for (const auto& op : before.pipelines)
    old_pipelines[op->config.id] = {op.get(), {op->config.processors.begin(), op->config.processors.end()}};
  std::set<std::string> new_ids;
  for (const auto& p : g.pipelines) {
    new_ids.insert(p->config.id);
    auto it = old_pipelines.find(p->config.id);
    for (const auto& ps : p->chain) {
      std::string name = p->config.id + ": " + ps.id.str();
      if (it != old_pipelines.end() && it->second.first == p.get())
        sum.processors.kept.push_back(name);
      else if (it != old_pipelines.end() && it->second.second.count(ps.id))
        sum.processors.rebuilt.push_back(name);
      else
        sum.processors.added.push_back(name);
    }
    if (it != old_pipelines.end())
      for (const auto& id : it->second.second)
        if (!std::count(p->config.processors.begin(), p->config.processors.end(), id))
          sum.processors.removed.push_back(p->config.id + ": " + id.str());
  }
  for (const auto& [pid, op] : old_pipelines)
    if (!new_ids.count(pid))
      for (const auto& id : op.second) sum.processors.removed.push_back(pid + ": " + id.str());
  return plan;
}

void log_pipelines(const Config& config, const Graph& g) {
  for (const auto& p : config.pipelines) {
    std::vector<std::string> r, pr, ex;
    for (const auto& id : p.receivers) r.push_back(id.str());
    for (const auto& id : p.processors) pr.push_back(id.str());
    for (const auto& id : p.exporters) ex.push_back(id.str());
    spdlog::info("pipeline {}: receivers [{}] -> processors [{}] -> exporters [{}]", p.id, join(r), join(pr), join(ex));
  }
  // A batch processor holds what it buffers in memory: in front of a persistent queue, that part of the data is
  // lost on a crash although it was acknowledged. sending_queue.batch batches after the durable write.
  for (const auto& p : config.pipelines)
    for (const auto& pid : p.processors)
      if (pid.type == "batch")
        for (const auto& eid : p.exporters)
          if (auto storage = g.exporters.count(eid) ? g.exporters.at(eid)->instance->queue_storage() : "";
              !storage.empty())
            spdlog::warn(
                "pipeline {}: processor {} keeps data in memory in front of exporter {}, whose queue is "
                "persistent ({}): what it holds when otlpd crashes is lost although the client was told it "
                "arrived; remove it and set sending_queue.batch on the exporter to batch after the write",
                p.id, pid.str(), eid.str(), storage);
}

template <typename Slot>
void stop_one(const std::string& label, Slot& s, Deadline deadline) {
  if (!s.started) return;
  s.started = false;
  try {
    s.instance->shutdown(deadline);
  } catch (const std::exception& e) {
    spdlog::error("error during shutdown of {}: {}", label, e.what());
  }
}

// Starts `s` unless it runs; throws std::runtime_error naming it.
template <typename Slot>
void start_one(const std::string& label, Slot& s, Host& host) {
  if (s.started) return;
  try {
    s.instance->start(host);
  } catch (const std::exception& e) {
    spdlog::error("cannot start {}: {}", label, e.what());
    throw std::runtime_error("cannot start " + label + ": " + e.what());
  }
  s.started = true;
}

void stop_pipeline(PipelineSlot& p, Deadline deadline) {
  // First first, so that each flushes into a live successor.
  for (auto& ps : p.chain) stop_one(processor_label(p, ps), ps, deadline);
}

void start_pipeline(PipelineSlot& p, Host& host) {
  for (size_t i = p.chain.size(); i-- > 0;) start_one(processor_label(p, p.chain[i]), p.chain[i], host);
}

void start_stage(Stage& s, Host& host) {
  if (s.pipeline)
    start_pipeline(*s.pipeline, host);
  else
    start_one("connector " + s.connector->id.str(), *s.connector, host);
}

void stop_stage(Stage& s, Deadline deadline) {
  if (s.pipeline)
    stop_pipeline(*s.pipeline, deadline);
  else
    stop_one("connector " + s.connector->id.str(), *s.connector, deadline);
}

// Reverse start order, except that processors stop front to back so each flushes into a live successor.
void stop_graph(Graph& g, Deadline deadline) {
  for (auto& [id, e] : g.extensions)
    if (e->started) e->instance->not_ready();
  for (auto& [id, r] : g.receivers) stop_one("receiver " + id.str(), *r, deadline);
  for (auto it = g.stages.rbegin(); it != g.stages.rend(); ++it) stop_stage(*it, deadline);
  for (auto it = g.exporters.rbegin(); it != g.exporters.rend(); ++it)
    stop_one("exporter " + it->first.str(), *it->second, deadline);
  for (auto it = g.extensions.rbegin(); it != g.extensions.rend(); ++it)
    stop_one("extension " + it->first.str(), *it->second, deadline);
}

void start_graph(Graph& g, Host& host) {
  for (auto& [id, c] : g.extensions) start_one("extension " + id.str(), *c, host);
  for (auto& [id, c] : g.exporters) {
    start_one("exporter " + id.str(), *c, host);
    if (c->gate) c->gate->set(ExporterGate::open);
  }
  for (auto& s : g.stages) start_stage(s, host);
  for (auto& [id, c] : g.receivers) start_one("receiver " + id.str(), *c, host);
  for (auto& [id, e] : g.extensions) e->instance->ready();
}

template <typename B>
void switch_route(SwitchConsumer<B>* sw, Consumer<B>* target, std::vector<std::function<void()>>& waits) {
  if (!sw) return;
  if (sw->target() == target) return;
  const auto* old = sw->switch_to(target);
  waits.push_back([old] { SwitchConsumer<B>::wait_idle(old); });
}

}  // namespace

size_t ReloadSummary::unchanged() const {
  return receivers.kept.size() + processors.kept.size() + exporters.kept.size() + extensions.kept.size() +
         connectors.kept.size();
}

bool ReloadSummary::nothing_changed() const {
  for (const auto* c : {&receivers, &processors, &exporters, &extensions, &connectors})
    if (!c->added.empty() || !c->removed.empty() || !c->rebuilt.empty()) return false;
  return !metrics_endpoint_moved;
}

std::string ReloadSummary::str() const {
  std::string out = std::to_string(unchanged()) + " unchanged";
  auto part = [&](const char* name, const Changes& c) {
    out += std::string(", ") + name + " +" + std::to_string(c.added.size()) + " -" + std::to_string(c.removed.size()) +
           " ~" + std::to_string(c.rebuilt.size());
  };
  part("receivers", receivers);
  part("processors", processors);
  part("exporters", exporters);
  part("extensions", extensions);
  if (!connectors.kept.empty() || !connectors.added.empty() || !connectors.removed.empty() ||
      !connectors.rebuilt.empty())
    part("connectors", connectors);
  if (full_rebuild) out += " (an extension changed: everything rebuilt)";
  return out;
}

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Service::~Service() {
  if (!impl_->shut_down) shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

std::unique_ptr<Service> Service::build(const Config& config) {
  auto impl = std::make_unique<Impl>();
  impl->metrics_address = config.telemetry.metrics_address;
  MemoryBudget::global().set_limit(config.memory_budget.value_or(MemoryBudget::default_limit()));
  Plan plan = make_plan(config, nullptr, nullptr);
  impl->graph = std::move(plan.graph);
  log_pipelines(config, *impl->graph);
  return std::unique_ptr<Service>(new Service(std::move(impl)));
}

namespace {

std::unique_ptr<HttpEndpoint> start_metrics_endpoint(const NetEndpoint& address) {
  // Self-telemetry in the Prometheus text format, where the Collector serves it: GET /metrics.
  auto endpoint = std::make_unique<HttpEndpoint>(address, [](const std::string&, const std::string& path) {
    HttpEndpointResponse r;
    if (path != "/metrics") {
      r.status = 404;
      r.body = "not found; metrics are at /metrics\n";
      return r;
    }
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = Telemetry::global().prometheus_text();
    return r;
  });
  int port = endpoint->start();
  record_listening("metrics", "http", address.display_host(), port, "telemetry");
  return endpoint;
}

}  // namespace

void Service::start() {
  auto& im = *impl_;
  if (im.metrics_address) im.metrics_endpoint = start_metrics_endpoint(*im.metrics_address);
  try {
    start_graph(*im.graph, *this);
  } catch (const std::exception&) {
    shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    throw;
  }
}

void Service::shutdown(Deadline deadline) {
  auto& im = *impl_;
  if (im.shut_down) return;
  im.shut_down = true;
  struct StopMetrics {  // last, whatever happens: scrapes see the final counts until the end
    Impl& im;
    ~StopMetrics() {
      if (im.metrics_endpoint) im.metrics_endpoint->stop();
    }
  } stop_metrics{im};
  stop_graph(*im.graph, deadline);
}

// The order (docs/reload.md):
//   1. build the new graph beside the old one (nothing started; a failure changes nothing);
//   2. start new exporters, the processors of new pipelines (last first) and receivers with new ids; a failure
//      stops them again and changes nothing;
//   3. switch every kept receiver to its new downstream;
//   4. stop receivers that were removed or changed;
//   5. wait until no call runs through an old route;
//   6. stop the processors of replaced pipelines (first first: they flush into the exporters they fed, which
//      still run);
//   7. stop removed exporters and the old instances of replaced ones (a replaced exporter may hold its queue
//      directory locked from start to shutdown, so the new instance starts only now; calls wait at its gate);
//   8. start the replacing exporters (opening their gates) and the replacing receivers.
ReloadSummary Service::reload(const Config& config, Duration drain) {
  auto& im = *impl_;
  if (im.shut_down) throw std::logic_error("reload after shutdown");
  Graph& old = *im.graph;
  Plan plan = make_plan(config, &old, this);
  ReloadSummary summary = std::move(plan.summary);
  MemoryBudget::global().set_limit(config.memory_budget.value_or(MemoryBudget::default_limit()));
  auto deadline = [&] { return std::chrono::steady_clock::now() + drain; };

  if (summary.full_rebuild) {
    // As a restart within the process: everything old stops, then everything new starts. A failure to start now
    // leaves nothing running: the caller exits as it would at start-up.
    stop_graph(old, deadline());
    std::unique_ptr<Graph> retired = std::exchange(im.graph, std::move(plan.graph));
    retired.reset();
    start_graph(*im.graph, *this);
  } else {
    Graph& g = *plan.graph;
    std::set<const void*> old_stages;
    for (const auto& s : old.stages) old_stages.insert(s.instance());
    auto is_new = [&](const Stage& s) { return !old_stages.count(s.instance()); };
    // 2. What is new and replaces nothing starts before anything is switched to it.
    try {
      for (auto& [id, e] : g.exporters)
        if (!old.exporters.count(id)) start_one("exporter " + id.str(), *e, *this);
      for (auto& s : g.stages)
        if (is_new(s)) start_stage(s, *this);
      for (auto& [id, r] : g.receivers)
        if (!old.receivers.count(id)) start_one("receiver " + id.str(), *r, *this);
    } catch (const std::exception& e) {
      for (auto& [id, r] : g.receivers)
        if (!old.receivers.count(id)) stop_one("receiver " + id.str(), *r, deadline());
      for (auto it = g.stages.rbegin(); it != g.stages.rend(); ++it)
        if (is_new(*it)) stop_stage(*it, deadline());
      for (auto& [id, x] : g.exporters) {
        if (!old.exporters.count(id)) stop_one("exporter " + id.str(), *x, deadline());
        if (x->gate) x->gate->set(ExporterGate::failed);
      }
      throw ConfigError(std::string("reload: ") + e.what() + "; the running configuration is kept");
    }
    // 3. Kept receivers go over to the new graph.
    std::vector<std::function<void()>> waits;
    std::vector<std::shared_ptr<void>> old_fanouts;
    for (auto& rs : plan.restaged) {
      auto& r = *rs.slot;
      switch_route(r.traces.get(), rs.down.next.traces, waits);
      switch_route(r.metrics.get(), rs.down.next.metrics, waits);
      switch_route(r.logs.get(), rs.down.next.logs, waits);
      for (auto& f : r.fanouts) old_fanouts.push_back(std::move(f));
      r.fanouts = std::move(rs.down.fanouts);
    }
    // 4. Receivers that go stop: their calls in flight finish (until the drain deadline).
    for (auto& [id, r] : old.receivers)
      if (!g.receivers.count(id) || g.receivers.at(id) != r) stop_one("receiver " + id.str(), *r, deadline());
    // 5. Nothing calls into the old graph once its routes are idle.
    auto waited_from = std::chrono::steady_clock::now();
    for (auto& w : waits) w();
    auto waited = std::chrono::steady_clock::now() - waited_from;
    if (waited > std::chrono::milliseconds(100))
      spdlog::info("reload: calls in flight through the old pipelines took {} ms to return",
                   std::chrono::duration_cast<std::chrono::milliseconds>(waited).count());
    old_fanouts.clear();
    // 6. Old pipelines and connectors flush into the exporters they fed, upstream first.
    std::set<const void*> kept_stages;
    for (const auto& s : g.stages) kept_stages.insert(s.instance());
    for (auto it = old.stages.rbegin(); it != old.stages.rend(); ++it)
      if (!kept_stages.count(it->instance())) stop_stage(*it, deadline());
    // 7. Exporters that go (removed, or replaced by a new instance) drain and stop.
    for (auto it = old.exporters.rbegin(); it != old.exporters.rend(); ++it) {
      auto now = g.exporters.find(it->first);
      if (now == g.exporters.end() || now->second != it->second)
        stop_one("exporter " + it->first.str(), *it->second, deadline());
    }
    std::unique_ptr<Graph> retired = std::exchange(im.graph, std::move(plan.graph));
    retired.reset();  // frees what only the old graph held
    // 8. Replacements start.
    for (auto& [id, e] : im.graph->exporters) {
      if (e->started) continue;
      try {
        start_one("exporter " + id.str(), *e, *this);
        if (e->gate) e->gate->set(ExporterGate::open);
      } catch (const std::exception& ex) {
        if (e->gate) e->gate->set(ExporterGate::failed);
        summary.errors.push_back(ex.what());
      }
    }
    for (auto& [id, r] : im.graph->receivers) {
      if (r->started) continue;
      try {
        start_one("receiver " + id.str(), *r, *this);
      } catch (const std::exception& ex) {
        summary.errors.push_back(ex.what());
      }
    }
  }

  if (config.telemetry.metrics_address != im.metrics_address) {
    summary.metrics_endpoint_moved = true;
    if (im.metrics_endpoint) im.metrics_endpoint->stop();
    im.metrics_endpoint.reset();
    im.metrics_address = config.telemetry.metrics_address;
    try {
      if (im.metrics_address) im.metrics_endpoint = start_metrics_endpoint(*im.metrics_address);
    } catch (const std::exception& e) {
      summary.errors.push_back(std::string("cannot serve self-metrics: ") + e.what());
    }
  }
  if (!summary.nothing_changed()) log_pipelines(config, *im.graph);
  return summary;
}

Extension* Service::extension(const ComponentId& id) const {
  auto it = impl_->graph->extensions.find(id);
  return it == impl_->graph->extensions.end() ? nullptr : it->second->instance.get();
}

size_t Service::receiver_count() const { return impl_->graph->receivers.size(); }
size_t Service::processor_count() const {
  size_t n = 0;
  for (const auto& p : impl_->graph->pipelines) n += p->chain.size();
  return n;
}
size_t Service::exporter_count() const { return impl_->graph->exporters.size(); }
size_t Service::connector_count() const { return impl_->graph->connectors.size(); }

}  // namespace otlpd
