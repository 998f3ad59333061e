// The `filter` processor: drops spans, span events, metrics, data points and log records that match any
// configured condition, then removes the scope and resource containers left empty.
#include <spdlog/spdlog.h>

#include "config/node.h"
#include "core/registry.h"
#include "model/batch.h"
#include "model/metric_points.h"
#include "ottl/ottl.h"
#include "platform/telemetry.h"
#include "processors/attributes/attributes_processor.h"
#include "processors/common/processor_helper.h"
#include "processors/common/values.h"
#include "processors/filter/config.h"
#include "processors/filter/wire_filter.h"

namespace otlpd::filter_processor {

namespace {

using opentelemetry::proto::common::v1::InstrumentationScope;
using opentelemetry::proto::logs::v1::LogRecord;
using opentelemetry::proto::metrics::v1::Metric;
using opentelemetry::proto::trace::v1::Span;
using processors::erase_if;

// Any of the OTTL conditions holds for `item`. A condition that fails: propagate throws (the batch is refused),
// ignore logs and counts it false, silent counts it false.
bool ottl_any(const std::vector<OttlCondition>& conds, ottl::Item& item, ErrorMode processor_mode) {
  for (const auto& c : conds) {
    try {
      if (c.compiled->eval(item)) return true;
    } catch (const ottl::EvalError& e) {
      const ErrorMode mode = c.error_mode.value_or(processor_mode);
      if (mode == ErrorMode::propagate)
        throw ottl::EvalError("failed to evaluate condition \"" + c.text + "\": " + e.what());
      if (mode == ErrorMode::ignore) spdlog::warn("filter: failed to evaluate condition \"{}\": {}", c.text, e.what());
    }
  }
  return false;
}

// The legacy matchers: dropped when `include` does not match, or `exclude` does.
bool legacy_drop(const LegacyMatch& m, const attributes_processor::MatchSubject& s) {
  if (m.include && !attributes_processor::matches(*m.include, s)) return true;
  return m.exclude && attributes_processor::matches(*m.exclude, s);
}

// Stand-ins for a resource or scope a request leaves out: conditions read them without adding them to the request.
struct Absent {
  ottl::pb::Resource resource;
  ottl::pb::InstrumentationScope scope;
};

template <typename Scopes, typename Count>
size_t count_in(const Scopes& scopes, Count count) {
  size_t n = 0;
  for (const auto& s : scopes) n += count(s);
  return n;
}

class Filter {
 public:
  explicit Filter(const FilterConfig& cfg) : cfg_(cfg) {
    for (const auto& c : cfg_.ottl_metric) metric_reads_points_ = metric_reads_points_ || c.compiled->reads_points();
  }

  // Each returns the number of items (spans, data points, log records) dropped.
  size_t run(otlp_trace::ExportTraceServiceRequest& r) const {
    size_t dropped = 0;
    ottl::Item item;
    Absent absent;
    erase_if(*r.mutable_resource_spans(), [&](auto& rs) {
      const auto& res = rs.resource().attributes();
      item.resource = rs.has_resource() ? rs.mutable_resource() : &absent.resource;
      item.scope = nullptr;
      item.span = nullptr;
      item.event = nullptr;
      item.clear_cache();
      if (!cfg_.trace_resource.empty() && ottl_any(cfg_.trace_resource, item, cfg_.error_mode)) {
        dropped += count_in(rs.scope_spans(), [](const auto& ss) { return static_cast<size_t>(ss.spans_size()); });
        return true;
      }
      erase_if(*rs.mutable_scope_spans(), [&](auto& ss) {
        item.scope = ss.has_scope() ? ss.mutable_scope() : &absent.scope;
        item.clear_cache();
        item.span = nullptr;
        item.event = nullptr;
        if (!cfg_.trace_scope.empty() && ottl_any(cfg_.trace_scope, item, cfg_.error_mode)) {
          dropped += static_cast<size_t>(ss.spans_size());
          return true;
        }
        dropped += erase_if(*ss.mutable_spans(), [&](Span& s) {
          if (cfg_.legacy_spans.any() &&
              legacy_drop(cfg_.legacy_spans, {&res, &ss.scope(), &s.attributes(), &s, nullptr, nullptr}))
            return true;
          if (cfg_.ottl_span.empty()) return false;
          item.span = &s;
          item.clear_cache();
          return ottl_any(cfg_.ottl_span, item, cfg_.error_mode);
        });
        // Events of the spans that stay (a dropped span's events are not looked at).
        if (!cfg_.ottl_spanevent.empty())
          for (auto& s : *ss.mutable_spans()) {
            item.span = &s;
            erase_if(*s.mutable_events(), [&](Span::Event& e) {
              item.event = &e;
              item.clear_cache();
              return ottl_any(cfg_.ottl_spanevent, item, cfg_.error_mode);
            });
            item.event = nullptr;
          }
        return ss.spans().empty();
      });
      return rs.scope_spans().empty();
    });
    return dropped;
  }

  size_t run(otlp_metrics::ExportMetricsServiceRequest& r) const {
    size_t dropped = 0;
    ottl::Item item;
    Absent absent;
    erase_if(*r.mutable_resource_metrics(), [&](auto& rm) {
      const auto& res = rm.resource().attributes();
      item.resource = rm.has_resource() ? rm.mutable_resource() : &absent.resource;
      item.scope = nullptr;
      item.metric = nullptr;
      item.clear_cache();
      auto points_in = [](const auto& sm) {
        return count_in(sm.metrics(), [](const Metric& m) { return metric_points(m); });
      };
      if (!cfg_.metric_resource.empty() && ottl_any(cfg_.metric_resource, item, cfg_.error_mode)) {
        dropped += count_in(rm.scope_metrics(), points_in);
        return true;
      }
      erase_if(*rm.mutable_scope_metrics(), [&](auto& sm) {
        item.scope = sm.has_scope() ? sm.mutable_scope() : &absent.scope;
        item.metric = nullptr;
        item.clear_cache();
        if (!cfg_.metric_scope.empty() && ottl_any(cfg_.metric_scope, item, cfg_.error_mode)) {
          dropped += points_in(sm);
          return true;
        }
        erase_if(*sm.mutable_metrics(), [&](Metric& m) {
          item.metric = &m;
          item.clear_cache();
          if (cfg_.legacy_metrics.any() &&
              legacy_drop(cfg_.legacy_metrics, {&res, &sm.scope(), nullptr, nullptr, nullptr, &m})) {
            dropped += metric_points(m);
            return true;
          }
          if (!cfg_.ottl_metric.empty() && ottl_any(cfg_.ottl_metric, item, cfg_.error_mode)) {
            dropped += metric_points(m);
            return true;
          }
          if (cfg_.ottl_datapoint.empty()) return false;
          bool emptied = false;
          with_points(m, [&](auto& dps) {
            dropped += erase_if(dps, [&](auto& dp) {
              item.set_point(dp);
              item.clear_cache();
              const bool drop = ottl_any(cfg_.ottl_datapoint, item, cfg_.error_mode);
              item.clear_point();
              return drop;
            });
            emptied = dps.empty();
          });
          return emptied;
        });
        return sm.metrics().empty();
      });
      return rm.scope_metrics().empty();
    });
    return dropped;
  }

  size_t run(otlp_logs::ExportLogsServiceRequest& r) const {
    size_t dropped = 0;
    ottl::Item item;
    Absent absent;
    erase_if(*r.mutable_resource_logs(), [&](auto& rl) {
      const auto& res = rl.resource().attributes();
      item.resource = rl.has_resource() ? rl.mutable_resource() : &absent.resource;
      item.scope = nullptr;
      item.log = nullptr;
      item.clear_cache();
      if (!cfg_.log_resource.empty() && ottl_any(cfg_.log_resource, item, cfg_.error_mode)) {
        dropped += count_in(rl.scope_logs(), [](const auto& sl) { return static_cast<size_t>(sl.log_records_size()); });
        return true;
      }
      erase_if(*rl.mutable_scope_logs(), [&](auto& sl) {
        item.scope = sl.has_scope() ? sl.mutable_scope() : &absent.scope;
        item.log = nullptr;
        item.clear_cache();
        if (!cfg_.log_scope.empty() && ottl_any(cfg_.log_scope, item, cfg_.error_mode)) {
          dropped += static_cast<size_t>(sl.log_records_size());
          return true;
        }
        dropped += erase_if(*sl.mutable_log_records(), [&](LogRecord& l) {
          if (cfg_.legacy_logs.any() &&
              legacy_drop(cfg_.legacy_logs, {&res, &sl.scope(), &l.attributes(), nullptr, &l, nullptr}))
            return true;
          if (cfg_.ottl_log_record.empty()) return false;
          item.log = &l;
          item.clear_cache();
          return ottl_any(cfg_.ottl_log_record, item, cfg_.error_mode);
        });
        return sl.log_records().empty();
      });
      return rl.scope_logs().empty();
    });
    return dropped;
  }

  // Only OTTL span conditions: they only read, so received bytes are judged span by span (wire_filter.h).
  bool spans_on_wire() const {
    return !cfg_.ottl_span.empty() && cfg_.ottl_spanevent.empty() && !cfg_.legacy_spans.any() &&
           cfg_.trace_resource.empty() && cfg_.trace_scope.empty();
  }

  // Only OTTL log record conditions (or condition maps, which are OTTL): judged record by record on the bytes.
  bool logs_on_wire() const {
    return !cfg_.ottl_log_record.empty() && !cfg_.legacy_logs.any() && cfg_.log_resource.empty() &&
           cfg_.log_scope.empty();
  }

  // Only OTTL metric and data point conditions: judged metric by metric on the bytes. The resource and scope
  // conditions and the legacy matchers (include/exclude by name, resource attributes) stay on the decoded path.
  bool metrics_on_wire() const {
    return (!cfg_.ottl_metric.empty() || !cfg_.ottl_datapoint.empty()) && !cfg_.legacy_metrics.any() &&
           cfg_.metric_resource.empty() && cfg_.metric_scope.empty();
  }

  // One received part on the wire; not ok when its bytes do not read (the caller decodes them).
  WireFilterResult run_wire(Signal s, std::string_view bytes) const {
    if (s == Signal::metrics) {
      ItemVerdict metric, point;
      if (!cfg_.ottl_metric.empty())
        metric = [this](ottl::Item& item) { return ottl_any(cfg_.ottl_metric, item, cfg_.error_mode); };
      if (!cfg_.ottl_datapoint.empty())
        point = [this](ottl::Item& item) { return ottl_any(cfg_.ottl_datapoint, item, cfg_.error_mode); };
      return filter_metrics_on_wire(bytes, metric, point, metric_reads_points_);
    }
    if (s == Signal::logs)
      return filter_logs_on_wire(
          bytes, [this](ottl::Item& item) { return ottl_any(cfg_.ottl_log_record, item, cfg_.error_mode); });
    return filter_spans_on_wire(bytes,
                                [this](ottl::Item& item) { return ottl_any(cfg_.ottl_span, item, cfg_.error_mode); });
  }

  bool active(Signal s) const {
    switch (s) {
      case Signal::traces:
        return cfg_.legacy_spans.any() || !cfg_.trace_resource.empty() || !cfg_.trace_scope.empty() ||
               !cfg_.ottl_span.empty() || !cfg_.ottl_spanevent.empty();
      case Signal::metrics:
        return cfg_.legacy_metrics.any() || !cfg_.metric_resource.empty() || !cfg_.metric_scope.empty() ||
               !cfg_.ottl_metric.empty() || !cfg_.ottl_datapoint.empty();
      case Signal::logs:
        return cfg_.legacy_logs.any() || !cfg_.log_resource.empty() || !cfg_.log_scope.empty() ||
               !cfg_.ottl_log_record.empty();
    }
    return false;
  }

 private:
  FilterConfig cfg_;
  bool metric_reads_points_ = false;  // a metric condition reads data points (HasAttrOnDatapoint...)
};

std::string_view filtered_metric(Signal s) {
  switch (s) {
    case Signal::traces:
      return "otelcol_processor_filter_spans_filtered";
    case Signal::metrics:
      return "otelcol_processor_filter_datapoints_filtered";
    case Signal::logs:
      return "otelcol_processor_filter_logs_filtered";
  }
  return "";
}

template <typename B>
class FilterProcessor final : public processors::ProcessorBase<B> {
 public:
  FilterProcessor(const CreateSettings& s, const FilterConfig& cfg, Consumer<B>* next)
      : processors::ProcessorBase<B>(s, next),
        filter_(cfg),
        active_(filter_.active(B::signal)),
        wire_((B::signal == Signal::traces && filter_.spans_on_wire()) ||
              (B::signal == Signal::logs && filter_.logs_on_wire()) ||
              (B::signal == Signal::metrics && filter_.metrics_on_wire())),
        filtered_(s.telemetry().counter(filtered_metric(B::signal), {{"filter", s.id.str()}})) {}

 private:
  Status process(B batch) override {
    if (!active_) return this->forward(std::move(batch));
    size_t dropped = 0;
    try {
      if (wire_) {
        dropped = run_wire_parts(batch);
        if (dropped == 0) return this->forward(std::move(batch));
        filtered_.add(dropped);
        std::erase_if(batch.raw_parts(),
                      [](const auto& p) { return p.wire ? p.wire->empty() : batch_empty(*p.request); });
        if (batch.raw_parts().empty()) return Status::ok();
        return this->forward(std::move(batch));
      }
      for (auto& p : batch.mutable_parts()) dropped += filter_.run(*p.request);
    } catch (const ottl::EvalError& e) {
      // error_mode propagate: the batch is refused, as the Collector returns the error to the caller.
      return Status::permanent(std::string("filter: ") + e.what());
    }
    if (dropped == 0) return this->forward(std::move(batch));
    filtered_.add(dropped);
    auto& parts = batch.mutable_parts();
    std::erase_if(parts, [](const auto& p) { return batch_empty(*p.request); });
    // Everything dropped: nothing to hand on, and that is a success (the Collector's "skip processing").
    if (parts.empty()) return Status::ok();
    return this->forward(std::move(batch));
  }

  // Parts with received bytes are filtered on the wire; the others (and bytes that do not read) decoded.
  size_t run_wire_parts(B& batch) const {
    size_t dropped = 0;
    for (auto& part : batch.raw_parts()) {
      if (part.wire) {
        auto r = filter_.run_wire(B::signal, *part.wire);
        if (r.rewrite.ok) {
          dropped += r.dropped;
          if (r.dropped > 0 && r.empty) {
            // Nothing left: the part goes, as a decoded one without resources does (whatever else it held).
            part.replace_wire(std::string());
            part.items = 0;
            continue;
          }
          if (r.rewrite.changed) {
            const size_t items = part.items;
            part.replace_wire(std::move(r.rewrite.bytes));
            part.items = items == B::kUnknownItems ? B::kUnknownItems : items - r.dropped;
          }
          continue;
        }
      }
      part.decode();
      part.wire.reset();
      part.items = B::kUnknownItems;
      dropped += filter_.run(*part.request);
    }
    return dropped;
  }

  static bool batch_empty(const otlp_trace::ExportTraceServiceRequest& r) { return r.resource_spans().empty(); }
  static bool batch_empty(const otlp_metrics::ExportMetricsServiceRequest& r) { return r.resource_metrics().empty(); }
  static bool batch_empty(const otlp_logs::ExportLogsServiceRequest& r) { return r.resource_logs().empty(); }

  Filter filter_;
  bool active_;
  bool wire_;  // spans, log records or metrics judged on their received bytes
  Counter& filtered_;
};

class FilterProcessorFactory final : public processors::ProcessorFactoryOf<FilterConfig, FilterProcessor> {
 public:
  FilterProcessorFactory() : ProcessorFactoryOf("filter", parse_config) {}
};

}  // namespace

}  // namespace otlpd::filter_processor

using otlpd::filter_processor::FilterProcessorFactory;
OTLPD_REGISTER_FACTORY(FilterProcessorFactory)
