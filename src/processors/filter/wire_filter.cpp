// Filtering on the wire: ExportTraceServiceRequest{1: ResourceSpans{1: Resource, 2: ScopeSpans{1: scope, 2: Span}}},
// ExportLogsServiceRequest{1: ResourceLogs{1: Resource, 2: ScopeLogs{1: scope, 2: LogRecord}}} and
// ExportMetricsServiceRequest{1: ResourceMetrics{1: Resource, 2: ScopeMetrics{1: scope, 2: Metric}}} have the same
// shape and field numbers, so one walk serves the three; unknown fields are kept in place.
#include "processors/filter/wire_filter.h"

#include <vector>

#include <google/protobuf/arena.h>

#include "codec/wire_reader.h"
#include "model/metric_points.h"
#include "processors/common/wire_parts.h"

namespace otlpd::filter_processor {

namespace {

using otlp_wire::Field;
using otlp_wire::Reader;
using otlp_wire::WireType;
using ottl::pb::Metric;

bool is_message(const Field& f, uint32_t number) { return f.number == number && f.type == WireType::len; }

// What becomes of one item of a scope.
enum class Fate { drop, keep, edit, bad };

// Spans or log records: each decoded alone into `leaf` and judged. `slot`: the Item field it is judged through.
template <typename Leaf>
struct LeafJudge {
  const ItemVerdict& drop;
  Leaf* ottl::Item::*slot;
  Leaf leaf;
  size_t dropped = 0, kept = 0;

  Fate operator()(std::string_view body, ottl::Item& item, std::string&) {
    if (!leaf.ParseFromArray(body.data(), static_cast<int>(body.size()))) return Fate::bad;
    item.*slot = &leaf;
    item.clear_cache();
    if (drop(item)) {
      ++dropped;
      return Fate::drop;
    }
    ++kept;
    return Fate::keep;
  }
};

// Metrics. With metric conditions that read data points (HasAttrOnDatapoint), each metric is decoded whole (on the
// walk's arena: a metric's data is a oneof, which protobuf frees on every Clear, so a reused message would gain
// nothing), judged, and its points, already decoded, judged by the datapoint conditions. Otherwise each metric is
// decoded without its points (the other metric paths, and the datapoint context's, read the metric's own fields),
// judged, and each of its points decoded alone into a reused message. Items counted are data points. A metric that
// loses some points is written again from its bytes, without theirs.
struct MetricJudge {
  MetricJudge(const ItemVerdict& metric, const ItemVerdict& point, bool metric_reads_points)
      : drop_metric(metric), drop_point(point), whole(metric_reads_points) {}

  const ItemVerdict& drop_metric;
  const ItemVerdict& drop_point;
  const bool whole;  // the metric conditions read data points: metrics are decoded whole
  google::protobuf::Arena arena;
  Metric shell;  // the metric without its points
  ottl::pb::NumberDataPoint number;
  ottl::pb::HistogramDataPoint histogram;
  ottl::pb::ExponentialHistogramDataPoint exp_histogram;
  ottl::pb::SummaryDataPoint summary;
  std::string scratch;
  std::vector<std::string_view> point_bytes;  // the shell's points, as received
  std::vector<char> gone;                     // by point: dropped
  size_t dropped = 0, kept = 0;

  Fate operator()(std::string_view body, ottl::Item& item, std::string& edited) {
    item.clear_point();
    gone.clear();
    if (drop_metric && whole) {
      auto* m = google::protobuf::Arena::CreateMessage<Metric>(&arena);
      if (!processors::single_data_field(body) || !m->ParseFromArray(body.data(), static_cast<int>(body.size())))
        return Fate::bad;
      item.metric = m;
      item.clear_cache();
      if (drop_metric(item)) {
        dropped += metric_points(*m);
        return Fate::drop;
      }
      if (!drop_point || m->data_case() == Metric::DATA_NOT_SET) {  // as on the decoded path, it stays
        kept += metric_points(*m);
        return Fate::keep;
      }
      with_points(*m, [&](auto& points) {
        for (auto& p : points) judge(item, p);
      });
    } else {
      if (!read_shell(body)) return Fate::bad;
      item.metric = &shell;
      item.clear_cache();
      if (drop_metric && drop_metric(item)) {
        dropped += point_bytes.size();
        return Fate::drop;
      }
      if (!drop_point || shell.data_case() == Metric::DATA_NOT_SET) {
        kept += point_bytes.size();
        return Fate::keep;
      }
      for (std::string_view p : point_bytes) {
        bool ok = true;
        with_points(shell, [&](auto& points) {
          using Point = std::remove_reference_t<decltype(*points.Mutable(0))>;
          Point& reused = this->reused(static_cast<Point*>(nullptr));
          ok = reused.ParseFromArray(p.data(), static_cast<int>(p.size()));
          if (ok) judge(item, reused);
        });
        if (!ok) return Fate::bad;
      }
    }
    const size_t n = gone.size();
    size_t gone_n = 0;
    for (char g : gone) gone_n += g ? 1 : 0;
    if (gone_n == 0 && n > 0) {
      kept += n;
      return Fate::keep;
    }
    dropped += gone_n;
    if (gone_n == n) return Fate::drop;  // every point went (or it had none): the metric goes
    kept += n - gone_n;
    return write_without_gone(body, edited) ? Fate::edit : Fate::bad;
  }

  ottl::pb::NumberDataPoint& reused(ottl::pb::NumberDataPoint*) { return number; }
  ottl::pb::HistogramDataPoint& reused(ottl::pb::HistogramDataPoint*) { return histogram; }
  ottl::pb::ExponentialHistogramDataPoint& reused(ottl::pb::ExponentialHistogramDataPoint*) { return exp_histogram; }
  ottl::pb::SummaryDataPoint& reused(ottl::pb::SummaryDataPoint*) { return summary; }

  // The datapoint conditions' verdict on one point, appended to `gone`.
  template <typename Point>
  void judge(ottl::Item& item, Point& p) {
    item.set_point(p);
    item.clear_cache();
    gone.push_back(drop_point(item) ? 1 : 0);
    item.clear_point();
  }

  // Decodes `body` without its data points into `shell`, and finds the points' bytes; false when the bytes do not
  // read, or hold the data in more than one field.
  bool read_shell(std::string_view body) {
    scratch.clear();
    point_bytes.clear();
    return copy_metric(body, scratch,
                       [this](std::string_view p) {
                         point_bytes.push_back(p);
                         return false;
                       }) &&
           shell.ParseFromArray(scratch.data(), static_cast<int>(scratch.size()));
  }

  // `body` without the dropped points; false when the bytes are not as the decoded metric says.
  bool write_without_gone(std::string_view body, std::string& out) const {
    out.clear();
    size_t k = 0;
    const bool ok = copy_metric(body, out, [&](std::string_view) {
      const bool keep = k < gone.size() && !gone[k];
      ++k;
      return keep;
    });
    return ok && k == gone.size();
  }

  // Appends a Metric's bytes to `out`, each data point only when `keep(point_bytes)` says so; false when the bytes
  // do not read, or hold the data in more than one field (protobuf merges them: the caller decodes the request).
  template <typename Keep>
  static bool copy_metric(std::string_view body, std::string& out, Keep&& keep) {
    int data_fields = 0;
    Reader r(body);
    Field f;
    while (r.next(f)) {
      if (!processors::is_metric_data_field(f)) {
        out.append(f.raw);
        continue;
      }
      if (++data_fields > 1) return false;
      otlp_wire::LenField lf(out, f.number, f.body.size());
      Reader points(f.body);
      Field p;
      while (points.next(p))
        if (!is_message(p, 1) || keep(p.body)) out.append(p.raw);
      if (points.error()) return false;
      lf.end();
    }
    return !r.error();
  }
};

// The walk over resources and scopes; `judge(item_body, item, edited) -> Fate` decides each item of a scope.
template <typename Judge>
struct Walk {
  Judge& judge;
  ottl::Item item;
  ottl::pb::Resource resource;
  ottl::pb::InstrumentationScope scope;
  std::string edited;
  bool bad = false;

  void read_singular(std::string_view msg, uint32_t number, google::protobuf::MessageLite& out) {
    if (!processors::read_message_field(msg, number, out)) bad = true;
  }

  // A ScopeSpans / ScopeLogs / ScopeMetrics body: appends what stays to `out`; returns the number of items kept.
  size_t scope_items(std::string_view body, std::string& out, bool& changed) {
    read_singular(body, 1, scope);
    item.scope = &scope;
    Reader r(body);
    Field f;
    size_t kept = 0;
    while (r.next(f)) {
      if (is_message(f, 2)) {
        switch (judge(f.body, item, edited)) {
          case Fate::bad:
            bad = true;
            return 0;
          case Fate::drop:
            changed = true;
            continue;
          case Fate::edit:
            changed = true;
            ++kept;
            otlp_wire::append_varint(out, uint64_t{2} << 3 | 2);
            otlp_wire::append_varint(out, edited.size());
            out.append(edited);
            continue;
          case Fate::keep:
            ++kept;
            break;
        }
      }
      out.append(f.raw);
    }
    if (r.error()) bad = true;
    return kept;
  }

  // Writes the resource (level 1) or scope (level 2) field `f` in place: `fill(out, inner_changed) -> kept` appends
  // its new body to `out`. The field stays as it came when nothing in it changed, as written when something did,
  // and goes when nothing is left in it. Returns `kept`.
  template <typename Fill>
  size_t put(std::string& out, const Field& f, bool& changed, Fill&& fill) {
    const size_t at = out.size();
    otlp_wire::LenField lf(out, f.number, f.body.size());
    bool inner_changed = false;
    const size_t kept = fill(out, inner_changed);
    if (bad) return 0;
    if (kept == 0) {
      out.resize(at);
      changed = true;  // a scope or resource left without items goes
      return 0;
    }
    lf.end();
    if (inner_changed) {
      changed = true;
    } else if (std::string_view(out).substr(at) != f.raw) {  // the same body, its length written otherwise
      out.resize(at);
      out.append(f.raw);
    }
    return kept;
  }

  // A ResourceSpans / ResourceLogs / ResourceMetrics body: appends what stays; returns the number of scopes kept.
  size_t resource_items(std::string_view body, std::string& out, bool& changed) {
    read_singular(body, 1, resource);
    item.resource = &resource;
    Reader r(body);
    Field f;
    size_t kept = 0;
    while (r.next(f)) {
      if (is_message(f, 2)) {
        const size_t n = put(out, f, changed, [&](std::string& inner, bool& inner_changed) {
          return scope_items(f.body, inner, inner_changed);
        });
        if (bad) return 0;
        kept += n > 0 ? 1 : 0;
        continue;
      }
      out.append(f.raw);
    }
    if (r.error()) bad = true;
    return kept;
  }
};

template <typename Judge>
WireFilterResult filter_on_wire(std::string_view request, Judge& judge) {
  WireFilterResult out;
  Walk<Judge> w{judge, {}, {}, {}, {}, false};
  std::string bytes;
  bytes.reserve(request.size());
  bool changed = false;
  size_t resources = 0;
  Reader r(request);
  Field f;
  while (r.next(f)) {
    if (is_message(f, 1)) {
      const size_t kept = w.put(bytes, f, changed, [&](std::string& inner, bool& inner_changed) {
        return w.resource_items(f.body, inner, inner_changed);
      });
      if (w.bad) return out;
      resources += kept > 0 ? 1 : 0;
      continue;
    }
    bytes.append(f.raw);
  }
  if (r.error()) return out;
  out.rewrite.ok = true;
  out.rewrite.changed = changed;
  if (changed) out.rewrite.bytes = std::move(bytes);
  out.dropped = judge.dropped;
  out.kept = judge.kept;
  out.empty = resources == 0;
  return out;
}

}  // namespace

WireFilterResult filter_spans_on_wire(std::string_view request, const ItemVerdict& drop) {
  LeafJudge<ottl::pb::Span> judge{drop, &ottl::Item::span, {}};
  return filter_on_wire(request, judge);
}

WireFilterResult filter_logs_on_wire(std::string_view request, const ItemVerdict& drop) {
  LeafJudge<ottl::pb::LogRecord> judge{drop, &ottl::Item::log, {}};
  return filter_on_wire(request, judge);
}

WireFilterResult filter_metrics_on_wire(std::string_view request, const ItemVerdict& drop_metric,
                                        const ItemVerdict& drop_point, bool metric_reads_points) {
  MetricJudge judge(drop_metric, drop_point, metric_reads_points);
  return filter_on_wire(request, judge);
}

}  // namespace otlpd::filter_processor
