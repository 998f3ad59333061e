// The pipeline graph.
#include "service/service.h"

#include <spdlog/spdlog.h>

#include <map>
#include <stdexcept>

#include "model/fanout.h"
#include "model/memory_budget.h"
#include "platform/endpoints.h"
#include "platform/http_endpoint.h"
#include "platform/telemetry.h"

namespace otlpd {

struct Service::Impl {
  struct Named {
    std::string label;  // "exporter file/out" (for logs)
    Component* component;
  };
  std::map<ComponentId, ExtensionPtr> extensions;
  std::map<ComponentId, ExporterPtr> exporters;
  // Per pipeline, in listed order.
  std::vector<std::vector<std::pair<ComponentId, ProcessorPtr>>> processors;
  std::vector<std::string> pipeline_ids;
  std::map<ComponentId, ReceiverPtr> receivers;
  // Fan-outs hold only pointers to their targets; they must outlive the receivers that call them.
  std::vector<std::shared_ptr<void>> fanouts;
  std::vector<Named> started;  // in start order
  bool shut_down = false;
  std::optional<NetEndpoint> metrics_address;  // service.telemetry.metrics.address; empty: no endpoint
  std::unique_ptr<HttpEndpoint> metrics_endpoint;
};

namespace {

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

}  // namespace

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Service::~Service() {
  if (!impl_->shut_down) shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

std::unique_ptr<Service> Service::build(const Config& config) {
  auto impl = std::make_unique<Impl>();
  impl->metrics_address = config.telemetry.metrics_address;
  MemoryBudget::global().set_limit(config.memory_budget.value_or(MemoryBudget::default_limit()));

  for (const auto& id : config.service_extensions) {
    const auto& e = config.extensions.at(id);
    auto* f = static_cast<const ExtensionFactory*>(e.factory);
    impl->extensions[id] = create_or_throw("extension " + id.str(), [&] { return f->create({id, {}}, *e.config); });
  }

  // Exporters: one instance per id, whatever the number of pipelines that use it.
  for (const auto& p : config.pipelines) {
    for (const auto& id : p.exporters) {
      if (impl->exporters.count(id)) continue;
      const auto& e = config.exporters.at(id);
      auto* f = static_cast<const ExporterFactory*>(e.factory);
      impl->exporters[id] = create_or_throw("exporter " + id.str(), [&] { return f->create({id, {}}, *e.config); });
    }
  }

  // Pipelines, built back to front: exporters' fan-out, then processors in reverse order.
  std::vector<Consumers> entries;  // each pipeline's first stage, for its signal only
  for (const auto& p : config.pipelines) {
    std::vector<Consumers> exps;
    for (const auto& id : p.exporters) exps.push_back(impl->exporters.at(id)->consumers());
    Consumers next = fanout_all(exps, p.signal, impl->fanouts);
    if (!next.has(p.signal))
      throw ConfigError("service::pipelines::" + p.id + ": an exporter gave no consumer for " +
                        std::string(to_string(p.signal)));
    std::vector<std::pair<ComponentId, ProcessorPtr>> chain(p.processors.size());
    for (size_t i = p.processors.size(); i-- > 0;) {
      const auto& id = p.processors[i];
      const auto& e = config.processors.at(id);
      auto* f = static_cast<const ProcessorFactory*>(e.factory);
      chain[i] = {id, create_or_throw("processor " + id.str() + " in pipeline " + p.id, [&] {
                    return f->create({id, p.id}, *e.config, p.signal, next);
                  })};
      next = only_signal(chain[i].second->consumers(), p.signal);
      if (!next.has(p.signal))
        throw ConfigError("processor " + id.str() + " gave no consumer for " + std::string(to_string(p.signal)));
    }
    impl->processors.push_back(std::move(chain));
    impl->pipeline_ids.push_back(p.id);
    entries.push_back(next);
  }

  // Receivers: one instance per id, fanning out to every pipeline that lists it.
  std::map<ComponentId, std::vector<size_t>> pipelines_of;
  for (size_t i = 0; i < config.pipelines.size(); ++i)
    for (const auto& id : config.pipelines[i].receivers) pipelines_of[id].push_back(i);
  for (const auto& [id, idx] : pipelines_of) {
    Consumers next;
    for (Signal s : kAllSignals) {
      std::vector<Consumers> targets;
      for (size_t i : idx)
        if (config.pipelines[i].signal == s) targets.push_back(entries[i]);
      Consumers f = fanout_all(targets, s, impl->fanouts);
      if (s == Signal::traces) next.traces = f.traces;
      if (s == Signal::metrics) next.metrics = f.metrics;
      if (s == Signal::logs) next.logs = f.logs;
    }
    const auto& e = config.receivers.at(id);
    auto* f = static_cast<const ReceiverFactory*>(e.factory);
    impl->receivers[id] = create_or_throw("receiver " + id.str(), [&, &id = id] {
      return f->create({id, {}}, *e.config, next);
    });
  }

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
          if (auto storage = impl->exporters.at(eid)->queue_storage(); !storage.empty())
            spdlog::warn(
                "pipeline {}: processor {} keeps data in memory in front of exporter {}, whose queue is "
                "persistent ({}): what it holds when otlpd crashes is lost although the client was told it "
                "arrived; remove it and set sending_queue.batch on the exporter to batch after the write",
                p.id, pid.str(), eid.str(), storage);
  std::unique_ptr<Service> service(new Service(std::move(impl)));
  for (const auto& [id, r] : service->impl_->receivers)
    create_or_throw("receiver " + id.str(), [&, &receiver = r] {
      receiver->check(*service);
      return true;
    });
  for (const auto& [id, e] : service->impl_->exporters)
    create_or_throw("exporter " + id.str(), [&, &exporter = e] {
      exporter->check(*service);
      return true;
    });
  return service;
}

void Service::start() {
  auto& im = *impl_;
  if (im.metrics_address) {
    // Self-telemetry in the Prometheus text format, where the Collector serves it: GET /metrics.
    im.metrics_endpoint =
        std::make_unique<HttpEndpoint>(*im.metrics_address, [](const std::string&, const std::string& path) {
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
    int port = im.metrics_endpoint->start();
    record_listening("metrics", "http", im.metrics_address->display_host(), port, "telemetry");
  }
  auto start_one = [&](const std::string& label, Component* c) {
    try {
      c->start(*this);
    } catch (const std::exception& e) {
      spdlog::error("cannot start {}: {}", label, e.what());
      shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
      throw std::runtime_error("cannot start " + label + ": " + e.what());
    }
    im.started.push_back({label, c});
  };
  for (auto& [id, c] : im.extensions) start_one("extension " + id.str(), c.get());
  for (auto& [id, c] : im.exporters) start_one("exporter " + id.str(), c.get());
  for (size_t pi = 0; pi < im.processors.size(); ++pi) {
    auto& chain = im.processors[pi];
    for (size_t i = chain.size(); i-- > 0;)
      start_one("processor " + chain[i].first.str() + " (pipeline " + im.pipeline_ids[pi] + ")", chain[i].second.get());
  }
  for (auto& [id, c] : im.receivers) start_one("receiver " + id.str(), c.get());
  for (auto& [id, e] : im.extensions) e->ready();
}

void Service::shutdown(Deadline deadline) {
  auto& im = *impl_;
  if (im.shut_down) return;
  im.shut_down = true;
  for (auto& [id, e] : im.extensions) e->not_ready();
  // Reverse start order, except that processors stop front to back so each flushes into a live successor.
  std::vector<Component*> order;
  for (auto& [id, c] : im.receivers) order.push_back(c.get());
  for (auto& chain : im.processors)
    for (auto& p : chain) order.push_back(p.second.get());
  for (auto it = im.exporters.rbegin(); it != im.exporters.rend(); ++it) order.push_back(it->second.get());
  for (auto it = im.extensions.rbegin(); it != im.extensions.rend(); ++it) order.push_back(it->second.get());
  struct StopMetrics {  // last, whatever happens: scrapes see the final counts until the end
    Impl& im;
    ~StopMetrics() {
      if (im.metrics_endpoint) im.metrics_endpoint->stop();
    }
  } stop_metrics{im};
  for (Component* c : order) {
    bool was_started = false;
    for (const auto& s : im.started) was_started = was_started || s.component == c;
    if (!was_started) continue;
    try {
      c->shutdown(deadline);
    } catch (const std::exception& e) {
      spdlog::error("error during shutdown: {}", e.what());
    }
  }
}

Extension* Service::extension(const ComponentId& id) const {
  auto it = impl_->extensions.find(id);
  return it == impl_->extensions.end() ? nullptr : it->second.get();
}

size_t Service::receiver_count() const { return impl_->receivers.size(); }
size_t Service::processor_count() const {
  size_t n = 0;
  for (const auto& c : impl_->processors) n += c.size();
  return n;
}
size_t Service::exporter_count() const { return impl_->exporters.size(); }

}  // namespace otlpd
