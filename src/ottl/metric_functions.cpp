// The transform processor's metric functions (the Collector's processor/transformprocessor/internal/metrics), in
// the metric context: type conversions between sum and gauge, new metrics extracted from summaries and
// histograms, copy_metric and scale_metric. A function that makes a metric appends it to the metric's scope
// (Item::metrics), where the statements that follow see it, as in the Collector.
#include <cmath>
#include <limits>

#include "ottl/internal.h"

namespace otlpd::ottl {

namespace {

using opentelemetry::proto::metrics::v1::AggregationTemporality;
using opentelemetry::proto::metrics::v1::Sum;

FunctionDef metric_editor(std::vector<std::string> params, std::function<Eval(Args&)> build) {
  FunctionDef d;
  d.editor = true;
  d.params = std::move(params);
  d.build = std::move(build);
  d.contexts = {ContextKind::metric};
  return d;
}

// "cumulative" or "delta", checked when the statement compiles.
AggregationTemporality temporality(Args& a, size_t i) {
  const auto s = a.string_literal(i);
  if (s == "cumulative") return opentelemetry::proto::metrics::v1::AGGREGATION_TEMPORALITY_CUMULATIVE;
  if (s == "delta") return opentelemetry::proto::metrics::v1::AGGREGATION_TEMPORALITY_DELTA;
  a.fail(i, "unknown aggregation temporality: " + s + " (cumulative or delta)");
}

// A new metric named `<name><suffix>`, with the source's description and unit, appended to the scope's metrics.
pb::Metric* new_metric(Item& i, const pb::Metric& from, const char* suffix) {
  pb::Metric* m = i.metrics->Add();
  m->set_name(from.name() + suffix);
  m->set_description(from.description());
  m->set_unit(from.unit());
  return m;
}

// A sum data point at the times and with the attributes of `p`.
template <typename P>
pb::NumberDataPoint* sum_point(Sum& sum, const P& p) {
  auto* out = sum.add_data_points();
  *out->mutable_attributes() = p.attributes();
  out->set_start_time_unix_nano(p.start_time_unix_nano());
  out->set_time_unix_nano(p.time_unix_nano());
  return out;
}

// The source metric's temporality for an extracted sum: a summary's is cumulative.
AggregationTemporality source_temporality(const pb::Metric& m) {
  if (m.has_histogram()) return m.histogram().aggregation_temporality();
  if (m.has_exponential_histogram()) return m.exponential_histogram().aggregation_temporality();
  return opentelemetry::proto::metrics::v1::AGGREGATION_TEMPORALITY_CUMULATIVE;
}

// extract_sum_metric / extract_count_metric: a Sum of each point's sum (points that have one) or count.
Eval extract(Args& a, bool count) {
  const bool monotonic = a.bool_literal(0);
  return [monotonic, count](Item& i) {
    if (!i.metric || !i.metrics) return Value();
    const pb::Metric src = *i.metric;  // copied: adding to the scope may move nothing, but stay safe
    if (!src.has_histogram() && !src.has_exponential_histogram() && !src.has_summary()) return Value();
    Sum sum;
    sum.set_is_monotonic(monotonic);
    sum.set_aggregation_temporality(source_temporality(src));
    auto add = [&](const auto& points) {
      for (const auto& p : points) {
        if (count) {
          sum_point(sum, p)->set_as_int(static_cast<int64_t>(p.count()));
        } else {
          if constexpr (!std::is_same_v<std::decay_t<decltype(p)>, pb::SummaryDataPoint>)
            if (!p.has_sum()) continue;
          sum_point(sum, p)->set_as_double(p.sum());
        }
      }
    };
    if (src.has_histogram()) add(src.histogram().data_points());
    if (src.has_exponential_histogram()) add(src.exponential_histogram().data_points());
    if (src.has_summary()) add(src.summary().data_points());
    if (sum.data_points().empty()) return Value();
    *new_metric(i, src, count ? "_count" : "_sum")->mutable_sum() = std::move(sum);
    return Value();
  };
}

// convert_summary_count_val_to_sum / convert_summary_sum_val_to_sum: a Sum of each summary point's count or sum.
Eval summary_to_sum(Args& a, bool count) {
  const auto temp = temporality(a, 0);
  const bool monotonic = a.bool_literal(1);
  return [temp, monotonic, count](Item& i) {
    if (!i.metric || !i.metrics || !i.metric->has_summary()) return Value();
    const pb::Metric src = *i.metric;
    Sum sum;
    sum.set_is_monotonic(monotonic);
    sum.set_aggregation_temporality(temp);
    for (const auto& p : src.summary().data_points()) {
      auto* out = sum_point(sum, p);
      if (count)
        out->set_as_int(static_cast<int64_t>(p.count()));
      else
        out->set_as_double(p.sum());
    }
    *new_metric(i, src, count ? "_count" : "_sum")->mutable_sum() = std::move(sum);
    return Value();
  };
}

int64_t scale_int(int64_t v, double factor) {
  const double x = static_cast<double>(v) * factor;
  if (!(x >= -9.2e18 && x <= 9.2e18)) throw EvalError("scale_metric: " + std::to_string(v) + " scaled is out of range");
  return static_cast<int64_t>(x);
}

template <typename Points>
void scale_numbers(Points& points, double factor) {
  for (auto& p : points) {
    if (p.has_as_int())
      p.set_as_int(scale_int(p.as_int(), factor));
    else
      p.set_as_double(p.as_double() * factor);
    for (auto& e : *p.mutable_exemplars()) {
      if (e.has_as_int())
        e.set_as_int(scale_int(e.as_int(), factor));
      else
        e.set_as_double(e.as_double() * factor);
    }
  }
}

}  // namespace

void metric_functions(Table& t) {
  t["convert_sum_to_gauge"] = metric_editor({}, [](Args&) -> Eval {
    return [](Item& i) {
      if (!i.metric || !i.metric->has_sum()) return Value();
      auto points = std::move(*i.metric->mutable_sum()->mutable_data_points());
      *i.metric->mutable_gauge()->mutable_data_points() = std::move(points);
      return Value();
    };
  });
  t["convert_gauge_to_sum"] = metric_editor({"aggregation_temporality", "is_monotonic"}, [](Args& a) -> Eval {
    const auto temp = temporality(a, 0);
    const bool monotonic = a.bool_literal(1);
    return [temp, monotonic](Item& i) {
      if (!i.metric || !i.metric->has_gauge()) return Value();
      auto points = std::move(*i.metric->mutable_gauge()->mutable_data_points());
      auto* sum = i.metric->mutable_sum();
      sum->set_aggregation_temporality(temp);
      sum->set_is_monotonic(monotonic);
      *sum->mutable_data_points() = std::move(points);
      return Value();
    };
  });
  t["convert_summary_count_val_to_sum"] = metric_editor({"aggregation_temporality", "is_monotonic"},
                                                        [](Args& a) -> Eval { return summary_to_sum(a, true); });
  t["convert_summary_sum_val_to_sum"] = metric_editor({"aggregation_temporality", "is_monotonic"},
                                                      [](Args& a) -> Eval { return summary_to_sum(a, false); });
  t["extract_sum_metric"] = metric_editor({"monotonic"}, [](Args& a) -> Eval { return extract(a, false); });
  t["extract_count_metric"] = metric_editor({"monotonic"}, [](Args& a) -> Eval { return extract(a, true); });
  t["copy_metric"] = metric_editor({"name?", "description?", "unit?"}, [](Args& a) -> Eval {
    std::optional<std::string> name, description, unit;
    if (a.has(0)) name = a.string_literal(0);
    if (a.has(1)) description = a.string_literal(1);
    if (a.has(2)) unit = a.string_literal(2);
    return [name, description, unit](Item& i) {
      if (!i.metric || !i.metrics) return Value();
      pb::Metric copy = *i.metric;
      if (name) copy.set_name(*name);
      if (description) copy.set_description(*description);
      if (unit) copy.set_unit(*unit);
      *i.metrics->Add() = std::move(copy);
      return Value();
    };
  });
  t["scale_metric"] = metric_editor({"factor", "unit?"}, [](Args& a) -> Eval {
    const double factor = a.number_literal(0);
    std::optional<std::string> unit;
    if (a.has(1)) unit = a.string_literal(1);
    return [factor, unit](Item& i) {
      if (!i.metric) return Value();
      auto& m = *i.metric;
      if (m.has_gauge()) {
        scale_numbers(*m.mutable_gauge()->mutable_data_points(), factor);
      } else if (m.has_sum()) {
        scale_numbers(*m.mutable_sum()->mutable_data_points(), factor);
      } else if (m.has_histogram()) {
        for (auto& p : *m.mutable_histogram()->mutable_data_points()) {
          if (p.has_sum()) p.set_sum(p.sum() * factor);
          if (p.has_min()) p.set_min(p.min() * factor);
          if (p.has_max()) p.set_max(p.max() * factor);
          for (auto& b : *p.mutable_explicit_bounds()) b *= factor;
        }
      } else if (m.has_summary()) {
        for (auto& p : *m.mutable_summary()->mutable_data_points()) {
          p.set_sum(p.sum() * factor);
          for (auto& q : *p.mutable_quantile_values()) q.set_value(q.value() * factor);
        }
      } else if (m.has_exponential_histogram()) {
        throw EvalError("scale_metric: exponential histograms cannot be scaled");
      }
      if (unit) m.set_unit(*unit);
      return Value();
    };
  });
}

}  // namespace otlpd::ottl
