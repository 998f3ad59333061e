// The `spanmetrics` connector: spans are walked on the wire (codec/wire_reader.h) under one lock; metrics are built
// as messages at each flush, which is rare.
#include "connectors/spanmetrics/spanmetrics_connector.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "codec/wire_reader.h"
#include "core/registry.h"

namespace otlpd::spanmetrics {

namespace {

using otlp_wire::Field;
using otlp_wire::Reader;
using otlp_wire::WireType;

// The Collector's overflow series (the OpenTelemetry SDKs' name for it).
constexpr std::string_view kOverflowAttribute = "otel.metric.overflow";
const std::string kOverflowKey = "\xff";  // no dimension key starts with this byte

std::string any_string(std::string_view s) {
  std::string out;
  out.push_back(0x0a);  // AnyValue.string_value
  otlp_wire::append_varint(out, s.size());
  out.append(s);
  return out;
}

std::string_view kind_name(uint64_t kind) {
  static const std::string_view names[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
                                           "SPAN_KIND_CLIENT",      "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"};
  return kind < 6 ? names[kind] : names[0];
}

std::string_view status_name(uint64_t code) {
  static const std::string_view names[] = {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"};
  return code < 3 ? names[code] : names[0];
}

// A KeyValue's key and AnyValue bytes.
void read_key_value(std::string_view kv, std::string_view& key, std::string_view& value) {
  key = {};
  value = {};
  Reader r(kv);
  Field f;
  while (r.next(f)) {
    if (f.type != WireType::len) continue;
    if (f.number == 1) key = f.body;
    if (f.number == 2) value = f.body;
  }
}

uint64_t unix_nanos(std::chrono::system_clock::time_point t) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

void append_part(std::string& key, char marker, std::string_view bytes) {
  key.push_back(marker);
  otlp_wire::append_varint(key, bytes.size());
  key.append(bytes);
}

}  // namespace

// One span's fields that dimensions and histograms read.
struct SpanMetricsConnector::SpanView {
  std::string_view name, trace_id, span_id;
  uint64_t kind = 0, status = 0, start = 0, end = 0;
};

int32_t ExponentialHistogram::index_of(double v, int scale) {
  int exp = 0;
  const double frac = std::frexp(v, &exp);  // v = frac * 2^exp, frac in [0.5, 1)
  const bool power_of_two = frac == 0.5;
  if (scale <= 0) {
    const int32_t at_zero = power_of_two ? exp - 2 : exp - 1;
    return at_zero >> -scale;  // an arithmetic shift: floor
  }
  if (power_of_two) return ((exp - 1) << scale) - 1;
  return static_cast<int32_t>(std::ceil(std::log2(v) * std::ldexp(1.0, scale))) - 1;
}

void ExponentialHistogram::downscale(int by) {
  if (by <= 0) return;
  scale_ -= by;
  if (counts_.empty()) return;
  const int32_t last = offset_ + static_cast<int32_t>(counts_.size()) - 1;
  const int32_t new_offset = offset_ >> by;
  std::vector<uint64_t> merged(static_cast<size_t>((last >> by) - new_offset + 1), 0);
  for (size_t j = 0; j < counts_.size(); ++j)
    merged[static_cast<size_t>(((offset_ + static_cast<int32_t>(j)) >> by) - new_offset)] += counts_[j];
  offset_ = new_offset;
  counts_ = std::move(merged);
}

void ExponentialHistogram::record(double v) {
  if (!(v > 0)) {
    ++zero_;
    return;
  }
  int32_t idx = index_of(v, scale_);
  if (counts_.empty()) {
    offset_ = idx;
    counts_.assign(1, 1);
    return;
  }
  int64_t lo = std::min<int64_t>(offset_, idx);
  int64_t hi = std::max<int64_t>(offset_ + static_cast<int64_t>(counts_.size()) - 1, idx);
  int by = 0;
  while (hi - lo + 1 > max_size_) {
    lo >>= 1;
    hi >>= 1;
    ++by;
  }
  if (by > 0) {
    downscale(by);
    idx >>= by;
  }
  if (idx < offset_) {
    counts_.insert(counts_.begin(), static_cast<size_t>(offset_ - idx), 0);
    offset_ = idx;
  } else if (idx >= offset_ + static_cast<int32_t>(counts_.size())) {
    counts_.resize(static_cast<size_t>(idx - offset_ + 1), 0);
  }
  ++counts_[static_cast<size_t>(idx - offset_)];
}

SpanMetricsConnector::SpanMetricsConnector(ComponentId id, const SpanMetricsConfig& config, Consumers next)
    : id_(std::move(id)), config_(config), next_(next) {
  ns_per_unit_ = config_.histogram.unit == DurationUnit::ms ? 1e6 : 1e9;
  if (config_.histogram.explicit_bounds.empty()) {
    for (double b : default_bounds_ms()) bounds_.push_back(config_.histogram.unit == DurationUnit::ms ? b : b / 1000);
  } else {
    for (auto d : config_.histogram.explicit_bounds) bounds_.push_back(static_cast<double>(d.count()) / ns_per_unit_);
  }
  auto excluded = [&](std::string_view name) {
    return std::find(config_.exclude_dimensions.begin(), config_.exclude_dimensions.end(), name) !=
           config_.exclude_dimensions.end();
  };
  with_service_ = !excluded("service.name");
  with_name_ = !excluded("span.name");
  with_kind_ = !excluded("span.kind");
  with_status_ = !excluded("status.code");
  for (const auto& k : config_.resource_metrics_key_attributes) key_attributes_.push_back(k);
}

SpanMetricsConnector::~SpanMetricsConnector() {
  {
    std::lock_guard lock(timer_mu_);
    stopping_ = true;
  }
  timer_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
}

void SpanMetricsConnector::start(Host&) {
  last_flush_unix_nano_ = unix_nanos(std::chrono::system_clock::now());
  timer_ = std::thread([this] { run_timer(); });
}

void SpanMetricsConnector::run_timer() {
  std::unique_lock lock(timer_mu_);
  auto next = Clock::now() + config_.metrics_flush_interval;
  while (!stopping_) {
    if (timer_cv_.wait_until(lock, next, [&] { return stopping_; })) break;
    lock.unlock();
    Status s = flush();
    if (!s.is_ok()) spdlog::warn("connector {}: the metrics pipeline refused span metrics: {}", id_.str(), s.message());
    lock.lock();
    next += config_.metrics_flush_interval;
    if (next < Clock::now()) next = Clock::now() + config_.metrics_flush_interval;
  }
}

void SpanMetricsConnector::shutdown(Deadline) {
  bool was_running = timer_.joinable();
  {
    std::lock_guard lock(timer_mu_);
    stopping_ = true;
  }
  timer_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
  if (!was_running) return;
  Status s = flush();
  if (!s.is_ok()) spdlog::warn("connector {}: the last span metrics were refused: {}", id_.str(), s.message());
}

Status SpanMetricsConnector::consume(TraceBatch batch) {
  // Decoded parts (a processor changed them) are serialised first: one reading path, on the wire.
  std::vector<std::string> serialised;
  for (const auto& part : batch.raw_parts())
    if (!part.wire && part.request) serialised.push_back(part.request->SerializeAsString());
  const auto now = Clock::now();
  const uint64_t now_ns = unix_nanos(std::chrono::system_clock::now());
  std::lock_guard lock(mu_);
  for (const auto& part : batch.raw_parts())
    if (part.wire) aggregate_request(*part.wire, now_ns, now);
  for (const auto& s : serialised) aggregate_request(s, now_ns, now);
  return Status::ok();
}

void SpanMetricsConnector::aggregate_request(std::string_view request, uint64_t now_ns, Clock::time_point now) {
  Reader r(request);
  Field f;
  while (r.next(f))
    if (f.number == 1 && f.type == WireType::len) aggregate_resource_spans(f.body, now_ns, now);
}

void SpanMetricsConnector::aggregate_resource_spans(std::string_view rs, uint64_t now_ns, Clock::time_point now) {
  std::string_view resource;
  scopes_.clear();
  {
    Reader r(rs);
    Field f;
    while (r.next(f)) {
      if (f.type != WireType::len) continue;
      if (f.number == 1) resource = f.body;
      if (f.number == 2) scopes_.push_back(f.body);
    }
  }
  // The resource's attributes: service.name (spans without one are not counted, as in the Collector), the key that
  // tells resources apart, and the values extra dimensions fall back to.
  resource_attrs_.clear();
  std::string_view service;
  bool has_service = false;
  {
    Reader r(resource);
    Field f;
    while (r.next(f)) {
      if (f.number != 1 || f.type != WireType::len) continue;
      std::string_view key, value;
      read_key_value(f.body, key, value);
      resource_attrs_.push_back({key, value, f.raw});
      if (key == "service.name") {
        service = value;
        has_service = true;
      }
    }
  }
  if (!has_service) return;
  std::stable_sort(resource_attrs_.begin(), resource_attrs_.end(),
                   [](const ResourceAttr& a, const ResourceAttr& b) { return a.key < b.key; });
  key_.clear();
  for (const auto& a : resource_attrs_) {
    if (!key_attributes_.empty() &&
        std::find(key_attributes_.begin(), key_attributes_.end(), a.key) == key_attributes_.end())
      continue;
    append_part(key_, 0, a.raw);
  }
  auto it = resources_.find(std::string_view(key_));
  if (it == resources_.end()) {
    it = resources_.emplace(key_, ResourceState{}).first;
    it->second.resource = std::string(resource);
  }
  ResourceState& state = it->second;
  state.last_seen = now;

  resource_dims_.assign(config_.dimensions.size(), {});
  for (size_t i = 0; i < config_.dimensions.size(); ++i)
    for (const auto& a : resource_attrs_)
      if (a.key == config_.dimensions[i].name) resource_dims_[i] = a.value;

  const bool want_attributes = !config_.dimensions.empty();
  for (std::string_view scope : scopes_) {
    Reader r(scope);
    Field f;
    while (r.next(f)) {
      if (f.number != 2 || f.type != WireType::len) continue;
      SpanView span;
      span_attrs_.clear();
      Reader sr(f.body);
      Field sf;
      while (sr.next(sf)) {
        switch (sf.number) {
          case 1:
            if (sf.type == WireType::len) span.trace_id = sf.body;
            break;
          case 2:
            if (sf.type == WireType::len) span.span_id = sf.body;
            break;
          case 5:
            if (sf.type == WireType::len) span.name = sf.body;
            break;
          case 6:
            if (sf.type == WireType::varint) span.kind = sf.value;
            break;
          case 7:
            if (sf.type == WireType::i64) span.start = sf.value;
            break;
          case 8:
            if (sf.type == WireType::i64) span.end = sf.value;
            break;
          case 9:
            if (want_attributes && sf.type == WireType::len) span_attrs_.push_back(sf.body);
            break;
          case 15:
            if (sf.type == WireType::len) {
              Reader st(sf.body);
              Field stf;
              while (st.next(stf))
                if (stf.number == 3 && stf.type == WireType::varint) span.status = stf.value;
            }
            break;
          default:
            break;
        }
      }
      record(state, service, span, now_ns);
    }
  }
}

void SpanMetricsConnector::record(ResourceState& r, std::string_view service, const SpanView& span, uint64_t now_ns) {
  // The dimensions' values, in the Collector's order: service.name, span.name, span.kind, status.code, then the
  // configured ones (span attribute, else resource attribute, else the default, else left out).
  dims_.clear();
  if (with_service_) dims_.push_back({"service.name", service, false, 0});
  if (with_name_) dims_.push_back({"span.name", span.name, true, 1});
  if (with_kind_) dims_.push_back({"span.kind", kind_name(span.kind), true, 2});
  if (with_status_) dims_.push_back({"status.code", status_name(span.status), true, 3});
  for (size_t i = 0; i < config_.dimensions.size(); ++i) {
    const auto& d = config_.dimensions[i];
    std::string_view found;
    bool have = false;
    for (auto kv : span_attrs_) {
      std::string_view key, value;
      read_key_value(kv, key, value);
      if (key == d.name) {
        found = value;
        have = true;
        break;
      }
    }
    if (!have && resource_dims_[i].data()) {
      found = resource_dims_[i];
      have = true;
    }
    if (have)
      dims_.push_back({d.name, found, false, 4 + i});
    else if (d.default_value)
      dims_.push_back({d.name, *d.default_value, true, 4 + i});
  }
  key_.clear();
  for (const auto& d : dims_) {
    otlp_wire::append_varint(key_, d.slot);  // which dimension: one left out does not shift the others
    append_part(key_, d.literal ? 1 : 2, d.value);
  }

  auto it = r.series.find(std::string_view(key_));
  if (it == r.series.end()) {
    const size_t limit = static_cast<size_t>(config_.aggregation_cardinality_limit);
    const bool overflow = limit > 0 && r.series.size() - r.series.count(kOverflowKey) >= limit;
    if (overflow) {
      it = r.series.find(kOverflowKey);
      if (it == r.series.end()) {
        Series s;
        s.attributes.push_back({std::string(kOverflowAttribute), std::string("\x10\x01", 2)});  // bool true
        it = r.series.emplace(kOverflowKey, std::move(s)).first;
        init_series(it->second, now_ns);
      }
    } else {
      Series s;
      for (const auto& d : dims_)
        s.attributes.push_back({std::string(d.name), d.literal ? any_string(d.value) : std::string(d.value)});
      it = r.series.emplace(key_, std::move(s)).first;
      init_series(it->second, now_ns);
    }
  }
  Series& s = it->second;
  ++s.calls;
  const double duration = span.end > span.start ? static_cast<double>(span.end - span.start) / ns_per_unit_ : 0.0;
  if (!config_.histogram.disable) {
    s.sum += duration;
    if (config_.histogram.exponential)
      s.exponential.record(duration);
    else
      ++s.buckets[static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), duration) - bounds_.begin())];
  }
  if (config_.exemplars.enabled && span.trace_id.size() == 16 &&
      s.exemplars.size() < static_cast<size_t>(config_.exemplars.max_per_data_point))
    s.exemplars.push_back({std::string(span.trace_id), std::string(span.span_id), duration, span.end});
}

void SpanMetricsConnector::init_series(Series& s, uint64_t now_ns) {
  // Delta series start where the last flush ended, so that consecutive points tile time.
  s.start_unix_nano = config_.aggregation_temporality == Temporality::delta && last_flush_unix_nano_ != 0
                          ? last_flush_unix_nano_
                          : now_ns;
  if (!config_.histogram.disable) {
    if (config_.histogram.exponential)
      s.exponential = ExponentialHistogram(config_.histogram.exponential_max_size);
    else
      s.buckets.assign(bounds_.size() + 1, 0);
  }
}

size_t SpanMetricsConnector::series_count() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [k, r] : resources_) n += r.series.size();
  return n;
}

Status SpanMetricsConnector::flush(Clock::time_point now) {
  auto batch = MetricBatch::make();
  auto& request = batch.first();
  const uint64_t now_ns = unix_nanos(std::chrono::system_clock::now());
  const bool delta = config_.aggregation_temporality == Temporality::delta;
  const auto temporality = delta ? opentelemetry::proto::metrics::v1::AGGREGATION_TEMPORALITY_DELTA
                                 : opentelemetry::proto::metrics::v1::AGGREGATION_TEMPORALITY_CUMULATIVE;
  auto name = [&](const char* metric) {
    return config_.namespace_.empty() ? std::string(metric) : config_.namespace_ + "." + metric;
  };
  auto add_attributes = [](const Series& s, auto* out) {
    for (const auto& [k, v] : s.attributes) {
      auto* kv = out->Add();
      kv->set_key(k);
      kv->mutable_value()->ParseFromString(v);
    }
  };
  auto add_exemplars = [](const Series& s, auto* out) {
    for (const auto& e : s.exemplars) {
      auto* x = out->Add();
      x->set_trace_id(e.trace_id);
      x->set_span_id(e.span_id);
      x->set_as_double(e.value);
      x->set_time_unix_nano(e.time_unix_nano);
    }
  };
  {
    std::lock_guard lock(mu_);
    for (auto it = resources_.begin(); it != resources_.end();) {
      ResourceState& r = it->second;
      if (config_.metrics_expiration > Duration::zero() && now - r.last_seen >= config_.metrics_expiration) {
        it = resources_.erase(it);
        continue;
      }
      bool any = false;
      for (const auto& [k, s] : r.series) any = any || s.calls > 0;
      if (!any) {
        if (delta) {
          it = resources_.erase(it);  // nothing came for a whole interval
          continue;
        }
        ++it;
        continue;
      }
      auto* rm = request.add_resource_metrics();
      rm->mutable_resource()->ParseFromString(r.resource);
      auto* sm = rm->add_scope_metrics();
      sm->mutable_scope()->set_name("spanmetricsconnector");
      auto* calls = sm->add_metrics();
      calls->set_name(name("calls"));
      auto* sum = calls->mutable_sum();
      sum->set_aggregation_temporality(temporality);
      sum->set_is_monotonic(true);
      opentelemetry::proto::metrics::v1::Metric* duration = nullptr;
      if (!config_.histogram.disable) {
        duration = sm->add_metrics();
        duration->set_name(name("duration"));
        duration->set_unit(config_.histogram.unit == DurationUnit::ms ? "ms" : "s");
        if (config_.histogram.exponential)
          duration->mutable_exponential_histogram()->set_aggregation_temporality(temporality);
        else
          duration->mutable_histogram()->set_aggregation_temporality(temporality);
      }
      for (const auto& [k, s] : r.series) {
        if (s.calls == 0) continue;
        auto* dp = sum->add_data_points();
        add_attributes(s, dp->mutable_attributes());
        dp->set_start_time_unix_nano(s.start_unix_nano);
        dp->set_time_unix_nano(now_ns);
        dp->set_as_int(static_cast<int64_t>(s.calls));
        add_exemplars(s, dp->mutable_exemplars());
        if (!duration) continue;
        if (config_.histogram.exponential) {
          auto* hp = duration->mutable_exponential_histogram()->add_data_points();
          add_attributes(s, hp->mutable_attributes());
          hp->set_start_time_unix_nano(s.start_unix_nano);
          hp->set_time_unix_nano(now_ns);
          hp->set_count(s.calls);
          hp->set_sum(s.sum);
          hp->set_scale(s.exponential.scale());
          hp->set_zero_count(s.exponential.zero_count());
          hp->mutable_positive()->set_offset(s.exponential.offset());
          for (auto c : s.exponential.counts()) hp->mutable_positive()->add_bucket_counts(c);
          add_exemplars(s, hp->mutable_exemplars());
        } else {
          auto* hp = duration->mutable_histogram()->add_data_points();
          add_attributes(s, hp->mutable_attributes());
          hp->set_start_time_unix_nano(s.start_unix_nano);
          hp->set_time_unix_nano(now_ns);
          hp->set_count(s.calls);
          hp->set_sum(s.sum);
          for (auto c : s.buckets) hp->add_bucket_counts(c);
          for (auto b : bounds_) hp->add_explicit_bounds(b);
          add_exemplars(s, hp->mutable_exemplars());
        }
      }
      // Delta: each flush counts from zero; a series with nothing since the last flush goes. Cumulative: counts
      // stay, exemplars are per flush.
      for (auto sit = r.series.begin(); sit != r.series.end();) {
        Series& s = sit->second;
        if (delta) {
          if (s.calls == 0) {
            sit = r.series.erase(sit);
            continue;
          }
          s.calls = 0;
          s.sum = 0;
          std::fill(s.buckets.begin(), s.buckets.end(), 0);
          if (config_.histogram.exponential)
            s.exponential = ExponentialHistogram(config_.histogram.exponential_max_size);
          s.start_unix_nano = now_ns;
        }
        s.exemplars.clear();
        ++sit;
      }
      ++it;
    }
    last_flush_unix_nano_ = now_ns;
  }
  if (request.resource_metrics_size() == 0 || !next_.metrics) return Status::ok();
  return next_.metrics->consume(std::move(batch));
}

namespace {

class SpanMetricsConnectorFactory final : public ConnectorFactory {
 public:
  std::string_view type() const override { return "spanmetrics"; }
  bool supports(Signal from, Signal to) const override { return from == Signal::traces && to == Signal::metrics; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return schema().parse(node); }
  ConnectorPtr create(const CreateSettings& s, const ComponentConfig& c, Consumers next) const override {
    return std::make_unique<SpanMetricsConnector>(s.id, config_as<SpanMetricsConfig>(c), next);
  }
};

}  // namespace

}  // namespace otlpd::spanmetrics

using otlpd::spanmetrics::SpanMetricsConnectorFactory;
OTLPD_REGISTER_FACTORY(SpanMetricsConnectorFactory)
