// Self-telemetry registry.
#include "platform/telemetry.h"

#include <fmt/format.h>
#include <algorithm>

namespace otlpd {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::record(double v) {
  // Prometheus buckets are "less than or equal": the first bound not below v.
  auto i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  double old = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(old, old + v, std::memory_order_relaxed)) {
  }
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = buckets_[i].load(std::memory_order_relaxed);
  return out;
}

Telemetry& Telemetry::global() {
  static Telemetry t;
  return t;
}

std::string Telemetry::key(std::string_view name, const Labels& labels) {
  std::string k(name);
  if (labels.empty()) return k;
  k += '{';
  bool first = true;
  for (const auto& [n, v] : labels) {
    if (!first) k += ',';
    first = false;
    k += n;
    k += "=\"";
    for (char c : v) {
      if (c == '"' || c == '\\') k += '\\';
      if (c == '\n') {
        k += "\\n";
        continue;
      }
      k += c;
    }
    k += '"';
  }
  k += '}';
  return k;
}

Counter& Telemetry::counter(std::string_view name, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = counters_[key(name, labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Telemetry::gauge(std::string_view name, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = gauges_[key(name, labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Telemetry::histogram(std::string_view name, const Labels& labels, const std::vector<double>& bounds) {
  std::lock_guard lock(mu_);
  auto& slot = histograms_[key(name, labels)];
  if (!slot) slot = std::make_unique<Histogram>(bounds);
  return *slot;
}

uint64_t Telemetry::counter_value(std::string_view name, const Labels& labels) const {
  std::lock_guard lock(mu_);
  auto it = counters_.find(key(name, labels));
  return it == counters_.end() ? 0 : it->second->value();
}

int64_t Telemetry::gauge_value(std::string_view name, const Labels& labels) const {
  std::lock_guard lock(mu_);
  auto it = gauges_.find(key(name, labels));
  return it == gauges_.end() ? 0 : it->second->value();
}

std::string Telemetry::prometheus_text() const {
  std::lock_guard lock(mu_);
  std::string out;
  std::string last_type;
  // Counters carry Prometheus' "_total" suffix, as the Collector's own exposition does.
  auto emit = [&](const std::string& k, const char* type, const char* suffix, const std::string& value) {
    auto brace = k.find('{');
    std::string name = k.substr(0, brace) + suffix;
    if (name != last_type) {
      out += "# TYPE " + name + " " + type + "\n";
      last_type = name;
    }
    out += name + (brace == std::string::npos ? "" : k.substr(brace)) + " " + value + "\n";
  };
  for (const auto& [k, c] : counters_) emit(k, "counter", "_total", std::to_string(c->value()));
  for (const auto& [k, g] : gauges_) emit(k, "gauge", "", std::to_string(g->value()));
  for (const auto& [k, h] : histograms_) {
    auto brace = k.find('{');
    std::string name = k.substr(0, brace);
    std::string labels = brace == std::string::npos ? std::string() : k.substr(brace + 1, k.size() - brace - 2);
    if (name != last_type) {
      out += "# TYPE " + name + " histogram\n";
      last_type = name;
    }
    const std::string sep = labels.empty() ? "" : ",";
    auto counts = h->counts();
    uint64_t cumulative = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
      cumulative += counts[i];
      std::string le = i < h->bounds().size() ? fmt::format("{}", h->bounds()[i]) : "+Inf";
      out += name + "_bucket{" + labels + sep + "le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
    }
    const std::string braces = labels.empty() ? "" : "{" + labels + "}";
    out += name + "_sum" + braces + " " + fmt::format("{}", h->sum()) + "\n";
    out += name + "_count" + braces + " " + std::to_string(h->count()) + "\n";
  }
  return out;
}

}  // namespace otlpd

namespace otlpd {

ReceiverCounters::ReceiverCounters(const std::string& receiver, const std::string& transport) {
  Labels labels{{"receiver", receiver}, {"transport", transport}};
  for (Signal s : kAllSignals) {
    std::string item(item_name(s));
    accepted_[static_cast<int>(s)] = &Telemetry::global().counter("otelcol_receiver_accepted_" + item, labels);
    refused_[static_cast<int>(s)] = &Telemetry::global().counter("otelcol_receiver_refused_" + item, labels);
  }
}

}  // namespace otlpd
