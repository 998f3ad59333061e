// The `prometheus` exporter: keeps the latest value of every series it was sent (delta sums and histograms
// accumulated into cumulative ones) and serves them in the Prometheus text format at GET /metrics.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "core/registry.h"
#include "exporters/prometheus/config.h"
#include "exporters/prometheus/translate.h"
#include "model/any_value.h"
#include "model/batch.h"
#include "model/delta_to_cumulative.h"
#include "platform/endpoints.h"
#include "platform/http_endpoint.h"

namespace otlpd::prometheus_exporter {

namespace {

namespace pm = opentelemetry::proto::metrics::v1;

enum class Type { gauge, counter, histogram, summary };

std::string_view type_name(Type t) {
  switch (t) {
    case Type::gauge:
      return "gauge";
    case Type::counter:
      return "counter";
    case Type::histogram:
      return "histogram";
    case Type::summary:
      return "summary";
  }
  return "untyped";
}

struct Point {
  Labels labels;
  double value = 0;  // gauge, counter
  // histogram: bounds and per-bucket (not cumulative) counts; summary: quantiles
  std::vector<double> bounds;
  std::vector<uint64_t> counts;
  std::vector<std::pair<double, double>> quantiles;
  uint64_t count = 0;
  double sum = 0;
  uint64_t time_unix_nano = 0;
  std::chrono::steady_clock::time_point updated;
};

struct Family {
  Type type = Type::gauge;
  std::string help;
  std::map<std::string, Point> points;  // by label text
};

std::string label_text(const Labels& labels, const std::string& extra_name = {}, const std::string& extra_value = {}) {
  std::string out;
  auto add = [&](const std::string& k, const std::string& v) {
    out += out.empty() ? "{" : ",";
    out += k + "=\"" + escape_label_value(v) + "\"";
  };
  for (const auto& [k, v] : labels) add(k, v);
  if (!extra_name.empty()) add(extra_name, extra_value);
  if (!out.empty()) out += "}";
  return out;
}

class PrometheusExporter final : public Exporter, MetricConsumer {
 public:
  PrometheusExporter(std::string id, PrometheusConfig cfg)
      : id_(std::move(id)),
        cfg_(std::move(cfg)),
        server_(cfg_.endpoint, [this](const std::string&, const std::string& path) { return scrape(path); }) {}

  Consumers consumers() override {
    Consumers c;
    c.metrics = this;
    return c;
  }
  void start(Host&) override {
    int port = server_.start();
    record_listening(id_, "http", cfg_.endpoint.display_host(), port, "exporter");
  }
  void shutdown(Deadline) override { server_.stop(); }

  Status consume(MetricBatch batch) override {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    for (auto& part : batch.mutable_parts()) {
      totals_.accumulate(*part.request, now);  // delta sums and histograms become cumulative ones
      for (const auto& rm : part.request->resource_metrics()) add_resource(rm, now);
    }
    // Expired series go also when nobody scrapes, so that memory follows what is current.
    if (now - last_expiry_ >= cfg_.metric_expiration) {
      last_expiry_ = now;
      expire(now);
    }
    return Status::ok();
  }

 private:
  void add_resource(const pm::ResourceMetrics& rm, std::chrono::steady_clock::time_point now) {
    // job and instance from the service attributes; target_info carries the other resource attributes.
    Labels base, info;
    resource_labels(rm.resource(), cfg_.resource_to_telemetry_conversion, cfg_.const_labels, base, info);
    if (!info.empty()) {
      auto& f = families_["target_info"];
      f.type = Type::gauge;
      f.help = "Target metadata";
      auto& p = f.points[label_text(info)];
      p.labels = std::move(info);
      p.value = 1;
      p.updated = now;
    }
    for (const auto& sm : rm.scope_metrics())
      for (const auto& m : sm.metrics()) add_metric(m, base, now);
  }

  Point& point(Family& f, const Labels& base, const KeyValues& attrs, std::chrono::steady_clock::time_point now,
               uint64_t time) {
    Labels labels = base;
    add_labels(labels, attrs);
    auto& p = f.points[label_text(labels)];
    p.labels = std::move(labels);
    p.updated = now;
    p.time_unix_nano = time;
    return p;
  }

  void add_metric(const pm::Metric& m, const Labels& base, std::chrono::steady_clock::time_point now) {
    auto family = [&](Type t, bool monotonic) -> Family& {
      auto name =
          metric_name(m.name(), m.unit(), monotonic, t == Type::gauge, cfg_.add_metric_suffixes, cfg_.namespace_);
      auto& f = families_[name];
      f.type = t;
      f.help = m.description();
      return f;
    };
    auto number = [](const pm::NumberDataPoint& dp) {
      return dp.value_case() == pm::NumberDataPoint::kAsInt ? static_cast<double>(dp.as_int()) : dp.as_double();
    };
    switch (m.data_case()) {
      case pm::Metric::kGauge: {
        auto& f = family(Type::gauge, false);
        for (const auto& dp : m.gauge().data_points())
          point(f, base, dp.attributes(), now, dp.time_unix_nano()).value = number(dp);
        break;
      }
      case pm::Metric::kSum: {
        const bool monotonic = m.sum().is_monotonic();
        auto& f = family(monotonic ? Type::counter : Type::gauge, monotonic);
        for (const auto& dp : m.sum().data_points())
          point(f, base, dp.attributes(), now, dp.time_unix_nano()).value = number(dp);
        break;
      }
      case pm::Metric::kHistogram: {
        auto& f = family(Type::histogram, false);
        for (const auto& dp : m.histogram().data_points()) {
          auto& p = point(f, base, dp.attributes(), now, dp.time_unix_nano());
          p.bounds.assign(dp.explicit_bounds().begin(), dp.explicit_bounds().end());
          p.counts.assign(dp.bucket_counts().begin(), dp.bucket_counts().end());
          p.counts.resize(p.bounds.size() + 1, 0);
          p.count = dp.count();
          p.sum = dp.sum();
        }
        break;
      }
      case pm::Metric::kSummary: {
        auto& f = family(Type::summary, false);
        for (const auto& dp : m.summary().data_points()) {
          auto& p = point(f, base, dp.attributes(), now, dp.time_unix_nano());
          p.quantiles.clear();
          for (const auto& q : dp.quantile_values()) p.quantiles.push_back({q.quantile(), q.value()});
          p.count = dp.count();
          p.sum = dp.sum();
        }
        break;
      }
      case pm::Metric::kExponentialHistogram:
        if (!warned_exponential_) {
          warned_exponential_ = true;
          spdlog::warn(
              "exporter {}: exponential histograms are not exposed (the text format has no native "
              "histograms); metric {} and later ones are skipped",
              id_, m.name());
        }
        break;
      default:
        break;
    }
  }

  HttpEndpointResponse scrape(const std::string& path) {
    HttpEndpointResponse r;
    if (path != "/metrics") {
      r.status = 404;
      r.body = "not found; metrics are at /metrics\n";
      return r;
    }
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    expire(now);
    for (auto fit = families_.begin(); fit != families_.end(); ++fit) {
      auto& [name, f] = *fit;
      if (!f.help.empty()) r.body += "# HELP " + name + " " + escape_help(f.help) + "\n";
      r.body += "# TYPE " + name + " " + std::string(type_name(f.type)) + "\n";
      for (const auto& [key, p] : f.points) {
        const std::string ts =
            cfg_.send_timestamps && p.time_unix_nano ? " " + std::to_string(p.time_unix_nano / 1000000) : "";
        auto line = [&](const std::string& n, const std::string& labels, double v) {
          r.body += n + labels + " " + format_value(v) + ts + "\n";
        };
        switch (f.type) {
          case Type::gauge:
          case Type::counter:
            line(name, key, p.value);
            break;
          case Type::histogram: {
            uint64_t cumulative = 0;
            for (size_t i = 0; i < p.counts.size(); ++i) {
              cumulative += p.counts[i];
              const double le = i < p.bounds.size() ? p.bounds[i] : std::numeric_limits<double>::infinity();
              line(name + "_bucket", label_text(p.labels, "le", format_value(le)), static_cast<double>(cumulative));
            }
            line(name + "_sum", key, p.sum);
            line(name + "_count", key, static_cast<double>(p.count));
            break;
          }
          case Type::summary:
            for (const auto& [q, v] : p.quantiles) line(name, label_text(p.labels, "quantile", format_value(q)), v);
            line(name + "_sum", key, p.sum);
            line(name + "_count", key, static_cast<double>(p.count));
            break;
        }
      }
    }
    return r;
  }

  // Drops series not updated for metric_expiration, and families left empty (under mu_).
  void expire(std::chrono::steady_clock::time_point now) {
    totals_.expire(now);
    for (auto fit = families_.begin(); fit != families_.end();) {
      auto& points = fit->second.points;
      for (auto it = points.begin(); it != points.end();)
        it = now - it->second.updated >= cfg_.metric_expiration ? points.erase(it) : std::next(it);
      fit = points.empty() ? families_.erase(fit) : std::next(fit);
    }
  }

  static std::string escape_help(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '\\')
        out += "\\\\";
      else if (c == '\n')
        out += "\\n";
      else
        out.push_back(c);
    }
    return out;
  }

  std::string id_;
  PrometheusConfig cfg_;
  std::mutex mu_;
  std::map<std::string, Family> families_;
  DeltaToCumulative totals_{cfg_.metric_expiration, 0};
  bool warned_exponential_ = false;
  std::chrono::steady_clock::time_point last_expiry_ = std::chrono::steady_clock::now();
  HttpEndpoint server_;  // last: stopped (destroyed) before the state it reads
};

class PrometheusExporterFactory final : public ExporterFactory {
 public:
  std::string_view type() const override { return "prometheus"; }
  bool supports(Signal s) const override { return s == Signal::metrics; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return schema().parse(node); }
  ExporterPtr create(const CreateSettings& s, const ComponentConfig& c) const override {
    return std::make_unique<PrometheusExporter>(s.id.str(), config_as<PrometheusConfig>(c));
  }
};

}  // namespace

}  // namespace otlpd::prometheus_exporter

using otlpd::prometheus_exporter::PrometheusExporterFactory;
OTLPD_REGISTER_FACTORY(PrometheusExporterFactory)
