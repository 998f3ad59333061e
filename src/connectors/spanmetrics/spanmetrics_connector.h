// The `spanmetrics` connector: request counts and duration histograms (R.E.D. metrics) from spans, as the
// Collector's connector computes them. Spans are read on the wire: only the fields a dimension needs are looked at.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "connectors/spanmetrics/config.h"
#include "core/component.h"
#include "model/batch.h"

namespace otlpd::spanmetrics {

// A base-2 exponential histogram of positive values that lowers its scale to stay within max_size buckets.
class ExponentialHistogram {
 public:
  explicit ExponentialHistogram(int max_size = 160) : max_size_(max_size) {}
  void record(double v);
  int scale() const { return scale_; }
  int32_t offset() const { return offset_; }
  const std::vector<uint64_t>& counts() const { return counts_; }
  uint64_t zero_count() const { return zero_; }
  // The bucket of `v` at `scale`: v is in (base^index, base^(index+1)], base = 2^(2^-scale).
  static int32_t index_of(double v, int scale);

 private:
  void downscale(int by);

  int max_size_;
  int scale_ = 20;
  int32_t offset_ = 0;
  std::vector<uint64_t> counts_;
  uint64_t zero_ = 0;
};

class SpanMetricsConnector final : public Connector, public TraceConsumer {
 public:
  using Clock = std::chrono::steady_clock;

  SpanMetricsConnector(ComponentId id, const SpanMetricsConfig& config, Consumers next);
  ~SpanMetricsConnector() override;

  Consumers consumers() override {
    Consumers c;
    c.traces = this;
    return c;
  }
  void start(Host& host) override;
  // Stops the timer and sends what was aggregated since the last flush.
  void shutdown(Deadline deadline) override;

  // Aggregates; never refuses (what was counted is sent at the next flush).
  Status consume(TraceBatch batch) override;

  // Builds the metrics and sends them downstream (what the timer does every metrics_flush_interval); `now` decides
  // what expired (metrics_expiration). Returns the downstream's answer; ok with nothing to send.
  Status flush(Clock::time_point now = Clock::now());
  // Series held over all resources (the overflow series included).
  size_t series_count() const;

 private:
  struct Exemplar {
    std::string trace_id, span_id;
    double value = 0;
    uint64_t time_unix_nano = 0;
  };
  struct Series {
    // The data point's attributes: key and AnyValue bytes.
    std::vector<std::pair<std::string, std::string>> attributes;
    uint64_t start_unix_nano = 0;
    uint64_t calls = 0;
    double sum = 0;
    std::vector<uint64_t> buckets;  // explicit histogram
    ExponentialHistogram exponential;
    std::vector<Exemplar> exemplars;
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using SeriesMap = std::unordered_map<std::string, Series, KeyHash, std::equal_to<>>;
  struct ResourceState {
    std::string resource;  // the Resource message's bytes, as first seen
    SeriesMap series;
    Clock::time_point last_seen;
  };
  struct SpanView;
  struct ResourceAttr {
    std::string_view key, value, raw;
  };
  struct DimValue {
    std::string_view name, value;
    bool literal;  // value is a string to wrap in an AnyValue; else AnyValue bytes
    size_t slot;   // 0-3 the default dimensions, 4 + i the configured ones
  };

  void aggregate_request(std::string_view request, uint64_t now_unix_nano, Clock::time_point now);
  void aggregate_resource_spans(std::string_view rs, uint64_t now_unix_nano, Clock::time_point now);
  void record(ResourceState& r, std::string_view service, const SpanView& span, uint64_t now_unix_nano);
  void init_series(Series& s, uint64_t now_unix_nano);
  void run_timer();

  const ComponentId id_;
  const SpanMetricsConfig config_;
  const Consumers next_;
  std::vector<double> bounds_;  // explicit bounds in the configured unit
  double ns_per_unit_ = 1e6;
  bool with_service_ = true, with_name_ = true, with_kind_ = true, with_status_ = true;
  std::vector<std::string> key_attributes_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, ResourceState, KeyHash, std::equal_to<>> resources_;
  // Scratch space of the aggregation (under mu_), kept to avoid allocating per span.
  std::string key_;
  std::vector<std::string_view> scopes_, span_attrs_, resource_dims_;
  std::vector<ResourceAttr> resource_attrs_;
  std::vector<DimValue> dims_;
  uint64_t last_flush_unix_nano_ = 0;

  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  bool stopping_ = false;
  std::thread timer_;
};

}  // namespace otlpd::spanmetrics
