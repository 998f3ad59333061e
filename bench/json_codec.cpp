// Benchmark: OTLP/JSON decode (into messages, and straight to protobuf wire bytes) and encode throughput of
// otlpd's codec against protobuf's util JSON, and the binary path: the wire check against a full protobuf parse.
#include <google/protobuf/arena.h>
#include <google/protobuf/util/json_util.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>

#include "codec/otlp_json.h"
#include "codec/otlp_wire.h"
#include "model/batch.h"

namespace {

namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;
using otlpd::otlp_trace::ExportTraceServiceRequest;

constexpr int kSpans = 1000;

void attr(google::protobuf::RepeatedPtrField<common::KeyValue>* list, const char* key, const std::string& v) {
  auto* kv = list->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(v);
}
void attr(google::protobuf::RepeatedPtrField<common::KeyValue>* list, const char* key, int64_t v) {
  auto* kv = list->Add();
  kv->set_key(key);
  kv->mutable_value()->set_int_value(v);
}

std::string bytes(uint64_t seed, size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    s[i] = static_cast<char>(seed >> 56);
  }
  return s;
}

// 1,000 server spans as an instrumented HTTP service produces them: 10 attributes and 2 events each.
ExportTraceServiceRequest payload() {
  ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  attr(rs->mutable_resource()->mutable_attributes(), "service.name", "checkout");
  attr(rs->mutable_resource()->mutable_attributes(), "service.version", "1.4.2");
  attr(rs->mutable_resource()->mutable_attributes(), "host.name", "checkout-7d9f8b6c5-x2x8k");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("@opentelemetry/instrumentation-http");
  ss->mutable_scope()->set_version("0.52.1");
  for (int i = 0; i < kSpans; ++i) {
    auto* s = ss->add_spans();
    s->set_trace_id(bytes(static_cast<uint64_t>(i / 10) + 1, 16));
    s->set_span_id(bytes(static_cast<uint64_t>(i) + 100000, 8));
    if (i % 10 != 0) s->set_parent_span_id(bytes(static_cast<uint64_t>(i - i % 10) + 100000, 8));
    s->set_name("GET /api/cart/{id}");
    s->set_kind(trace::Span::SPAN_KIND_SERVER);
    s->set_start_time_unix_nano(1718000000000000000ULL + static_cast<uint64_t>(i) * 1000003);
    s->set_end_time_unix_nano(s->start_time_unix_nano() + 4200000 + static_cast<uint64_t>(i));
    auto* a = s->mutable_attributes();
    attr(a, "http.request.method", "GET");
    attr(a, "url.full", "https://shop.example.com/api/cart/" + std::to_string(10000 + i) + "?currency=EUR");
    attr(a, "url.scheme", "https");
    attr(a, "http.route", "/api/cart/{id}");
    attr(a, "http.response.status_code", 200);
    attr(a, "server.address", "shop.example.com");
    attr(a, "server.port", 443);
    attr(a, "client.address", "10.1.2." + std::to_string(i % 250));
    attr(a, "user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0");
    attr(a, "network.protocol.version", "1.1");
    for (int e = 0; e < 2; ++e) {
      auto* ev = s->add_events();
      ev->set_time_unix_nano(s->start_time_unix_nano() + 1000000 * static_cast<uint64_t>(e + 1));
      ev->set_name(e == 0 ? "cache.miss" : "db.query.done");
      attr(ev->mutable_attributes(), "db.system", "postgresql");
      attr(ev->mutable_attributes(), "rows", 12 + e);
    }
    s->mutable_status()->set_code(trace::Status::STATUS_CODE_OK);
  }
  return req;
}

// Only the cases whose name contains argv[1], when given (for profiling one case).
const char* g_filter = nullptr;

struct Result {
  double seconds_per_op;
};

// CPU time of this thread: the machine is shared, so wall-clock time would measure the neighbours too.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Runs `op` until it has used at least `min_seconds` of CPU (after one warm-up call).
Result measure(const char* name, const std::function<void()>& op, double min_seconds = 2.0) {
  if (g_filter != nullptr && std::strstr(name, g_filter) == nullptr) return {0};
  op();
  double start = thread_cpu_seconds();
  int n = 0;
  double elapsed = 0;
  do {
    op();
    ++n;
    elapsed = thread_cpu_seconds() - start;
  } while (elapsed < min_seconds);
  return {elapsed / n};
}

void report(const char* name, Result r, size_t json_bytes) {
  if (r.seconds_per_op == 0) return;
  std::printf("%-34s %12.0f spans/s %9.1f MB/s %9.3f ms/op\n", name, kSpans / r.seconds_per_op,
              static_cast<double>(json_bytes) / r.seconds_per_op / 1e6, r.seconds_per_op * 1e3);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) g_filter = argv[1];
  const ExportTraceServiceRequest req = payload();
  const std::string ours = otlpd::otlp_json::encode(req);
  std::string theirs;
  if (!google::protobuf::util::MessageToJsonString(req, &theirs).ok()) return 1;
  std::printf("payload: %d spans, OTLP/JSON %zu bytes, protobuf JSON %zu bytes, binary %zu bytes\n", kSpans,
              ours.size(), theirs.size(), req.ByteSizeLong());

  {
    ExportTraceServiceRequest check;
    if (!otlpd::otlp_json::decode(ours, check).empty() || check.SerializeAsString() != req.SerializeAsString()) {
      std::fprintf(stderr, "round trip failed\n");
      return 1;
    }
  }

  report("otlpd decode (arena per request)",
         measure("otlpd decode (arena per request)",
                 [&] {
                   google::protobuf::Arena arena;
                   auto* m = google::protobuf::Arena::CreateMessage<ExportTraceServiceRequest>(&arena);
                   if (!otlpd::otlp_json::decode(ours, *m).empty()) std::abort();
                 }),
         ours.size());
  {
    std::string wire;
    size_t items = 0;
    if (!otlpd::otlp_json::decode_to_wire<ExportTraceServiceRequest>(ours, wire, items).empty() || items != kSpans ||
        wire.size() != req.ByteSizeLong()) {
      std::fprintf(stderr, "decode_to_wire failed\n");
      return 1;
    }
    report("otlpd decode_to_wire",
           measure("otlpd decode_to_wire",
                   [&] {
                     // A fresh string per request, as the receiver hands the bytes to the batch.
                     std::string out;
                     size_t n = 0;
                     if (!otlpd::otlp_json::decode_to_wire<ExportTraceServiceRequest>(ours, out, n).empty())
                       std::abort();
                   }),
           ours.size());
  }
  report("otlpd decode (heap message)",
         measure("otlpd decode (heap message)",
                 [&] {
                   ExportTraceServiceRequest m;
                   if (!otlpd::otlp_json::decode(ours, m).empty()) std::abort();
                 }),
         ours.size());
  report("protobuf JsonStringToMessage",
         measure("protobuf JsonStringToMessage",
                 [&] {
                   google::protobuf::Arena arena;
                   auto* m = google::protobuf::Arena::CreateMessage<ExportTraceServiceRequest>(&arena);
                   if (!google::protobuf::util::JsonStringToMessage(theirs, m).ok()) std::abort();
                 }),
         theirs.size());
  const std::string binary = req.SerializeAsString();
  report("otlp_wire check (binary)",
         measure("otlp_wire check (binary)",
                 [&] {
                   auto r = otlpd::otlp_wire::check<ExportTraceServiceRequest>(binary);
                   if (!r.ok || r.items != kSpans) std::abort();
                 }),
         binary.size());
  report("protobuf parse (binary, arena)",
         measure("protobuf parse (binary, arena)",
                 [&] {
                   google::protobuf::Arena arena(otlpd::request_arena_options());
                   auto* m = google::protobuf::Arena::CreateMessage<ExportTraceServiceRequest>(&arena);
                   if (!m->ParseFromString(binary)) std::abort();
                 }),
         binary.size());
  std::string out;
  report("otlpd encode",
         measure("otlpd encode",
                 [&] {
                   out.clear();
                   otlpd::otlp_json::encode(req, out);
                 }),
         ours.size());
  report("protobuf MessageToJsonString",
         measure("protobuf MessageToJsonString",
                 [&] {
                   out.clear();
                   if (!google::protobuf::util::MessageToJsonString(req, &out).ok()) std::abort();
                 }),
         theirs.size());
  return 0;
}
