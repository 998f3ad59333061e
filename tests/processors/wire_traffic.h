// Requests for the differential tests of processors on received bytes (filter, transform): several resources and
// scopes, spans and log records that some conditions match and others do not.
#pragma once

#include <string>

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

}  // namespace otlpd::test
