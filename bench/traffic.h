// The span requests the component benchmarks feed (bench/processors.cpp, bench/connectors.cpp): a server span
// shape with 10 string/int attributes, 2 events, trace/span/parent ids, kind server, status ok, under one resource
// (3 attributes) and one scope. Shapes differ only where a benchmark needs it (TrafficShape).
#pragma once

#include <cstdint>
#include <string>

#include "core/component.h"
#include "model/batch.h"

namespace otlpd::bench {

// A Host without extensions, for components started outside a Service.
class NoHost final : public Host {
 public:
  Extension* extension(const ComponentId&) const override { return nullptr; }
};

inline void attr(google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>& a,
                 const std::string& k, const std::string& v) {
  auto* kv = a.Add();
  kv->set_key(k);
  kv->mutable_value()->set_string_value(v);
}

struct TrafficShape {
  bool scope_version = true;      // the scope carries a version
  uint64_t duration_step_ns = 1;  // span i lasts 500 µs + i * step (spanmetrics wants spread durations)
  bool event_message_ids = true;  // each event has a second attribute
};

inline TraceBatch make_request(int spans, int seed, const TrafficShape& shape = {}) {
  auto b = TraceBatch::make();
  auto* rs = b.first().add_resource_spans();
  attr(*rs->mutable_resource()->mutable_attributes(), "service.name", "checkout");
  attr(*rs->mutable_resource()->mutable_attributes(), "host.name", "node-7");
  attr(*rs->mutable_resource()->mutable_attributes(), "deployment.environment", "prod");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("io.opentelemetry.http");
  if (shape.scope_version) ss->mutable_scope()->set_version("1.2.3");
  for (int i = 0; i < spans; ++i) {
    auto* s = ss->add_spans();
    s->set_trace_id(std::string(16, static_cast<char>(seed + i)));
    s->set_span_id(std::string(8, static_cast<char>(i)));
    s->set_parent_span_id(std::string(8, static_cast<char>(i + 1)));
    s->set_name(i % 10 == 0 ? "GET /health" : "GET /api/orders/{id}");
    s->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
    s->set_start_time_unix_nano(1700000000000000000ull + static_cast<uint64_t>(i));
    s->set_end_time_unix_nano(1700000000000500000ull + static_cast<uint64_t>(i) * shape.duration_step_ns);
    auto& a = *s->mutable_attributes();
    attr(a, "http.method", "GET");
    attr(a, "http.route", i % 10 == 0 ? "/health" : "/api/orders/{id}");
    attr(a, "http.target", "/api/orders/" + std::to_string(i));
    attr(a, "http.scheme", "https");
    attr(a, "net.peer.ip", "10.0.0." + std::to_string(i % 250));
    attr(a, "user.id", "user-" + std::to_string(i));
    attr(a, "http.user_agent", "Mozilla/5.0 (X11; Linux x86_64)");
    attr(a, "thread.name", "worker-3");
    auto* code = a.Add();
    code->set_key("http.status_code");
    code->mutable_value()->set_int_value(200);
    auto* size = a.Add();
    size->set_key("http.response_content_length");
    size->mutable_value()->set_int_value(1234 + i);
    for (int e = 0; e < 2; ++e) {
      auto* ev = s->add_events();
      ev->set_name(e == 0 ? "message" : "exception");
      ev->set_time_unix_nano(1700000000000100000ull + static_cast<uint64_t>(e));
      attr(*ev->mutable_attributes(), "message.type", "SENT");
      if (shape.event_message_ids) attr(*ev->mutable_attributes(), "message.id", std::to_string(e));
    }
    s->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_OK);
  }
  return b;
}

// A log request like the span one: `records` records under the same resource, each with a severity (INFO, one in
// ten DEBUG), a 60-byte text body, trace/span ids and 6 attributes (http.route "/health" on one in ten).
inline LogBatch make_log_request(int records, int seed) {
  auto b = LogBatch::make();
  auto* rl = b.first().add_resource_logs();
  attr(*rl->mutable_resource()->mutable_attributes(), "service.name", "checkout");
  attr(*rl->mutable_resource()->mutable_attributes(), "host.name", "node-7");
  attr(*rl->mutable_resource()->mutable_attributes(), "deployment.environment", "prod");
  auto* sl = rl->add_scope_logs();
  sl->mutable_scope()->set_name("io.opentelemetry.logback");
  for (int i = 0; i < records; ++i) {
    auto* l = sl->add_log_records();
    l->set_time_unix_nano(1700000000000000000ULL + static_cast<uint64_t>(i));
    l->set_observed_time_unix_nano(1700000000000000000ULL + static_cast<uint64_t>(i));
    l->set_severity_number(i % 10 == 3 ? opentelemetry::proto::logs::v1::SEVERITY_NUMBER_DEBUG
                                       : opentelemetry::proto::logs::v1::SEVERITY_NUMBER_INFO);
    l->set_severity_text(i % 10 == 3 ? "DEBUG" : "INFO");
    l->mutable_body()->set_string_value("request " + std::to_string(seed * 1000 + i) +
                                        " served in 12 ms for customer 4711, status ok");
    l->set_trace_id(std::string(16, static_cast<char>(seed + 1)));
    l->set_span_id(std::string(8, static_cast<char>(i + 1)));
    auto& a = *l->mutable_attributes();
    attr(a, "http.route", i % 10 == 0 ? "/health" : "/api/orders");
    attr(a, "http.method", "GET");
    attr(a, "user.id", "u-" + std::to_string(i));
    attr(a, "thread.name", "worker-3");
    attr(a, "code.namespace", "com.shop.OrderService");
    attr(a, "logger", "access");
  }
  return b;
}

// A metric request of `points` data points under the same resource: metrics of 5 points each, their types in turn
// gauge, sum, histogram (8 buckets), exponential histogram (10 buckets a side), summary (3 quantiles); each point
// with 4 attributes (http.route "/health" on one in ten).
inline MetricBatch make_metric_request(int points, int seed) {
  namespace pm = opentelemetry::proto::metrics::v1;
  auto b = MetricBatch::make();
  auto* rm = b.first().add_resource_metrics();
  attr(*rm->mutable_resource()->mutable_attributes(), "service.name", "checkout");
  attr(*rm->mutable_resource()->mutable_attributes(), "host.name", "node-7");
  attr(*rm->mutable_resource()->mutable_attributes(), "deployment.environment", "prod");
  auto* sm = rm->add_scope_metrics();
  sm->mutable_scope()->set_name("io.opentelemetry.http");
  constexpr int kPointsPerMetric = 5;
  pm::Metric* m = nullptr;
  for (int i = 0; i < points; ++i) {
    const int kind = (i / kPointsPerMetric) % 5;
    if (i % kPointsPerMetric == 0) {
      m = sm->add_metrics();
      m->set_name("http.server.metric." + std::to_string(i / kPointsPerMetric));
      m->set_unit("ms");
      m->set_description("a metric of the benchmark");
    }
    auto fill = [&](auto* p) {
      p->set_start_time_unix_nano(1700000000000000000ULL);
      p->set_time_unix_nano(1700000000000000000ULL + static_cast<uint64_t>(seed * 1000 + i));
      auto& a = *p->mutable_attributes();
      attr(a, "http.route", i % 10 == 0 ? "/health" : "/api/orders");
      attr(a, "http.method", "GET");
      attr(a, "http.status_code", "200");
      attr(a, "instance", "i-" + std::to_string(i % kPointsPerMetric));
    };
    const double v = 12.5 + i;
    switch (kind) {
      case 0: {
        auto* p = m->mutable_gauge()->add_data_points();
        fill(p);
        p->set_as_double(v);
        break;
      }
      case 1: {
        m->mutable_sum()->set_is_monotonic(true);
        m->mutable_sum()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_CUMULATIVE);
        auto* p = m->mutable_sum()->add_data_points();
        fill(p);
        p->set_as_int(1000 + i);
        break;
      }
      case 2: {
        m->mutable_histogram()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_CUMULATIVE);
        auto* p = m->mutable_histogram()->add_data_points();
        fill(p);
        p->set_count(80);
        p->set_sum(v * 80);
        for (int k = 0; k < 8; ++k) {
          p->add_bucket_counts(10);
          if (k < 7) p->add_explicit_bounds(5.0 * (k + 1));
        }
        break;
      }
      case 3: {
        m->mutable_exponential_histogram()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
        auto* p = m->mutable_exponential_histogram()->add_data_points();
        fill(p);
        p->set_count(200);
        p->set_sum(v * 200);
        p->set_scale(3);
        p->mutable_positive()->set_offset(2);
        p->mutable_negative()->set_offset(1);
        for (int k = 0; k < 10; ++k) {
          p->mutable_positive()->add_bucket_counts(10);
          p->mutable_negative()->add_bucket_counts(10);
        }
        break;
      }
      default: {
        auto* p = m->mutable_summary()->add_data_points();
        fill(p);
        p->set_count(30);
        p->set_sum(v * 30);
        for (double q : {0.5, 0.9, 0.99}) {
          auto* qv = p->add_quantile_values();
          qv->set_quantile(q);
          qv->set_value(v * q);
        }
        break;
      }
    }
  }
  return b;
}

}  // namespace otlpd::bench
