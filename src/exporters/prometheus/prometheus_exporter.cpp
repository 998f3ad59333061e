// The `prometheus` exporter: keeps the latest value of every series it was sent (delta sums and histograms
// accumulated into cumulative ones) and serves them in the Prometheus text format at GET /metrics.

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

// An exemplar as OpenMetrics shows it: its labels' text ({trace_id="..",span_id=".."}), value and time.
struct Exemplar {
  std::string labels;
  double value = 0;
  uint64_t time_unix_nano = 0;
};

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
  uint64_t start_time_unix_nano = 0;  // OpenMetrics' _created, when known
  // counter: one exemplar (the last); histogram: one per bucket (the last that fell in it), empty labels: none
  std::vector<Exemplar> exemplars;
  std::chrono::steady_clock::time_point updated;
};

struct Family {
  Type type = Type::gauge;
  std::string help;
  std::map<std::string, Point> points;  // by label text
};

std::string hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// An OTLP exemplar in OpenMetrics terms: trace_id and span_id (hex), then its filtered attributes while the
// label text stays within OpenMetrics' 128 characters.
Exemplar exemplar(const pm::Exemplar& e) {
  Exemplar out;
  out.value = e.value_case() == pm::Exemplar::kAsInt ? static_cast<double>(e.as_int()) : e.as_double();
  out.time_unix_nano = e.time_unix_nano();
  std::vector<std::pair<std::string, std::string>> labels;
  if (!e.trace_id().empty()) labels.push_back({"trace_id", hex(e.trace_id())});
  if (!e.span_id().empty()) labels.push_back({"span_id", hex(e.span_id())});
  Labels attrs;
  add_labels(attrs, e.filtered_attributes());
  for (auto& kv : attrs) labels.push_back(kv);
  size_t chars = 0;
  for (const auto& [k, v] : labels) {
    chars += k.size() + v.size();
    if (chars > 128) break;
    out.labels += out.labels.empty() ? "{" : ",";
    out.labels += k + "=\"" + escape_label_value(v) + "\"";
  }
  out.labels += out.labels.empty() ? "{}" : "}";
  return out;
}

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
        server_(
            cfg_.endpoint, [this](const HttpEndpointRequest& r) { return scrape(r); }, tls_setup(cfg_)) {}

  static HttpEndpoint::TlsSetup tls_setup(const PrometheusConfig& cfg) {
    if (!cfg.tls) return {};
    return [settings = *cfg.tls](ssl_ctx_st* ctx) { apply_server_tls(ctx, *ServerTls::load(settings)); };
  }

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
        for (const auto& dp : m.sum().data_points()) {
          auto& p = point(f, base, dp.attributes(), now, dp.time_unix_nano());
          p.value = number(dp);
          p.start_time_unix_nano = dp.start_time_unix_nano();
          p.exemplars.clear();
          if (monotonic && !dp.exemplars().empty()) p.exemplars.push_back(exemplar(*dp.exemplars().rbegin()));
        }
        break;
      }
      case pm::Metric::kHistogram:
        add_histograms(family(Type::histogram, false), m.histogram().data_points(), base, now, [](const auto& dp) {
          ClassicBuckets c{{dp.explicit_bounds().begin(), dp.explicit_bounds().end()},
                           {dp.bucket_counts().begin(), dp.bucket_counts().end()}};
          c.counts.resize(c.bounds.size() + 1, 0);
          return c;
        });
        break;
      case pm::Metric::kExponentialHistogram:
        // The text formats have no native histograms: the exponential buckets become classic ones.
        add_histograms(family(Type::histogram, false), m.exponential_histogram().data_points(), base, now,
                       [](const auto& dp) { return classic_buckets(dp); });
        break;
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
      default:
        break;
    }
  }

  // The points of a histogram family, `classic` giving each point's buckets.
  template <typename DataPoints, typename Classic>
  void add_histograms(Family& f, const DataPoints& points, const Labels& base,
                      std::chrono::steady_clock::time_point now, Classic classic) {
    for (const auto& dp : points) {
      auto& p = point(f, base, dp.attributes(), now, dp.time_unix_nano());
      auto buckets = classic(dp);
      p.bounds = std::move(buckets.bounds);
      p.counts = std::move(buckets.counts);
      p.count = dp.count();
      p.sum = dp.sum();
      p.start_time_unix_nano = dp.start_time_unix_nano();
      // Each exemplar goes to the bucket its value falls in (the last one wins), as client_golang does.
      p.exemplars.assign(dp.exemplars().empty() ? 0 : p.counts.size(), Exemplar{});
      for (const auto& e : dp.exemplars()) {
        auto x = exemplar(e);
        auto bucket = std::lower_bound(p.bounds.begin(), p.bounds.end(), x.value) - p.bounds.begin();
        p.exemplars[static_cast<size_t>(bucket)] = std::move(x);
      }
    }
  }

  HttpEndpointResponse scrape(const HttpEndpointRequest& req) {
    HttpEndpointResponse r;
    if (req.path != "/metrics") {
      r.status = 404;
      r.body = "not found; metrics are at /metrics\n";
      return r;
    }
    const bool om = cfg_.enable_open_metrics && wants_open_metrics(req.accept);
    r.content_type =
        om ? "application/openmetrics-text; version=1.0.0; charset=utf-8" : "text/plain; version=0.0.4; charset=utf-8";
    // OpenMetrics: floats always with a '.' or an exponent, times in seconds.
    auto value_text = [om](double v) {
      auto t = format_value(v);
      if (om && t.find_first_of(".eIN") == std::string::npos) t += ".0";
      return t;
    };
    auto time_text = [om](uint64_t nanos) {
      const uint64_t ms = nanos / 1000000;
      if (!om) return std::to_string(ms);
      auto frac = std::to_string(1000 + ms % 1000).substr(1);
      return std::to_string(ms / 1000) + "." + frac;
    };
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    expire(now);
    for (auto fit = families_.begin(); fit != families_.end(); ++fit) {
      auto& [name, f] = *fit;
      // OpenMetrics names a counter's family without _total and its sample with it.
      std::string family = name;
      if (om && f.type == Type::counter && family.ends_with("_total")) family.resize(family.size() - 6);
      if (!f.help.empty()) r.body += "# HELP " + family + " " + escape_help(f.help, om) + "\n";
      r.body += "# TYPE " + family + " " + std::string(type_name(f.type)) + "\n";
      for (const auto& point : f.points) {
        const auto& key = point.first;  // not structured bindings: clang 14 cannot capture those in the lambdas below
        const auto& p = point.second;
        const std::string ts = cfg_.send_timestamps && p.time_unix_nano ? " " + time_text(p.time_unix_nano) : "";
        auto line = [&](const std::string& n, const std::string& labels, double v, const Exemplar* e = nullptr) {
          r.body += n + labels + " " + value_text(v) + ts;
          if (om && e && !e->labels.empty()) {
            r.body += " # " + e->labels + " " + value_text(e->value);
            if (e->time_unix_nano) r.body += " " + time_text(e->time_unix_nano);
          }
          r.body += "\n";
        };
        auto created = [&] {
          if (om && p.start_time_unix_nano)
            r.body += family + "_created" + key + " " + time_text(p.start_time_unix_nano) + "\n";
        };
        switch (f.type) {
          case Type::gauge:
            line(name, key, p.value);
            break;
          case Type::counter:
            line(om ? family + "_total" : name, key, p.value, p.exemplars.empty() ? nullptr : &p.exemplars[0]);
            created();
            break;
          case Type::histogram: {
            uint64_t cumulative = 0;
            for (size_t i = 0; i < p.counts.size(); ++i) {
              cumulative += p.counts[i];
              const double le = i < p.bounds.size() ? p.bounds[i] : std::numeric_limits<double>::infinity();
              line(name + "_bucket", label_text(p.labels, "le", value_text(le)), static_cast<double>(cumulative),
                   i < p.exemplars.size() ? &p.exemplars[i] : nullptr);
            }
            // OpenMetrics: a histogram with negative bounds has no _sum (it would not be a counter).
            if (!om || p.bounds.empty() || p.bounds.front() >= 0) line(name + "_sum", key, p.sum);
            line(name + "_count", key, static_cast<double>(p.count));
            created();
            break;
          }
          case Type::summary:
            for (const auto& [q, v] : p.quantiles) line(name, label_text(p.labels, "quantile", value_text(q)), v);
            line(name + "_sum", key, p.sum);
            line(name + "_count", key, static_cast<double>(p.count));
            break;
        }
      }
    }
    if (om) r.body += "# EOF\n";
    return r;
  }

  // Whether an Accept header prefers OpenMetrics to the text format (by q value; the first listed on a tie),
  // as client_golang's negotiation does for Prometheus' scrape requests.
  static bool wants_open_metrics(std::string_view accept) {
    double best_om = -1, best_text = -1;
    int order = 0, om_order = 0, text_order = 0;
    while (!accept.empty()) {
      auto comma = accept.find(',');
      std::string_view range = accept.substr(0, comma);
      accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
      ++order;
      double q = 1;
      if (auto qp = range.find("q="); qp != std::string_view::npos)
        q = std::atof(std::string(range.substr(qp + 2)).c_str());
      const bool om = range.find("application/openmetrics-text") != std::string_view::npos;
      const bool text =
          range.find("text/plain") != std::string_view::npos || range.find("*/*") != std::string_view::npos;
      if (om && q > best_om) best_om = q, om_order = order;
      if (text && q > best_text) best_text = q, text_order = order;
    }
    return best_om > 0 && (best_om > best_text || (best_om == best_text && om_order < text_order));
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

  // HELP text escaped: backslash and newline, and in OpenMetrics the double quote.
  static std::string escape_help(const std::string& s, bool om) {
    std::string out;
    for (char c : s) {
      if (c == '\\')
        out += "\\\\";
      else if (c == '\n')
        out += "\\n";
      else if (om && c == '"')
        out += "\\\"";
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
