// The `loadbalancing` exporter: routes each item by its routing key over a consistent-hash ring of backends, each
// backend an otlp exporter of its own (own sending queue, retry and back-off), made and drained as backends come
// and go.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "core/registry.h"
#include "exporters/loadbalancing/config.h"
#include "exporters/loadbalancing/dns_resolver.h"
#include "exporters/loadbalancing/ring.h"
#include "exporters/loadbalancing/router.h"
#include "exporters/otlp/grpc_sender.h"
#include "platform/telemetry.h"

namespace otlpd::loadbalancing_exporter {

namespace {

// One backend: its otlp exporter and that exporter's consumers.
struct Backend {
  uint32_t id = 0;  // unique within the exporter, for the affinity table
  std::string endpoint;
  ExporterPtr exporter;
  Consumers consumers;
  Counter* success = nullptr;  // otelcol_loadbalancer_backend_outcome{endpoint, success}
  Counter* failure = nullptr;
  Histogram* latency = nullptr;  // otelcol_loadbalancer_backend_latency{endpoint}, ms
};

// The Collector's buckets for otelcol_loadbalancer_backend_latency (ms).
const std::vector<double> kLatencyBoundsMs = {5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000};

// What a request is routed over: a ring and the backend of each of its endpoints (same order), then the backends
// that left the ring but still serve the traces they had (trace affinity), each with the time it left.
struct Topology {
  HashRing ring;
  std::vector<std::shared_ptr<Backend>> backends;
  std::vector<std::chrono::steady_clock::time_point> left_at;  // for backends[ring size + i]
  std::unordered_map<uint32_t, size_t> index_of;               // Backend::id → index
};

// Recently routed trace ids and their backends: a fixed table of slots, direct-mapped by the id's hash, so memory
// is bounded (max_traces x 24 bytes); a newer trace id that lands on a used slot replaces the older one.
class AffinityTable {
 public:
  AffinityTable(const TraceAffinitySettings& s)
      : window_(s.window), slots_(s.window > Duration::zero() ? static_cast<size_t>(s.max_traces) : 0) {}
  bool enabled() const { return !slots_.empty(); }

  // The backend index for `trace_id` on `topology`: the remembered one when seen within the window and alive, else
  // the ring's, remembered from now on. Holds the table's lock for a whole request (lock()).
  size_t pick(const Topology& topology, std::string_view trace_id, int64_t now) {
    const uint64_t h = hash64(trace_id);
    Slot& slot = slots_[h % slots_.size()];
    if (slot.hash == h && slot.seen != 0 && now - slot.seen <= window_.count()) {
      auto it = topology.index_of.find(slot.backend);
      if (it != topology.index_of.end()) {
        slot.seen = now;
        return it->second;
      }
    }
    const size_t index = topology.ring.find(h);
    slot = Slot{h, topology.backends[index]->id, now};
    return index;
  }
  std::mutex& mutex() { return mu_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t backend = 0;
    int64_t seen = 0;  // steady clock, ns; 0: empty
  };
  Duration window_;
  std::mutex mu_;
  std::vector<Slot> slots_;
};

class LoadBalancingExporter;

template <typename B>
class RoutingConsumer final : public Consumer<B> {
 public:
  explicit RoutingConsumer(LoadBalancingExporter& owner) : owner_(owner) {}
  Status consume(B batch) override;
  bool may_block() const override { return !owner_cfg().otlp.settings.queue.enabled; }

 private:
  const LoadBalancingConfig& owner_cfg() const;
  LoadBalancingExporter& owner_;
};

class LoadBalancingExporter final : public Exporter {
 public:
  LoadBalancingExporter(const CreateSettings& s, const LoadBalancingConfig& cfg)
      : id_(s.id.str()),
        cfg_(cfg),
        telemetry_(s.telemetry()),
        resolver_(cfg.dns_resolver ? "dns" : "static"),
        num_backends_(telemetry_.gauge("otelcol_loadbalancer_num_backends", {{"resolver", resolver_}})),
        resolutions_ok_(
            telemetry_.counter("otelcol_loadbalancer_num_resolutions", {{"resolver", resolver_}, {"success", "true"}})),
        resolutions_failed_(telemetry_.counter("otelcol_loadbalancer_num_resolutions",
                                               {{"resolver", resolver_}, {"success", "false"}})),
        traces_(*this),
        metrics_(*this),
        logs_(*this),
        topology_(std::make_shared<Topology>()),
        affinity_(cfg.trace_affinity) {}

  // An exporter destroyed without shutdown (a failed start, an aborted test) stops its backends first: their
  // threads must not outlive it.
  ~LoadBalancingExporter() override {
    if (!topology()->backends.empty())
      shutdown(std::chrono::steady_clock::now());
    else
      stop_resolver();
  }

  Consumers consumers() override { return {&traces_, &metrics_, &logs_}; }

  void start(Host& host) override {
    host_ = &host;
    if (cfg_.static_resolver) {  // answers once
      resolutions_ok_.add();
      set_backends(cfg_.static_resolver->hostnames);
      return;
    }
    // The first answer before start returns (bounded by the resolver's timeout), then one every interval.
    resolve();
    resolver_thread_ = std::thread([this] {
      std::unique_lock lock(stop_mu_);
      while (!stop_cv_.wait_for(lock, cfg_.dns_resolver->interval, [this] { return stopping_; })) {
        lock.unlock();
        resolve();
        lock.lock();
      }
    });
  }

  void shutdown(Deadline deadline) override {
    stop_resolver();
    std::shared_ptr<Topology> old;
    {
      std::lock_guard lock(mu_);
      old = std::exchange(topology_, std::make_shared<Topology>());
    }
    num_backends_.set(0);
    for (auto& b : old->backends) b->exporter->shutdown(deadline);
  }

  std::shared_ptr<const Topology> topology() const {
    std::lock_guard lock(mu_);
    return topology_;
  }
  const LoadBalancingConfig& config() const { return cfg_; }
  AffinityTable& affinity() { return affinity_; }
  const std::string& id() const { return id_; }

 private:
  // Makes the ring over `endpoints`: new backends are created and started first, then the ring switches, then
  // backends no longer listed drain (their queued requests are still sent) and shut down; what one has not sent
  // by its deadline is routed again over the new ring (see make_backend). With trace affinity, a backend that
  // leaves keeps serving the traces it had for one affinity window first (only traces routed to it before it left
  // pick it), so a gateway taken out of the DNS answer before it stops splits none of the traces in flight.
  void set_backends(const std::vector<std::string>& endpoints) {
    if (stopped()) return;
    const auto now = std::chrono::steady_clock::now();
    auto current = topology();
    std::map<std::string, std::pair<std::shared_ptr<Backend>, std::optional<std::chrono::steady_clock::time_point>>>
        known;
    const size_t in_ring = current->ring.endpoints().size();
    for (size_t i = 0; i < current->backends.size(); ++i) {
      std::optional<std::chrono::steady_clock::time_point> left;
      if (i >= in_ring) left = current->left_at[i - in_ring];
      known[current->backends[i]->endpoint] = {current->backends[i], left};
    }
    auto next = std::make_shared<Topology>();
    next->ring = HashRing(endpoints);
    for (const auto& ep : next->ring.endpoints()) {
      auto it = known.find(ep);
      if (it != known.end()) {
        next->backends.push_back(it->second.first);  // a backend that had left and comes back is in the ring again
        known.erase(it);
      } else {
        next->backends.push_back(make_backend(ep));
      }
      next->index_of[next->backends.back()->id] = next->backends.size() - 1;
    }
    std::vector<std::shared_ptr<Backend>> retired;
    const bool keep_leaving = affinity_.enabled() && cfg_.key_for(Signal::traces) == RoutingKey::trace_id;
    for (auto& [ep, entry] : known) {
      const auto left = entry.second.value_or(now);
      if (keep_leaving && !next->ring.endpoints().empty() && now - left < cfg_.trace_affinity.window) {
        if (!entry.second)
          spdlog::info("exporter {}: backend {} removed; it keeps the traces it had for {} ms", id_, ep,
                       std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.trace_affinity.window).count());
        next->backends.push_back(entry.first);
        next->left_at.push_back(left);
        next->index_of[entry.first->id] = next->backends.size() - 1;
      } else {
        retired.push_back(entry.first);
      }
    }
    {
      std::lock_guard lock(mu_);
      topology_ = next;
    }
    num_backends_.set(static_cast<int64_t>(next->ring.endpoints().size()));
    for (auto& b : retired) {
      spdlog::info("exporter {}: backend {} removed; draining its queue", id_, b->endpoint);
      b->exporter->shutdown(std::chrono::steady_clock::now() + cfg_.otlp.settings.timeout);
    }
  }

  // Whether a backend that left the ring has served its window (set_backends then retires it).
  bool leaving_expired() {
    auto t = topology();
    const auto now = std::chrono::steady_clock::now();
    return std::any_of(t->left_at.begin(), t->left_at.end(),
                       [&](auto left) { return now - left >= cfg_.trace_affinity.window; });
  }

  // One DNS resolution: the backends follow the answer; a failure keeps the last known backends.
  void resolve() {
    std::vector<std::string> endpoints;
    std::string error;
    if (!resolve_backends(*cfg_.dns_resolver, endpoints, error)) {
      resolutions_failed_.add();
      spdlog::warn("exporter {}: {}; keeping the {} known backends", id_, error, topology()->ring.endpoints().size());
      if (leaving_expired()) set_backends(topology()->ring.endpoints());
      return;
    }
    resolutions_ok_.add();
    if (endpoints != topology()->ring.endpoints() || leaving_expired()) {
      try {
        set_backends(endpoints);
      } catch (const std::exception& e) {
        spdlog::error("exporter {}: {}; keeping the known backends", id_, e.what());
      }
    }
  }

  void stop_resolver() {
    {
      std::lock_guard lock(stop_mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    if (resolver_thread_.joinable()) resolver_thread_.join();
  }

  bool stopped() {
    std::lock_guard lock(stop_mu_);
    return stopping_;
  }

  std::shared_ptr<Backend> make_backend(const std::string& endpoint) {
    std::string error;
    auto cfg = backend_config(cfg_, endpoint, error);
    if (!cfg) throw std::runtime_error("exporter " + id_ + ": backend " + endpoint + ": " + error);
    auto b = std::make_shared<Backend>();
    b->id = next_backend_id_++;
    b->endpoint = endpoint;
    // What the backend still holds when its drain time is up goes back through the routing, to the backends
    // that remain: a backend that left (a gateway scaled down) takes no acknowledged data with it.
    b->exporter = exporter_helper::make_queued_exporter(id_ + "/" + endpoint, cfg->settings,
                                                        otlp_exporter::make_otlp_grpc_senders(*cfg),
                                                        {&traces_, &metrics_, &logs_});
    b->exporter->start(*host_);
    b->consumers = b->exporter->consumers();
    b->success =
        &telemetry_.counter("otelcol_loadbalancer_backend_outcome", {{"endpoint", endpoint}, {"success", "true"}});
    b->failure =
        &telemetry_.counter("otelcol_loadbalancer_backend_outcome", {{"endpoint", endpoint}, {"success", "false"}});
    b->latency =
        &telemetry_.histogram("otelcol_loadbalancer_backend_latency", {{"endpoint", endpoint}}, kLatencyBoundsMs);
    spdlog::info("exporter {}: backend {} added", id_, endpoint);
    return b;
  }

  std::string id_;
  LoadBalancingConfig cfg_;
  Telemetry& telemetry_;
  std::string resolver_;  // static | dns, the metrics' label
  Gauge& num_backends_;
  Counter& resolutions_ok_;
  Counter& resolutions_failed_;
  RoutingConsumer<TraceBatch> traces_;
  RoutingConsumer<MetricBatch> metrics_;
  RoutingConsumer<LogBatch> logs_;
  Host* host_ = nullptr;
  mutable std::mutex mu_;
  std::shared_ptr<Topology> topology_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread resolver_thread_;
  AffinityTable affinity_;
  uint32_t next_backend_id_ = 1;
};

template <typename B>
const LoadBalancingConfig& RoutingConsumer<B>::owner_cfg() const {
  return owner_.config();
}

// Every part goes to its backend's queue; the answer is OK only when every part was accepted, else the first
// refusal (a permanent one before a retryable one). Parts already queued stay queued: a client that retries a
// partly refused request may cause duplicates (at-least-once), never a loss.
template <typename B>
Status RoutingConsumer<B>::consume(B batch) {
  const auto key = owner_.config().key_for(B::signal);
  if (auto error = routing_key_error(key, B::signal); !error.empty())
    return Status::permanent("exporter " + owner_.id() + ": " + error);  // validate refuses such a config
  auto topology = owner_.topology();
  if (topology->backends.empty()) return Status::retryable("exporter " + owner_.id() + ": no backends");
  std::vector<std::pair<size_t, B>> parts;
  bool routed = false;
  if constexpr (B::signal != Signal::metrics) {
    auto& affinity = owner_.affinity();
    if (key == RoutingKey::trace_id && affinity.enabled()) {
      const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
      std::lock_guard lock(affinity.mutex());
      parts = route(std::move(batch), topology->ring, key,
                    [&](std::string_view id) { return affinity.pick(*topology, id, now); });
      routed = true;
    }
  }
  if (!routed) parts = route(std::move(batch), topology->ring, key, owner_.config().routing_attributes);
  Status result;
  for (auto& [index, part] : parts) {
    auto& backend = *topology->backends[index];
    auto* consumer = backend.consumers.template get<B>();
    const auto started = std::chrono::steady_clock::now();
    Status st = consumer ? consumer->consume(std::move(part))
                         : Status::permanent("backend " + backend.endpoint + " does not take this signal");
    backend.latency->record(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
    (st.is_ok() ? backend.success : backend.failure)->add();
    if (!st.is_ok() && (result.is_ok() || (st.is_permanent() && result.is_retryable()))) result = std::move(st);
  }
  return result;
}

class LoadBalancingExporterFactory final : public ExporterFactory {
 public:
  std::string_view type() const override { return "loadbalancing"; }
  std::vector<std::string_view> aliases() const override { return {"load_balancing"}; }
  bool supports(Signal) const override { return true; }
  std::string signal_error(const ComponentConfig& c, Signal s) const override {
    const auto& cfg = config_as<LoadBalancingConfig>(c);
    return routing_key_error(cfg.key_for(s), s);
  }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }
  ExporterPtr create(const CreateSettings& s, const ComponentConfig& c) const override {
    return std::make_unique<LoadBalancingExporter>(s, config_as<LoadBalancingConfig>(c));
  }
};

}  // namespace

}  // namespace otlpd::loadbalancing_exporter

using otlpd::loadbalancing_exporter::LoadBalancingExporterFactory;
OTLPD_REGISTER_FACTORY(LoadBalancingExporterFactory)
