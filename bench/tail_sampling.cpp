// Benchmark: spans per second through tail_sampling on one core, and the lateness of its decisions.
//
//   bench_tail_sampling [spans=2000000] [decision_wait_ms=1000]
//
// The process is pinned to one CPU, so ingestion (this thread) and the decision thread share it. Traces have
// 10 spans of the memory test's shape, interleaved 100 traces per 1000-span request. Policies: status_code
// ERROR, latency 2000 ms, probabilistic 10%. Two runs: (1) as fast as possible, for throughput; (2) paced at
// half that throughput, for decision lateness = when a sampled trace reaches the next consumer − (when its
// first span was sent + decision_wait), over the sampled traces. (At full speed the one core is saturated by
// ingestion, and lateness then only measures the backlog.)
#include <sched.h>
#include <time.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "config/node.h"
#include "core/registry.h"
#include "model/batch.h"
#include "platform/telemetry.h"

using namespace otlpd;
using Clock = std::chrono::steady_clock;
using opentelemetry::proto::trace::v1::Span;

namespace {

std::string random_id(std::mt19937_64& rng, size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng();
    for (size_t j = 0; j < 8 && i + j < n; ++j) out[i + j] = static_cast<char>(v >> (8 * j));
  }
  return out;
}

class NullHost final : public Host {
 public:
  Extension* extension(const ComponentId&) const override { return nullptr; }
};

// Notes when each sampled trace first arrives.
class Sink final : public TraceConsumer {
 public:
  explicit Sink(const std::unordered_map<std::string, size_t>& index, std::vector<Clock::time_point>& seen)
      : index_(index), seen_(seen) {}
  Status consume(TraceBatch b) override {
    auto now = Clock::now();
    std::lock_guard lock(mu_);
    for (const auto& p : b.read_parts())
      for (const auto& rs : p.request->resource_spans())
        for (const auto& ss : rs.scope_spans())
          for (const auto& s : ss.spans()) {
            ++spans;
            auto it = index_.find(s.trace_id());
            if (it != index_.end() && seen_[it->second] == Clock::time_point{}) seen_[it->second] = now;
          }
    return Status::ok();
  }
  size_t spans = 0;

 private:
  std::mutex mu_;
  const std::unordered_map<std::string, size_t>& index_;
  std::vector<Clock::time_point>& seen_;
};

// CPU seconds used by the whole process (both threads): robust against other load on the machine.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Result {
  double spans_per_second = 0;
};

// One run; `rate` spans per second, 0 for as fast as possible.
Result run(const std::string& name, size_t total_spans, int wait_ms, double rate) {
  // Requests built up front: the benchmark measures the processor, not the generator.
  std::mt19937_64 rng(1);
  size_t traces = total_spans / 10;
  std::vector<std::string> ids(traces);
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < traces; ++i) {
    ids[i] = random_id(rng, 16);
    index[ids[i]] = i;
  }
  std::vector<TraceBatch> requests;
  for (size_t base = 0; base < traces; base += 100) {
    auto b = TraceBatch::make();
    auto* rs = b.first().add_resource_spans();
    auto* kv = rs->mutable_resource()->add_attributes();
    kv->set_key("service.name");
    kv->mutable_value()->set_string_value("bench");
    auto* ss = rs->add_scope_spans();
    ss->mutable_scope()->set_name("bench");
    for (int k = 0; k < 10; ++k)
      for (size_t i = base; i < base + 100 && i < traces; ++i) {
        Span* s = ss->add_spans();
        s->set_trace_id(ids[i]);
        s->set_span_id(random_id(rng, 8));
        if (k) s->set_parent_span_id(random_id(rng, 8));
        s->set_name("GET /api/v1/items/{id}");
        s->set_kind(Span::SPAN_KIND_SERVER);
        s->set_start_time_unix_nano(1'700'000'000'000'000'000ull);
        uint64_t ms = (rng() % 100 == 0) ? 2500 : 50;
        s->set_end_time_unix_nano(1'700'000'000'000'000'000ull + ms * 1'000'000);
        if (rng() % 100 == 0) s->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
        const char* keys[] = {"http.method", "http.route", "net.peer.name", "user.id"};
        const char* values[] = {"GET", "/api/v1/items/{id}", "host-17.example.com", "u-123456"};
        for (int a = 0; a < 4; ++a) {
          auto* at = s->add_attributes();
          at->set_key(keys[a]);
          at->mutable_value()->set_string_value(values[a]);
        }
        auto* at = s->add_attributes();
        at->set_key("http.status_code");
        at->mutable_value()->set_int_value(200);
      }
    requests.push_back(std::move(b));
  }

  std::vector<Clock::time_point> first_sent(traces), seen(traces);
  Sink sink(index, seen);
  const auto* f = dynamic_cast<const ProcessorFactory*>(Registry::instance().find(Kind::processor, "tail_sampling"));
  std::string yaml = "decision_wait: " + std::to_string(wait_ms) +
                     "ms\nnum_traces: 10000000\npolicies:\n"
                     "  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}\n"
                     "  - {name: slow, type: latency, latency: {threshold_ms: 2000}}\n"
                     "  - {name: some, type: probabilistic, probabilistic: {sampling_percentage: 10}}\n";
  auto cfg = f->parse(ConfigNode(YAML::Load(yaml), "processors::tail_sampling"));
  CreateSettings cs;
  cs.id = ComponentId{"tail_sampling", name};
  auto proc = f->create(cs, *cfg, Signal::traces, Consumers{&sink, nullptr, nullptr});
  NullHost host;
  proc->start(host);
  auto decided = [&] {
    Labels t{{"processor", "tail_sampling/" + name}, {"sampled", "true"}};
    Labels n{{"processor", "tail_sampling/" + name}, {"sampled", "false"}};
    return Telemetry::global().counter_value("otelcol_processor_tail_sampling_global_count_traces_sampled", t) +
           Telemetry::global().counter_value("otelcol_processor_tail_sampling_global_count_traces_sampled", n);
  };

  auto start = Clock::now();
  double cpu_start = cpu_seconds();
  size_t r = 0;
  for (auto& b : requests) {
    if (rate > 0)  // pacing: request r is due at r * 1000 / rate seconds
      std::this_thread::sleep_until(
          start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(r * 1000.0 / rate)));
    auto now = Clock::now();
    for (size_t i = r * 100; i < std::min(traces, r * 100 + 100); ++i) first_sent[i] = now;
    ++r;
    Status st = proc->consumers().traces->consume(std::move(b));
    if (!st.is_ok()) {
      std::fprintf(stderr, "refused: %s\n", st.message().c_str());
      std::exit(1);
    }
  }
  auto ingested = Clock::now();
  while (decided() < traces) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling a counter
  auto done = Clock::now();
  double cpu_used = cpu_seconds() - cpu_start;
  proc->shutdown(Clock::now() + std::chrono::seconds(10));

  double ingest_s = std::chrono::duration<double>(ingested - start).count();
  // Deciding ends decision_wait after the last trace started; what is left is processing time.
  double busy_s = std::chrono::duration<double>(done - start).count() - wait_ms / 1000.0;
  std::vector<double> late_ms;
  for (size_t i = 0; i < traces; ++i)
    if (seen[i] != Clock::time_point{})
      late_ms.push_back(std::chrono::duration<double, std::milli>(seen[i] - first_sent[i]).count() - wait_ms);
  std::sort(late_ms.begin(), late_ms.end());
  auto pct = [&](double p) {
    return late_ms.empty() ? 0.0 : late_ms[std::min(late_ms.size() - 1, static_cast<size_t>(p * late_ms.size()))];
  };
  std::printf(
      "[%s] spans: %zu in %zu traces, decision_wait %d ms, 1 CPU, %s\n", name.c_str(), total_spans, traces, wait_ms,
      rate > 0 ? ("paced at " + std::to_string(static_cast<long>(rate)) + " spans/s").c_str() : "as fast as possible");
  std::printf("ingest: %.0f spans/s (%.2f s)\n", total_spans / ingest_s, ingest_s);
  std::printf("ingest+decide: %.0f spans/s (%.2f s busy)\n", total_spans / busy_s, busy_s);
  std::printf("CPU: %.2f s, %.0f spans per CPU-second (ingest + decide + next consumer)\n", cpu_used,
              total_spans / cpu_used);
  std::printf("sampled traces: %zu, spans out: %zu\n", late_ms.size(), sink.spans);
  std::printf("decision lateness ms: p50 %.2f  p99 %.2f  max %.2f\n", pct(0.5), pct(0.99),
              late_ms.empty() ? 0.0 : late_ms.back());
  return Result{total_spans / busy_s};
}

}  // namespace

int main(int argc, char** argv) {
  size_t total_spans = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2000000;
  int wait_ms = argc > 2 ? std::atoi(argv[2]) : 1000;
  total_spans -= total_spans % 1000;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  if (sched_setaffinity(0, sizeof(set), &set) != 0) std::perror("sched_setaffinity");
  Result full = run("full_speed", total_spans, wait_ms, 0);
  run("paced", total_spans, wait_ms, full.spans_per_second / 2);
  return 0;
}
