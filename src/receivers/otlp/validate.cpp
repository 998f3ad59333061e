// Id length checks over traces (spans, links), metrics (exemplars) and logs.
#include "receivers/otlp/validate.h"

#include <functional>

namespace otlpd::otlp_receiver {

namespace {

using Path = std::function<std::string()>;  // built only when a check fails

bool bad_id(const std::string& id, size_t want, const Path& path, const char* field, std::string& err) {
  if (id.empty() || id.size() == want) return false;
  err = path() + "." + field + ": " + std::to_string(id.size()) + " bytes, expected " + std::to_string(want);
  return true;
}

template <typename Exemplars>
bool check_exemplars(const Exemplars& exemplars, const Path& dp, std::string& err) {
  for (int i = 0; i < exemplars.size(); ++i) {
    Path p = [&] { return dp() + ".exemplars[" + std::to_string(i) + "]"; };
    if (bad_id(exemplars[i].trace_id(), 16, p, "traceId", err) || bad_id(exemplars[i].span_id(), 8, p, "spanId", err))
      return true;
  }
  return false;
}

template <typename Points>
bool check_points(const Points& points, const Path& metric, const char* kind, std::string& err) {
  for (int i = 0; i < points.size(); ++i) {
    Path p = [&] { return metric() + "." + kind + ".dataPoints[" + std::to_string(i) + "]"; };
    if (check_exemplars(points[i].exemplars(), p, err)) return true;
  }
  return false;
}

}  // namespace

std::string validate_ids(const otlp_trace::ExportTraceServiceRequest& r) {
  std::string err;
  for (int a = 0; a < r.resource_spans_size(); ++a) {
    const auto& rs = r.resource_spans(a);
    for (int b = 0; b < rs.scope_spans_size(); ++b) {
      const auto& ss = rs.scope_spans(b);
      for (int c = 0; c < ss.spans_size(); ++c) {
        const auto& s = ss.spans(c);
        Path p = [&] {
          return "resourceSpans[" + std::to_string(a) + "].scopeSpans[" + std::to_string(b) + "].spans[" +
                 std::to_string(c) + "]";
        };
        if (bad_id(s.trace_id(), 16, p, "traceId", err) || bad_id(s.span_id(), 8, p, "spanId", err) ||
            bad_id(s.parent_span_id(), 8, p, "parentSpanId", err))
          return err;
        for (int d = 0; d < s.links_size(); ++d) {
          Path lp = [&] { return p() + ".links[" + std::to_string(d) + "]"; };
          if (bad_id(s.links(d).trace_id(), 16, lp, "traceId", err) ||
              bad_id(s.links(d).span_id(), 8, lp, "spanId", err))
            return err;
        }
      }
    }
  }
  return err;
}

std::string validate_ids(const otlp_metrics::ExportMetricsServiceRequest& r) {
  std::string err;
  for (int a = 0; a < r.resource_metrics_size(); ++a) {
    const auto& rm = r.resource_metrics(a);
    for (int b = 0; b < rm.scope_metrics_size(); ++b) {
      const auto& sm = rm.scope_metrics(b);
      for (int c = 0; c < sm.metrics_size(); ++c) {
        const auto& m = sm.metrics(c);
        Path p = [&] {
          return "resourceMetrics[" + std::to_string(a) + "].scopeMetrics[" + std::to_string(b) + "].metrics[" +
                 std::to_string(c) + "]";
        };
        if ((m.has_gauge() && check_points(m.gauge().data_points(), p, "gauge", err)) ||
            (m.has_sum() && check_points(m.sum().data_points(), p, "sum", err)) ||
            (m.has_histogram() && check_points(m.histogram().data_points(), p, "histogram", err)) ||
            (m.has_exponential_histogram() &&
             check_points(m.exponential_histogram().data_points(), p, "exponentialHistogram", err)))
          return err;
      }
    }
  }
  return err;
}

std::string validate_ids(const otlp_logs::ExportLogsServiceRequest& r) {
  std::string err;
  for (int a = 0; a < r.resource_logs_size(); ++a) {
    const auto& rl = r.resource_logs(a);
    for (int b = 0; b < rl.scope_logs_size(); ++b) {
      const auto& sl = rl.scope_logs(b);
      for (int c = 0; c < sl.log_records_size(); ++c) {
        const auto& l = sl.log_records(c);
        Path p = [&] {
          return "resourceLogs[" + std::to_string(a) + "].scopeLogs[" + std::to_string(b) + "].logRecords[" +
                 std::to_string(c) + "]";
        };
        if (bad_id(l.trace_id(), 16, p, "traceId", err) || bad_id(l.span_id(), 8, p, "spanId", err)) return err;
      }
    }
  }
  return err;
}

}  // namespace otlpd::otlp_receiver
