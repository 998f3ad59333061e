// Requests for the differential tests of processors on received bytes (filter, transform): several resources and
// scopes, spans, log records, metrics and data points that some conditions match and others do not.
#pragma once

#include <string>

#include "codec/wire_reader.h"
#include "processors/harness.h"

namespace otlpd::test {

// Three resources (service.name cron, api, api), two scopes each (http, db), five spans a scope with one event
// each: spans 1 and 3 are health checks, span 2's event is "exception", span 4 a client. `absent_parents`: the
// third resource has no resource message and every second scope no scope message.
inline TraceBatch wire_span_traffic(bool absent_parents = false) {
  using Span = opentelemetry::proto::trace::v1::Span;
  auto b = TraceBatch::make();
  auto& req = b.first();
  for (int r = 0; r < 3; ++r) {
    auto* rs = req.add_resource_spans();
    if (!absent_parents || r < 2)
      set_attr(*rs->mutable_resource()->mutable_attributes(), "service.name", r == 0 ? "cron" : "api");
    rs->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
    for (int s = 0; s < 2; ++s) {
      auto* ss = rs->add_scope_spans();
      if (!absent_parents || s == 0) ss->mutable_scope()->set_name(s == 0 ? "http" : "db");
      for (int i = 0; i < 5; ++i) {
        auto* span = ss->add_spans();
        span->set_name((i % 2 ? "GET /health" : "GET /users/") + std::to_string(r * 10 + s * 5 + i));
        span->set_kind(i == 4 ? Span::SPAN_KIND_CLIENT : Span::SPAN_KIND_SERVER);
        span->set_trace_id(std::string(16, static_cast<char>(r + 1)));
        span->set_span_id(std::string(8, static_cast<char>(i + 1)));
        set_attr(*span->mutable_attributes(), "http.route", i % 2 ? "/health" : "/users");
        span->add_events()->set_name(i == 2 ? "exception" : "e");
      }
    }
  }
  return b;
}

// Two resources of log records (service.name cron, api; scopes db, http): severities 1-24 in turn, bodies "GET /n"
// or "password n", an attribute on every third record. `absent_parents`: the second scope has no scope message.
inline LogBatch wire_log_traffic(bool absent_parents = false) {
  auto b = LogBatch::make();
  for (int r = 0; r < 2; ++r) {
    auto* rl = b.first().add_resource_logs();
    set_attr(*rl->mutable_resource()->mutable_attributes(), "service.name", r == 0 ? "cron" : "api");
    auto* sl = rl->add_scope_logs();
    if (!absent_parents || r == 0) sl->mutable_scope()->set_name(r == 0 ? "db" : "http");
    for (int i = 0; i < 12; ++i) {
      auto* l = sl->add_log_records();
      l->set_severity_number(static_cast<opentelemetry::proto::logs::v1::SeverityNumber>(r * 12 + i + 1));
      l->mutable_body()->set_string_value((i % 2 ? "GET /" : "password ") + std::to_string(i));
      if (i % 3 == 0) set_attr(*l->mutable_attributes(), "http.route", "/health");
    }
  }
  return b;
}

// Two resources (service.name cron, api), two scopes each (http, db), seven metrics a scope: a gauge (3 points,
// doubles), a monotonic cumulative sum (3 points, ints), a histogram (2 points), an exponential histogram (2
// points), a summary (2 points), a gauge without points and a metric without data. Point k of a metric has
// http.route "/health" when k is odd. Unknown fields (number 100) on the first metric of each scope, on its first
// point and on the scope. `absent_parents`: the second resource has no resource message and every second scope no
// scope message. 48 data points.
inline MetricBatch wire_metric_traffic(bool absent_parents = false) {
  namespace pm = opentelemetry::proto::metrics::v1;
  auto b = MetricBatch::make();
  auto unknown = [](google::protobuf::Message& m) { m.GetReflection()->MutableUnknownFields(&m)->AddVarint(100, 7); };
  for (int r = 0; r < 2; ++r) {
    auto* rm = b.first().add_resource_metrics();
    if (!absent_parents || r == 0)
      set_attr(*rm->mutable_resource()->mutable_attributes(), "service.name", r == 0 ? "cron" : "api");
    for (int s = 0; s < 2; ++s) {
      auto* sm = rm->add_scope_metrics();
      if (!absent_parents || s == 0) sm->mutable_scope()->set_name(s == 0 ? "http" : "db");
      unknown(*sm);
      auto named = [&](const char* name) {
        auto* m = sm->add_metrics();
        m->set_name(std::string(name) + "." + std::to_string(r * 2 + s));
        m->set_unit("1");
        return m;
      };
      auto fill = [&](auto* p, int k) {
        p->set_time_unix_nano(1000 + static_cast<uint64_t>(k));
        set_attr(*p->mutable_attributes(), "http.route", k % 2 ? "/health" : "/users");
      };
      auto* gauge = named("gauge");
      unknown(*gauge);
      for (int k = 0; k < 3; ++k) {
        auto* p = gauge->mutable_gauge()->add_data_points();
        fill(p, k);
        p->set_as_double(0.5 * k);
        if (k == 0) unknown(*p);
      }
      auto* sum = named("sum")->mutable_sum();
      sum->set_is_monotonic(true);
      sum->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_CUMULATIVE);
      for (int k = 0; k < 3; ++k) {
        auto* p = sum->add_data_points();
        fill(p, k);
        p->set_as_int(10 * k + r);
      }
      auto* hist = named("histogram")->mutable_histogram();
      hist->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
      for (int k = 0; k < 2; ++k) {
        auto* p = hist->add_data_points();
        fill(p, k);
        p->set_count(3 + static_cast<uint64_t>(k));
        p->set_sum(1.5 * k);
        p->add_explicit_bounds(1);
        p->add_bucket_counts(1);
        p->add_bucket_counts(2 + static_cast<uint64_t>(k));
      }
      auto* exp = named("exponential")->mutable_exponential_histogram();
      for (int k = 0; k < 2; ++k) {
        auto* p = exp->add_data_points();
        fill(p, k);
        p->set_count(4);
        p->set_scale(2);
        p->mutable_positive()->add_bucket_counts(4);
      }
      auto* summary = named("summary")->mutable_summary();
      for (int k = 0; k < 2; ++k) {
        auto* p = summary->add_data_points();
        fill(p, k);
        p->set_count(2);
        p->set_sum(3.5);
        auto* q = p->add_quantile_values();
        q->set_quantile(0.5);
        q->set_value(1.5);
      }
      named("empty_gauge")->mutable_gauge();
      named("no_data");
    }
  }
  return b;
}

// An ExportMetricsServiceRequest's bytes whose first metric holds its data in two fields, a gauge of 2 points then
// a sum of 1 (protobuf keeps the sum; the wire check counts 3 points), beside a plain gauge of 2 points; every
// point has http.route "/health" or "/users" in turn.
inline std::string metric_bytes_with_two_data_fields() {
  namespace pm = opentelemetry::proto::metrics::v1;
  auto len_field = [](uint32_t number, const std::string& body) {
    std::string out;
    otlp_wire::append_varint(out, uint64_t{number} << 3 | 2);
    otlp_wire::append_varint(out, body.size());
    return out + body;
  };
  pm::Metric gauge, sum, plain;
  gauge.set_name("merged");
  for (int k = 0; k < 2; ++k) {
    auto* p = gauge.mutable_gauge()->add_data_points();
    p->set_as_int(k);
    set_attr(*p->mutable_attributes(), "http.route", k % 2 ? "/health" : "/users");
  }
  auto* p = sum.mutable_sum()->add_data_points();
  p->set_as_int(7);
  set_attr(*p->mutable_attributes(), "http.route", "/health");
  plain = gauge;
  plain.set_name("plain");
  const std::string scope =
      len_field(2, gauge.SerializeAsString() + sum.SerializeAsString()) + len_field(2, plain.SerializeAsString());
  return len_field(1, len_field(2, scope));
}

}  // namespace otlpd::test
