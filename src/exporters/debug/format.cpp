// Debug renderings: counts, span trees with durations, and every field.
#include "exporters/debug/format.h"

#include <fmt/format.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <map>
#include <unordered_map>
#include <vector>

#include "model/batch.h"

namespace otlpd::debug_exporter {

namespace {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::Span;

std::string any_to_string(const AnyValue& v) {
  switch (v.value_case()) {
    case AnyValue::kStringValue:
      return v.string_value();
    case AnyValue::kBoolValue:
      return v.bool_value() ? "true" : "false";
    case AnyValue::kIntValue:
      return std::to_string(v.int_value());
    case AnyValue::kDoubleValue:
      return fmt::format("{}", v.double_value());
    case AnyValue::kBytesValue:
      return "0x" + hex(v.bytes_value());
    case AnyValue::kArrayValue: {
      std::string s = "[";
      for (int i = 0; i < v.array_value().values_size(); ++i)
        s += (i ? ", " : "") + any_to_string(v.array_value().values(i));
      return s + "]";
    }
    case AnyValue::kKvlistValue: {
      std::string s = "{";
      for (int i = 0; i < v.kvlist_value().values_size(); ++i) {
        const auto& kv = v.kvlist_value().values(i);
        s += (i ? ", " : "") + kv.key() + "=" + any_to_string(kv.value());
      }
      return s + "}";
    }
    case AnyValue::VALUE_NOT_SET:
      return "";
  }
  return "";
}

std::string service_name(const opentelemetry::proto::resource::v1::Resource& r) {
  for (const auto& kv : r.attributes())
    if (kv.key() == "service.name") return any_to_string(kv.value());
  return "unknown_service";
}

std::string duration_text(uint64_t start, uint64_t end) {
  if (end < start) return "?";
  double us = static_cast<double>(end - start) / 1000.0;
  if (us < 1000) return fmt::format("{:.1f}µs", us);
  if (us < 1e6) return fmt::format("{:.2f}ms", us / 1000);
  return fmt::format("{:.3f}s", us / 1e6);
}

const char* kind_text(int k) {
  static const char* names[] = {"UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"};
  return k >= 0 && k <= 5 ? names[k] : "?";
}

template <typename B>
std::string detailed(const B& b) {
  std::string out;
  google::protobuf::TextFormat::Printer p;
  for (const auto& part : b.read_parts()) {
    std::string s;
    p.PrintToString(*part.request, &s);
    out += s;
  }
  return out;
}

}  // namespace

std::string hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string format_traces(const TraceBatch& b, Verbosity v) {
  std::string out = fmt::format(
      "Traces: {} resource spans, {} spans\n",
      [&] {
        size_t n = 0;
        for (const auto& p : b.read_parts()) n += static_cast<size_t>(p.request->resource_spans_size());
        return n;
      }(),
      b.item_count());
  if (v == Verbosity::basic) return out;
  if (v == Verbosity::detailed) return out + detailed(b);

  // normal: per trace, spans as a tree under their parents.
  struct Entry {
    const Span* span;
    std::string service;
  };
  std::map<std::string, std::vector<Entry>> traces;  // trace id → spans
  for (const auto& p : b.read_parts())
    for (const auto& rs : p.request->resource_spans()) {
      std::string svc = service_name(rs.resource());
      for (const auto& ss : rs.scope_spans())
        for (const auto& s : ss.spans()) traces[s.trace_id()].push_back({&s, svc});
    }
  for (auto& [trace_id, spans] : traces) {
    out += fmt::format("trace {}\n", hex(trace_id));
    std::unordered_map<std::string, std::vector<size_t>> children;
    std::unordered_map<std::string, bool> present;
    for (const auto& e : spans) present[e.span->span_id()] = true;
    std::vector<size_t> roots;
    for (size_t i = 0; i < spans.size(); ++i) {
      const auto& parent = spans[i].span->parent_span_id();
      if (parent.empty() || !present.count(parent))
        roots.push_back(i);
      else
        children[parent].push_back(i);
    }
    auto by_start = [&spans = spans](size_t a, size_t c) {
      return spans[a].span->start_time_unix_nano() < spans[c].span->start_time_unix_nano();
    };
    std::sort(roots.begin(), roots.end(), by_start);
    std::vector<std::pair<size_t, int>> stack;  // (span index, depth)
    for (auto it = roots.rbegin(); it != roots.rend(); ++it) stack.emplace_back(*it, 1);
    size_t guard = 0;
    while (!stack.empty() && guard++ <= spans.size()) {
      auto [i, depth] = stack.back();
      stack.pop_back();
      const Span& s = *spans[i].span;
      out += fmt::format("{:{}}{} [{}] {} {} span={}{}{}\n", "", depth * 2, s.name(), spans[i].service,
                         kind_text(s.kind()), duration_text(s.start_time_unix_nano(), s.end_time_unix_nano()),
                         hex(s.span_id()), s.status().code() == 2 ? " ERROR" : "",
                         s.status().message().empty() ? "" : " \"" + s.status().message() + "\"");
      auto c = children.find(s.span_id());
      if (c == children.end()) continue;
      std::sort(c->second.begin(), c->second.end(), by_start);
      for (auto it = c->second.rbegin(); it != c->second.rend(); ++it) stack.emplace_back(*it, depth + 1);
    }
  }
  return out;
}

std::string format_metrics(const MetricBatch& b, Verbosity v) {
  size_t metrics = 0;
  for (const auto& p : b.read_parts())
    for (const auto& rm : p.request->resource_metrics())
      for (const auto& sm : rm.scope_metrics()) metrics += static_cast<size_t>(sm.metrics_size());
  std::string out = fmt::format("Metrics: {} metrics, {} data points\n", metrics, b.item_count());
  if (v == Verbosity::basic) return out;
  if (v == Verbosity::detailed) return out + detailed(b);
  using opentelemetry::proto::metrics::v1::Metric;
  for (const auto& p : b.read_parts())
    for (const auto& rm : p.request->resource_metrics()) {
      std::string svc = service_name(rm.resource());
      for (const auto& sm : rm.scope_metrics())
        for (const auto& m : sm.metrics()) {
          const char* type = "empty";
          switch (m.data_case()) {
            case Metric::kGauge:
              type = "gauge";
              break;
            case Metric::kSum:
              type = "sum";
              break;
            case Metric::kHistogram:
              type = "histogram";
              break;
            case Metric::kExponentialHistogram:
              type = "exponential_histogram";
              break;
            case Metric::kSummary:
              type = "summary";
              break;
            case Metric::DATA_NOT_SET:
              break;
          }
          out += fmt::format("  {} [{}] {} {}\n", m.name(), svc, type, m.unit());
        }
    }
  return out;
}

std::string format_logs(const LogBatch& b, Verbosity v) {
  std::string out = fmt::format("Logs: {} log records\n", b.item_count());
  if (v == Verbosity::basic) return out;
  if (v == Verbosity::detailed) return out + detailed(b);
  for (const auto& p : b.read_parts())
    for (const auto& rl : p.request->resource_logs()) {
      std::string svc = service_name(rl.resource());
      for (const auto& sl : rl.scope_logs())
        for (const auto& r : sl.log_records())
          out += fmt::format("  [{}] {} {}\n", svc, r.severity_text().empty() ? "-" : r.severity_text(),
                             any_to_string(r.body()));
    }
  return out;
}

}  // namespace otlpd::debug_exporter
