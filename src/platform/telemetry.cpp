// Self-telemetry registry.
#include "platform/telemetry.h"

namespace otlpd {

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
