// The `transform` processor: runs OTTL statement groups, in order, on every item of their context (resource,
// scope, span, span event, metric, data point, log record); parts on their received bytes (wire_transform.h) when
// every group's context allows, decoded parts (and bytes the wire walk gives up on) on the decoded requests.
#include <spdlog/spdlog.h>

#include "config/node.h"
#include "core/registry.h"
#include "model/batch.h"
#include "model/metric_points.h"
#include "ottl/ottl.h"
#include "processors/common/processor_helper.h"
#include "processors/common/wire_parts.h"
#include "processors/transform/config.h"
#include "processors/transform/wire_transform.h"

namespace otlpd::transform_processor {

namespace {

// Runs a group on one item: conditions first (any), then each statement; failures go by the group's error_mode
// (propagate: thrown on, so that the batch is refused). Returns what the statements that ran may have changed
// (ottl::Writes bits; a statement that failed counts as having run).
unsigned run_group(const StatementGroup& g, ottl::Item& item) {
  item.clear_cache();
  const ErrorMode mode = g.error_mode.value_or(ErrorMode::propagate);
  auto failed = [&](const std::string& text, const ottl::EvalError& e) {
    if (mode == ErrorMode::propagate)
      throw ottl::EvalError("failed to execute statement \"" + text + "\": " + e.what());
    if (mode == ErrorMode::ignore) spdlog::warn("transform: failed to execute statement \"{}\": {}", text, e.what());
  };
  if (!g.conditions.empty()) {
    bool any = false;
    for (const auto& c : g.conditions) {
      try {
        if (c->eval(item)) {
          any = true;
          break;
        }
      } catch (const ottl::EvalError& e) {
        failed(c->text(), e);
      }
    }
    if (!any) return 0;
  }
  unsigned writes = 0;
  for (const auto& s : g.statements) {
    try {
      if (s->exec(item)) writes |= s->writes();
    } catch (const ottl::EvalError& e) {
      writes |= s->writes();
      failed(s->text(), e);
    }
  }
  return writes;
}

void run(const StatementGroup& g, otlp_trace::ExportTraceServiceRequest& r) {
  using K = ottl::ContextKind;
  ottl::Item item;
  for (auto& rs : *r.mutable_resource_spans()) {
    item.resource = rs.mutable_resource();
    if (g.context == K::resource) {
      run_group(g, item);
      continue;
    }
    for (auto& ss : *rs.mutable_scope_spans()) {
      item.scope = ss.mutable_scope();
      if (g.context == K::scope) {
        run_group(g, item);
        continue;
      }
      for (auto& s : *ss.mutable_spans()) {
        item.span = &s;
        if (g.context == K::span) {
          run_group(g, item);
          continue;
        }
        for (auto& e : *s.mutable_events()) {
          item.event = &e;
          run_group(g, item);
        }
        item.event = nullptr;
      }
    }
  }
}

void run(const StatementGroup& g, otlp_metrics::ExportMetricsServiceRequest& r) {
  using K = ottl::ContextKind;
  ottl::Item item;
  for (auto& rm : *r.mutable_resource_metrics()) {
    item.resource = rm.mutable_resource();
    if (g.context == K::resource) {
      run_group(g, item);
      continue;
    }
    for (auto& sm : *rm.mutable_scope_metrics()) {
      item.scope = sm.mutable_scope();
      if (g.context == K::scope) {
        run_group(g, item);
        continue;
      }
      if (g.context == K::metric) {
        // By index: functions that make metrics (copy_metric, extract_sum_metric...) append them to the scope, and
        // the group runs on them too, as in the Collector; bounded, so that a statement copying every metric ends.
        item.metrics = sm.mutable_metrics();
        const int limit = sm.metrics_size() * 16 + 16;
        for (int k = 0; k < sm.metrics_size() && k < limit; ++k) {
          item.metric = sm.mutable_metrics(k);
          run_group(g, item);
        }
        item.metrics = nullptr;
        item.metric = nullptr;
        continue;
      }
      for (auto& m : *sm.mutable_metrics()) {
        item.metric = &m;
        with_points(m, [&](auto& points) {
          for (auto& p : points) {
            item.set_point(p);
            run_group(g, item);
          }
          item.clear_point();
        });
      }
    }
  }
}

void run(const StatementGroup& g, otlp_logs::ExportLogsServiceRequest& r) {
  using K = ottl::ContextKind;
  ottl::Item item;
  for (auto& rl : *r.mutable_resource_logs()) {
    item.resource = rl.mutable_resource();
    if (g.context == K::resource) {
      run_group(g, item);
      continue;
    }
    for (auto& sl : *rl.mutable_scope_logs()) {
      item.scope = sl.mutable_scope();
      if (g.context == K::scope) {
        run_group(g, item);
        continue;
      }
      for (auto& l : *sl.mutable_log_records()) {
        item.log = &l;
        run_group(g, item);
      }
    }
  }
}

template <typename B>
const std::vector<StatementGroup>& groups_for(const TransformConfig& c) {
  if constexpr (B::signal == Signal::traces)
    return c.trace_statements;
  else if constexpr (B::signal == Signal::metrics)
    return c.metric_statements;
  else
    return c.log_statements;
}

template <typename B>
class TransformProcessor final : public processors::ProcessorBase<B> {
 public:
  TransformProcessor(const CreateSettings& s, const TransformConfig& cfg, Consumer<B>* next)
      : processors::ProcessorBase<B>(s, next),
        groups_(groups_for<B>(cfg)),
        wire_(B::signal == Signal::metrics ? metric_groups_on_wire(groups_) : groups_on_wire(groups_)) {}

 private:
  Status process(B batch) override {
    if (groups_.empty()) return this->forward(std::move(batch));
    try {
      if (wire_) {
        processors::edit_parts(
            batch,
            [this](std::string_view bytes) {
              if constexpr (B::signal == Signal::logs)
                return transform_logs_on_wire(bytes, groups_, run_group);
              else if constexpr (B::signal == Signal::metrics)
                return transform_metrics_on_wire(bytes, groups_, run_group);
              else
                return transform_spans_on_wire(bytes, groups_, run_group);
            },
            [this](auto& request) {
              for (const auto& g : groups_) run(g, request);
            });
        return this->forward(std::move(batch));
      }
      for (auto& p : batch.mutable_parts())
        for (const auto& g : groups_) run(g, *p.request);
    } catch (const ottl::EvalError& e) {
      // error_mode propagate: the Collector returns the error to the caller and sends nothing on.
      return Status::permanent(std::string("transform: ") + e.what());
    }
    return this->forward(std::move(batch));
  }

  const std::vector<StatementGroup> groups_;
  const bool wire_;  // parts run on their received bytes
};

class TransformProcessorFactory final : public processors::ProcessorFactoryOf<TransformConfig, TransformProcessor> {
 public:
  TransformProcessorFactory() : ProcessorFactoryOf("transform", parse_config) {}
};

}  // namespace

}  // namespace otlpd::transform_processor

using otlpd::transform_processor::TransformProcessorFactory;
OTLPD_REGISTER_FACTORY(TransformProcessorFactory)
