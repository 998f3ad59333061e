// Self-telemetry: counters and gauges with the Collector's metric names, rendered as Prometheus text.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otlpd {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(int64_t d) { value_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Explicit buckets: counts of values up to each bound (and above the last), their sum and number.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void record(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Per bucket (bounds().size() + 1, the last above every bound), not cumulative.
  std::vector<uint64_t> counts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
  std::atomic<uint64_t> count_{0};
};

// Look up instruments once (at component creation) and keep the reference: updates are lock-free.
class Telemetry {
 public:
  static Telemetry& global();

  // e.g. counter("otelcol_receiver_accepted_spans", {{"receiver", "otlp"}, {"transport", "grpc"}})
  Counter& counter(std::string_view name, const Labels& labels);
  Gauge& gauge(std::string_view name, const Labels& labels);
  // `bounds` (ascending) is used when the instrument is made; later look-ups get the existing one.
  Histogram& histogram(std::string_view name, const Labels& labels, const std::vector<double>& bounds);
  // Current value, or 0 when the instrument does not exist (for tests and the debug log).
  uint64_t counter_value(std::string_view name, const Labels& labels) const;
  int64_t gauge_value(std::string_view name, const Labels& labels) const;
  // All instruments in the Prometheus text exposition format.
  std::string prometheus_text() const;

 private:
  static std::string key(std::string_view name, const Labels& labels);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Counter>, std::less<>> counters_;
  std::map<std::string, std::unique_ptr<Gauge>, std::less<>> gauges_;
  std::map<std::string, std::unique_ptr<Histogram>, std::less<>> histograms_;
};

}  // namespace otlpd

#include "platform/signal.h"
#include "platform/status.h"

namespace otlpd {

// The Collector's receiver counters for one receiver and transport:
// otelcol_receiver_{accepted,refused}_{spans,metric_points,log_records}{receiver, transport}.
class ReceiverCounters {
 public:
  ReceiverCounters(const std::string& receiver, const std::string& transport);
  void record(Signal s, uint64_t items, const Status& st) {
    (st.is_ok() ? accepted_ : refused_)[static_cast<int>(s)]->add(items);
  }

 private:
  Counter* accepted_[3];
  Counter* refused_[3];
};

}  // namespace otlpd
