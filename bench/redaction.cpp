// Throughput of the redaction processor on one thread: spans with 10 attributes (2 holding an email or a
// card) and 2 events, under a few configurations. Prints spans/s and MB/s of attribute text.
#include <yaml-cpp/yaml.h>

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "config/node.h"
#include "core/registry.h"
#include "model/batch.h"

using namespace otlpd;

namespace {

// Keeps what it gets, so that freeing the batches is not timed.
class HoldingSink final : public TraceConsumer {
 public:
  Status consume(TraceBatch b) override {
    held.push_back(std::move(b));
    return Status::ok();
  }
  std::vector<TraceBatch> held;
};

void put(google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>& a, const std::string& k,
         const std::string& v) {
  auto* kv = a.Add();
  kv->set_key(k);
  kv->mutable_value()->set_string_value(v);
}

constexpr int kSpansPerBatch = 100;

// CPU time of this thread: steadier than wall-clock time on a machine shared with other work.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

TraceBatch make_batch(int seed) {
  TraceBatch b = TraceBatch::make();
  auto* ss = b.first().add_resource_spans()->add_scope_spans();
  for (int i = 0; i < kSpansPerBatch; ++i) {
    auto* s = ss->add_spans();
    s->set_name("GET /api/orders/{id}");
    auto& a = *s->mutable_attributes();
    std::string n = std::to_string(seed * kSpansPerBatch + i);
    put(a, "http.request.method", "GET");
    put(a, "http.route", "/api/orders/{id}");
    put(a, "url.full", "https://shop.example.com/api/orders/" + n + "?expand=items");
    put(a, "server.address", "shop.example.com");
    put(a, "user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)");
    put(a, "enduser.id", "user-" + n);
    put(a, "customer.contact", "please email jane.doe" + n + "@example.com about order " + n);
    put(a, "payment.note", "charged card 4111 1111 1111 1111 for order " + n);
    put(a, "db.system", "postgresql");
    put(a, "db.statement", "SELECT * FROM orders WHERE id = $1 AND status = 'open' LIMIT 50");
    for (int e = 0; e < 2; ++e) {
      auto* ev = s->add_events();
      ev->set_name("log");
      put(*ev->mutable_attributes(), "message", "processed step " + std::to_string(e) + " of order " + n);
      put(*ev->mutable_attributes(), "component", "checkout-service");
    }
  }
  return b;
}

size_t text_bytes(const TraceBatch& b) {
  size_t n = 0;
  for (const auto& rs : b.read_parts()[0].request->resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& s : ss.spans()) {
        for (const auto& kv : s.attributes()) n += kv.value().string_value().size();
        for (const auto& ev : s.events())
          for (const auto& kv : ev.attributes()) n += kv.value().string_value().size();
      }
  return n;
}

// `wire`: the batches arrive as received bytes (what the receivers hand on), not as decoded messages.
void run(const char* label, const std::string& yaml, bool wire = false) {
  if (const char* only = std::getenv("BENCH_ONLY"); only && std::string(label).find(only) == std::string::npos) return;
  const auto* f = dynamic_cast<const ProcessorFactory*>(Registry::instance().find(Kind::processor, "redaction"));
  auto cfg = f->parse(ConfigNode(YAML::Load(yaml), "processors::redaction"));
  HoldingSink sink;
  Consumers next;
  next.traces = &sink;
  auto p = f->create(CreateSettings{{"redaction", ""}, "traces"}, *cfg, Signal::traces, next);
  TraceConsumer* in = p->consumers().traces;

  constexpr int kBatches = 200;  // 20,000 spans per round, built before the clock starts
  double best = 1e9;
  size_t bytes = 0;
  for (int round = 0; round < 5; ++round) {
    std::vector<TraceBatch> batches;
    for (int i = 0; i < kBatches; ++i) batches.push_back(make_batch(i));
    bytes = text_bytes(batches[0]) * kBatches;
    if (wire)
      for (auto& b : batches) b = TraceBatch::adopt_wire(b.first().SerializeAsString(), size_t{kSpansPerBatch});
    double t0 = thread_cpu_seconds();
    for (auto& b : batches) (void)in->consume(std::move(b));
    best = std::min(best, thread_cpu_seconds() - t0);
    sink.held.clear();
  }
  double spans = double(kBatches) * kSpansPerBatch;
  std::printf("%-44s %10.0f spans/s  %7.1f MB/s  %6.2f us/span\n", label, spans / best, bytes / best / 1e6,
              best / spans * 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  const bool wire = argc > 1 && std::string(argv[1]) == "--wire";
  if (wire) {
    run("wire: allow_all_keys, default detectors", "allow_all_keys: true\n", true);
    run("wire:   + summary: debug", "allow_all_keys: true\nsummary: debug\n", true);
    run("wire: no detectors, no default keys", "allow_all_keys: true\ndetectors: []\ndefault_sensitive_keys: false\n",
        true);
    run("wire: allowed_keys (5 kept, 5 deleted)",
        "allowed_keys: [http.request.method, http.route, customer.contact, payment.note, message]\n", true);
    return 0;
  }
  run("allow_all_keys, default detectors", "allow_all_keys: true\n");
  run("  + summary: debug", "allow_all_keys: true\nsummary: debug\n");
  run("  + hash_function: hmac-sha256",
      "allow_all_keys: true\nhash_function: hmac-sha256\nhmac_key: 0123456789abcdef0123456789abcdef\n");
  run("all 8 detectors",
      "allow_all_keys: true\ndetectors: [credit_card, email, ipv4, ipv6, jwt, bearer_token, us_ssn, iban]\n");
  run("no detectors, no default keys (floor)", "allow_all_keys: true\ndetectors: []\ndefault_sensitive_keys: false\n");
  run("allowed_keys (5 kept, 5 deleted)",
      "allowed_keys: [http.request.method, http.route, customer.contact, payment.note, message]\n");
  return 0;
}
