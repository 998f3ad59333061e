// The `count` connector: counts spans, span events, metrics, data points and log records that match OTTL
// conditions, per resource and attribute set, and sends the counts downstream as metrics with every batch, as
// contrib's countconnector does.
#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <type_traits>

#include "connectors/count/config.h"
#include "core/registry.h"
#include "model/batch.h"
#include "ottl/ottl.h"

namespace otlpd::count_connector {

namespace {

namespace pm = opentelemetry::proto::metrics::v1;
namespace pc = opentelemetry::proto::common::v1;
using KeyValues = google::protobuf::RepeatedPtrField<pc::KeyValue>;

// An OTTL item of a resource and scope; the caller sets the item itself.
ottl::Item item_in(ottl::pb::Resource* resource, ottl::pb::InstrumentationScope* scope) {
  ottl::Item item;
  item.resource = resource;
  item.scope = scope;
  return item;
}

// A metric with its conditions compiled.
struct Definition {
  const CountMetric* metric;
  std::vector<ottl::Condition> conditions;
};

std::vector<Definition> compile(const std::vector<CountMetric>& metrics, ottl::ContextKind context) {
  std::vector<Definition> out;
  for (const auto& m : metrics) {
    auto& d = out.emplace_back(Definition{&m, {}});
    for (const auto& text : m.conditions) d.conditions.push_back(ottl::compile_condition(text, context));
  }
  return out;
}

// The counts of one resource's items, per metric and attribute set.
class Counter {
 public:
  explicit Counter(const std::vector<Definition>& defs) : defs_(defs), counts_(defs.size()) {}

  // Counts `item` for each metric whose attributes it has (or defaults) and whose conditions it meets. Throws
  // ottl::EvalError when a condition cannot be evaluated.
  void update(const KeyValues& attrs, ottl::Item& item) {
    for (size_t i = 0; i < defs_.size(); ++i) {
      const auto& def = defs_[i];
      Point point;
      bool complete = true;
      for (const auto& a : def.metric->attributes) {
        const pc::KeyValue* found = nullptr;
        for (const auto& kv : attrs)
          if (kv.key() == a.key) found = &kv;
        if (!found && !a.default_value) {
          complete = false;
          break;
        }
        auto& kv = point.attributes.emplace_back();
        kv.set_key(a.key);
        if (found)
          *kv.mutable_value() = found->value();
        else
          kv.mutable_value()->set_string_value(*a.default_value);
      }
      if (!complete || !matches(def, item)) continue;
      std::string key;
      for (const auto& kv : point.attributes) key += kv.SerializeAsString();
      auto [it, added] = counts_[i].try_emplace(std::move(key));
      if (added) it->second.attributes = std::move(point.attributes);
      ++it->second.count;
    }
  }

  // Appends a sum per metric that counted something.
  void append_to(google::protobuf::RepeatedPtrField<pm::Metric>& out, uint64_t now_unix_nano) const {
    for (size_t i = 0; i < defs_.size(); ++i) {
      if (counts_[i].empty()) continue;
      auto* m = out.Add();
      m->set_name(defs_[i].metric->name);
      m->set_description(defs_[i].metric->description);
      auto* sum = m->mutable_sum();
      sum->set_is_monotonic(true);
      sum->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
      for (const auto& [key, p] : counts_[i]) {
        auto* dp = sum->add_data_points();
        for (const auto& kv : p.attributes) *dp->add_attributes() = kv;
        dp->set_as_int(p.count);
        dp->set_time_unix_nano(now_unix_nano);
      }
    }
  }

  bool empty() const {
    for (const auto& c : counts_)
      if (!c.empty()) return false;
    return true;
  }

 private:
  struct Point {
    std::vector<pc::KeyValue> attributes;
    int64_t count = 0;
  };

  static bool matches(const Definition& def, ottl::Item& item) {
    if (def.conditions.empty()) return true;
    for (const auto& c : def.conditions)
      if (c.eval(item)) return true;
    return false;
  }

  const std::vector<Definition>& defs_;
  std::vector<std::map<std::string, Point>> counts_;  // per metric, by the attributes' bytes
};

class CountConnector final : public Connector, TraceConsumer, MetricConsumer, LogConsumer {
 public:
  CountConnector(std::string id, CountConfig cfg, Consumers next)
      : id_(std::move(id)),
        cfg_(std::move(cfg)),
        next_(next),
        spans_(compile(cfg_.spans, ottl::ContextKind::span)),
        events_(compile(cfg_.spanevents, ottl::ContextKind::spanevent)),
        metrics_(compile(cfg_.metrics, ottl::ContextKind::metric)),
        points_(compile(cfg_.datapoints, ottl::ContextKind::datapoint)),
        logs_(compile(cfg_.logs, ottl::ContextKind::log)) {}

  Consumers consumers() override {
    Consumers c;
    c.traces = this;
    c.metrics = this;
    c.logs = this;
    return c;
  }
  bool may_block() const override { return next_.may_block(Signal::metrics); }

  Status consume(TraceBatch batch) override {
    if (spans_.empty() && events_.empty()) return Status::ok();
    return count(batch, [&](auto& rs, Out& out) {
      Counter spans(spans_), events(events_);
      for (auto& ss : *rs.mutable_scope_spans())
        for (auto& span : *ss.mutable_spans()) {
          auto item = item_in(rs.mutable_resource(), ss.mutable_scope());
          item.span = &span;
          spans.update(span.attributes(), item);
          for (auto& event : *span.mutable_events()) {
            auto e = item_in(item.resource, item.scope);
            e.span = &span;
            e.event = &event;
            events.update(event.attributes(), e);
          }
        }
      out.add(rs.resource(), {&spans, &events});
    });
  }

  Status consume(MetricBatch batch) override {
    if (metrics_.empty() && points_.empty()) return Status::ok();
    return count(batch, [&](auto& rm, Out& out) {
      Counter metrics(metrics_), points(points_);
      static const KeyValues kNone;
      for (auto& sm : *rm.mutable_scope_metrics())
        for (auto& m : *sm.mutable_metrics()) {
          auto item = item_in(rm.mutable_resource(), sm.mutable_scope());
          item.metric = &m;
          metrics.update(kNone, item);
          if (points_.empty()) continue;
          for_each_point(m, [&](auto& dp) {
            auto p = item_in(item.resource, item.scope);
            p.metric = &m;
            using T = std::decay_t<decltype(dp)>;
            if constexpr (std::is_same_v<T, pm::NumberDataPoint>)
              p.number = &dp;
            else if constexpr (std::is_same_v<T, pm::HistogramDataPoint>)
              p.histogram = &dp;
            else if constexpr (std::is_same_v<T, pm::ExponentialHistogramDataPoint>)
              p.exp_histogram = &dp;
            else
              p.summary = &dp;
            points.update(dp.attributes(), p);
          });
        }
      out.add(rm.resource(), {&metrics, &points});
    });
  }

  Status consume(LogBatch batch) override {
    if (logs_.empty()) return Status::ok();
    return count(batch, [&](auto& rl, Out& out) {
      Counter logs(logs_);
      for (auto& sl : *rl.mutable_scope_logs())
        for (auto& record : *sl.mutable_log_records()) {
          auto item = item_in(rl.mutable_resource(), sl.mutable_scope());
          item.log = &record;
          logs.update(record.attributes(), item);
        }
      out.add(rl.resource(), {&logs});
    });
  }

 private:
  // The metrics request being built: a resource per counted resource, the counts under this connector's scope.
  struct Out {
    otlp_metrics::ExportMetricsServiceRequest request;
    uint64_t now_unix_nano = 0;

    void add(const opentelemetry::proto::resource::v1::Resource& resource, std::initializer_list<const Counter*> cs) {
      bool any = false;
      for (const auto* c : cs) any = any || !c->empty();
      if (!any) return;  // no empty resource, as the Collector
      auto* rm = request.add_resource_metrics();
      *rm->mutable_resource() = resource;
      auto* sm = rm->add_scope_metrics();
      sm->mutable_scope()->set_name("countconnector");
      for (const auto* c : cs) c->append_to(*sm->mutable_metrics(), now_unix_nano);
    }
  };

  template <typename DataPoints, typename F>
  static void each(DataPoints& points, F& f) {
    for (auto& dp : points) f(dp);
  }

  template <typename F>
  static void for_each_point(pm::Metric& m, F f) {
    switch (m.data_case()) {
      case pm::Metric::kGauge:
        return each(*m.mutable_gauge()->mutable_data_points(), f);
      case pm::Metric::kSum:
        return each(*m.mutable_sum()->mutable_data_points(), f);
      case pm::Metric::kHistogram:
        return each(*m.mutable_histogram()->mutable_data_points(), f);
      case pm::Metric::kExponentialHistogram:
        return each(*m.mutable_exponential_histogram()->mutable_data_points(), f);
      case pm::Metric::kSummary:
        return each(*m.mutable_summary()->mutable_data_points(), f);
      default:
        return;
    }
  }

  // Counts every resource of `batch` with `per_resource` and sends the counts on. A condition that cannot be
  // evaluated fails the batch (nothing is sent), as the Collector's connector returns the error.
  template <typename B, typename F>
  Status count(B& batch, F per_resource) {
    Out out;
    out.now_unix_nano = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    try {
      for (auto& part : batch.mutable_parts()) {
        auto& request = *part.request;
        if constexpr (B::signal == Signal::traces) {
          for (auto& r : *request.mutable_resource_spans()) per_resource(r, out);
        } else if constexpr (B::signal == Signal::metrics) {
          for (auto& r : *request.mutable_resource_metrics()) per_resource(r, out);
        } else {
          for (auto& r : *request.mutable_resource_logs()) per_resource(r, out);
        }
      }
    } catch (const ottl::EvalError& e) {
      std::string msg = "connector ";
      msg += id_;
      msg += ": failed to evaluate a condition: ";
      msg += e.what();
      spdlog::warn("{}", msg);
      return Status::permanent(std::move(msg));
    }
    if (out.request.resource_metrics_size() == 0 || !next_.metrics) return Status::ok();
    auto metrics = MetricBatch::make();
    metrics.first() = std::move(out.request);
    return next_.metrics->consume(std::move(metrics));
  }

  std::string id_;
  CountConfig cfg_;
  Consumers next_;
  std::vector<Definition> spans_, events_, metrics_, points_, logs_;
};

class CountConnectorFactory final : public ConnectorFactory {
 public:
  std::string_view type() const override { return "count"; }
  bool supports(Signal, Signal to) const override { return to == Signal::metrics; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return schema().parse(node); }
  ConnectorPtr create(const CreateSettings& s, const ComponentConfig& c, Consumers next) const override {
    return std::make_unique<CountConnector>(s.id.str(), config_as<CountConfig>(c), next);
  }
};

}  // namespace

}  // namespace otlpd::count_connector

using otlpd::count_connector::CountConnectorFactory;
OTLPD_REGISTER_FACTORY(CountConnectorFactory)
