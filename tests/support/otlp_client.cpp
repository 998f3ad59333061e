// Test helpers: OTLP/gRPC client and fully populated requests.
#include "support/otlp_client.h"

#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

namespace otlpd::test {

namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;
namespace metrics = opentelemetry::proto::metrics::v1;
namespace logs = opentelemetry::proto::logs::v1;

namespace {

template <typename Stub, typename Req, typename Resp>
grpc::Status call(const std::shared_ptr<grpc::Channel>& ch, const Req& r) {
  auto stub = Stub(ch);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  Resp resp;
  return stub.Export(&ctx, r, &resp);
}

std::string id_bytes(uint64_t seed, size_t len) {
  std::string s(len, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (size_t i = 0; i < len; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    s[i] = static_cast<char>(x & 0xFF);
  }
  if (s[0] == 0) s[0] = 1;
  return s;
}

void add_all_types(google::protobuf::RepeatedPtrField<common::KeyValue>* attrs, uint64_t seed) {
  auto kv = [&](const std::string& k) {
    auto* a = attrs->Add();
    a->set_key(k);
    return a->mutable_value();
  };
  kv("str")->set_string_value("value-" + std::to_string(seed) + " ünïcödé \"quoted\" \\ \n");
  kv("bool")->set_bool_value(true);
  kv("int")->set_int_value(-9007199254740993LL - static_cast<int64_t>(seed));
  kv("double")->set_double_value(3.25 + static_cast<double>(seed));
  kv("bytes")->set_bytes_value(std::string("\x00\x01\xfe\xff", 4));
  auto* arr = kv("array")->mutable_array_value();
  arr->add_values()->set_string_value("a");
  arr->add_values()->set_int_value(2);
  arr->add_values()->mutable_array_value()->add_values()->set_bool_value(false);
  auto* kvl = kv("kvlist")->mutable_kvlist_value();
  auto* inner = kvl->add_values();
  inner->set_key("nested");
  auto* deeper = inner->mutable_value()->mutable_kvlist_value()->add_values();
  deeper->set_key("deep");
  deeper->mutable_value()->set_double_value(-0.5);
  auto* inner2 = kvl->add_values();
  inner2->set_key("list");
  inner2->mutable_value()->mutable_array_value()->add_values()->set_bytes_value("xyz");
}

void fill_resource(opentelemetry::proto::resource::v1::Resource* r, uint64_t seed) {
  auto* sn = r->add_attributes();
  sn->set_key("service.name");
  sn->mutable_value()->set_string_value("svc-" + std::to_string(seed % 3));
  add_all_types(r->mutable_attributes(), seed);
  r->set_dropped_attributes_count(3);
}

void fill_scope(common::InstrumentationScope* s) {
  s->set_name("test-scope");
  s->set_version("1.2.3");
  auto* a = s->add_attributes();
  a->set_key("scope.attr");
  a->mutable_value()->set_string_value("x");
  s->set_dropped_attributes_count(4);
}

}  // namespace

OtlpGrpcClient::OtlpGrpcClient(const std::string& endpoint) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  args.SetMaxSendMessageSize(64 * 1024 * 1024);
  channel_ = grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args);
}

grpc::Status OtlpGrpcClient::send(const otlp_trace::ExportTraceServiceRequest& r) {
  return call<otlp_trace::TraceService::Stub, otlp_trace::ExportTraceServiceRequest,
              otlp_trace::ExportTraceServiceResponse>(channel_, r);
}
grpc::Status OtlpGrpcClient::send(const otlp_metrics::ExportMetricsServiceRequest& r) {
  return call<otlp_metrics::MetricsService::Stub, otlp_metrics::ExportMetricsServiceRequest,
              otlp_metrics::ExportMetricsServiceResponse>(channel_, r);
}
grpc::Status OtlpGrpcClient::send(const otlp_logs::ExportLogsServiceRequest& r) {
  return call<otlp_logs::LogsService::Stub, otlp_logs::ExportLogsServiceRequest, otlp_logs::ExportLogsServiceResponse>(
      channel_, r);
}

grpc::Status export_traces(const std::string& e, const otlp_trace::ExportTraceServiceRequest& r) {
  return OtlpGrpcClient(e).send(r);
}
grpc::Status export_metrics(const std::string& e, const otlp_metrics::ExportMetricsServiceRequest& r) {
  return OtlpGrpcClient(e).send(r);
}
grpc::Status export_logs(const std::string& e, const otlp_logs::ExportLogsServiceRequest& r) {
  return OtlpGrpcClient(e).send(r);
}

otlp_trace::ExportTraceServiceRequest full_traces(int spans, uint64_t seed) {
  otlp_trace::ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  fill_resource(rs->mutable_resource(), seed);
  rs->set_schema_url("https://opentelemetry.io/schemas/1.26.0");
  auto* ss = rs->add_scope_spans();
  fill_scope(ss->mutable_scope());
  ss->set_schema_url("https://opentelemetry.io/schemas/1.25.0");
  std::string trace_id = id_bytes(seed, 16);
  std::string parent;
  for (int i = 0; i < spans; ++i) {
    auto* s = ss->add_spans();
    s->set_trace_id(trace_id);
    std::string span_id = id_bytes(seed * 1000 + static_cast<uint64_t>(i) + 1, 8);
    s->set_span_id(span_id);
    if (!parent.empty()) s->set_parent_span_id(parent);
    if (i % 4 == 0) parent = span_id;
    s->set_trace_state("vendor=value,other=1");
    s->set_flags(0x301);
    s->set_name("span-" + std::to_string(i));
    s->set_kind(static_cast<trace::Span::SpanKind>(1 + i % 5));
    s->set_start_time_unix_nano(1700000000000000000ULL + seed * 1000000 + static_cast<uint64_t>(i));
    s->set_end_time_unix_nano(s->start_time_unix_nano() + 123456789);
    add_all_types(s->mutable_attributes(), seed + static_cast<uint64_t>(i));
    s->set_dropped_attributes_count(1);
    auto* ev = s->add_events();
    ev->set_time_unix_nano(s->start_time_unix_nano() + 5);
    ev->set_name("exception");
    add_all_types(ev->mutable_attributes(), seed);
    ev->set_dropped_attributes_count(2);
    s->set_dropped_events_count(3);
    auto* ln = s->add_links();
    ln->set_trace_id(id_bytes(seed + 77, 16));
    ln->set_span_id(id_bytes(seed + 78, 8));
    ln->set_trace_state("k=v");
    add_all_types(ln->mutable_attributes(), seed);
    ln->set_dropped_attributes_count(5);
    ln->set_flags(0x101);
    s->set_dropped_links_count(6);
    s->mutable_status()->set_code(i % 3 == 0 ? trace::Status::STATUS_CODE_ERROR : trace::Status::STATUS_CODE_OK);
    s->mutable_status()->set_message("status message " + std::to_string(i));
  }
  return req;
}

otlp_metrics::ExportMetricsServiceRequest full_metrics(uint64_t seed) {
  otlp_metrics::ExportMetricsServiceRequest req;
  auto* rm = req.add_resource_metrics();
  fill_resource(rm->mutable_resource(), seed);
  rm->set_schema_url("https://opentelemetry.io/schemas/1.26.0");
  auto* sm = rm->add_scope_metrics();
  fill_scope(sm->mutable_scope());
  sm->set_schema_url("https://opentelemetry.io/schemas/1.25.0");
  const uint64_t t0 = 1700000000000000000ULL + seed;
  auto exemplar = [&](metrics::Exemplar* e, bool as_int) {
    add_all_types(e->mutable_filtered_attributes(), seed);
    e->set_time_unix_nano(t0 + 7);
    if (as_int)
      e->set_as_int(-42);
    else
      e->set_as_double(4.5);
    e->set_span_id(id_bytes(seed + 5, 8));
    e->set_trace_id(id_bytes(seed + 6, 16));
  };
  auto metric = [&](const std::string& name) {
    auto* m = sm->add_metrics();
    m->set_name(name);
    m->set_description("description of " + name);
    m->set_unit("ms");
    auto* md = m->add_metadata();
    md->set_key("meta");
    md->mutable_value()->set_string_value("data");
    return m;
  };
  {
    auto* g = metric("gauge")->mutable_gauge();
    auto* p = g->add_data_points();
    add_all_types(p->mutable_attributes(), seed);
    p->set_start_time_unix_nano(t0);
    p->set_time_unix_nano(t0 + 1);
    p->set_as_double(1.5);
    exemplar(p->add_exemplars(), false);
    p->set_flags(1);
    auto* p2 = g->add_data_points();
    p2->set_time_unix_nano(t0 + 2);
    p2->set_as_int(-7);
  }
  {
    auto* s = metric("sum")->mutable_sum();
    s->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
    s->set_is_monotonic(true);
    auto* p = s->add_data_points();
    add_all_types(p->mutable_attributes(), seed);
    p->set_start_time_unix_nano(t0);
    p->set_time_unix_nano(t0 + 1);
    p->set_as_int(9223372036854775807LL);
    exemplar(p->add_exemplars(), true);
  }
  {
    auto* h = metric("histogram")->mutable_histogram();
    h->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
    auto* p = h->add_data_points();
    add_all_types(p->mutable_attributes(), seed);
    p->set_start_time_unix_nano(t0);
    p->set_time_unix_nano(t0 + 1);
    p->set_count(10);
    p->set_sum(55.5);
    for (uint64_t c : {1, 2, 3, 4}) p->add_bucket_counts(c);
    for (double b : {0.5, 1.0, 2.5}) p->add_explicit_bounds(b);
    exemplar(p->add_exemplars(), false);
    p->set_flags(1);
    p->set_min(0.1);
    p->set_max(9.9);
  }
  {
    auto* e = metric("exp_histogram")->mutable_exponential_histogram();
    e->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
    auto* p = e->add_data_points();
    add_all_types(p->mutable_attributes(), seed);
    p->set_start_time_unix_nano(t0);
    p->set_time_unix_nano(t0 + 1);
    p->set_count(20);
    p->set_sum(123.25);
    p->set_scale(-3);
    p->set_zero_count(2);
    p->mutable_positive()->set_offset(-2);
    for (uint64_t c : {3, 0, 5}) p->mutable_positive()->add_bucket_counts(c);
    p->mutable_negative()->set_offset(1);
    p->mutable_negative()->add_bucket_counts(10);
    p->set_flags(1);
    exemplar(p->add_exemplars(), true);
    p->set_min(-3.5);
    p->set_max(100.0);
    p->set_zero_threshold(0.001);
  }
  {
    auto* s = metric("summary")->mutable_summary();
    auto* p = s->add_data_points();
    add_all_types(p->mutable_attributes(), seed);
    p->set_start_time_unix_nano(t0);
    p->set_time_unix_nano(t0 + 1);
    p->set_count(4);
    p->set_sum(10.0);
    for (auto [q, v] : {std::pair{0.0, 1.0}, std::pair{0.5, 2.5}, std::pair{1.0, 4.0}}) {
      auto* qv = p->add_quantile_values();
      qv->set_quantile(q);
      qv->set_value(v);
    }
    p->set_flags(1);
  }
  return req;
}

otlp_logs::ExportLogsServiceRequest full_logs(int records, uint64_t seed) {
  otlp_logs::ExportLogsServiceRequest req;
  auto* rl = req.add_resource_logs();
  fill_resource(rl->mutable_resource(), seed);
  rl->set_schema_url("https://opentelemetry.io/schemas/1.26.0");
  auto* sl = rl->add_scope_logs();
  fill_scope(sl->mutable_scope());
  sl->set_schema_url("https://opentelemetry.io/schemas/1.25.0");
  for (int i = 0; i < records; ++i) {
    auto* r = sl->add_log_records();
    r->set_time_unix_nano(1700000000000000000ULL + seed + static_cast<uint64_t>(i));
    r->set_observed_time_unix_nano(r->time_unix_nano() + 10);
    r->set_severity_number(static_cast<logs::SeverityNumber>(1 + i % 24));
    r->set_severity_text("WARN");
    switch (i % 4) {
      case 0:
        r->mutable_body()->set_string_value("log line " + std::to_string(i));
        break;
      case 1: {
        google::protobuf::RepeatedPtrField<common::KeyValue> tmp;
        add_all_types(&tmp, seed);
        for (auto& kv : tmp) *r->mutable_body()->mutable_kvlist_value()->add_values() = kv;
        break;
      }
      case 2:
        r->mutable_body()->mutable_array_value()->add_values()->set_int_value(i);
        break;
      default:
        r->mutable_body()->set_bytes_value(std::string("\x00\xff", 2));
        break;
    }
    add_all_types(r->mutable_attributes(), seed);
    r->set_dropped_attributes_count(2);
    r->set_flags(1);
    r->set_trace_id(id_bytes(seed + static_cast<uint64_t>(i), 16));
    r->set_span_id(id_bytes(seed + static_cast<uint64_t>(i), 8));
    r->set_event_name("app.event");
  }
  return req;
}

}  // namespace otlpd::test
