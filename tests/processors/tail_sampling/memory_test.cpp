// tail_sampling memory: pending spans cost at most twice their wire size; max_memory_mib bounds RSS.
#include <malloc.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <string>

#include "processors/tail_sampling/helpers.h"
#include "support/daemon.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace otlpd::test::ts;
using namespace std::chrono_literals;

namespace {

// RSS under AddressSanitizer (shadow memory, quarantine) says nothing about the processor: skip there.
#ifdef OTLPD_SANITIZE
constexpr bool kMeasurable = false;
#else
constexpr bool kMeasurable = true;
#endif

// Resident set size of this process in bytes, after giving freed heap back to the system.
int64_t rss_bytes() {
  malloc_trim(0);
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  return -1;
}

// The span shape of these tests: a server span with a 22-byte name, random ids, a parent (except roots),
// kind, status and 5 attributes (4 strings, 1 int) — about 230 bytes on the wire.
void shaped_span(TraceBatch& b, std::mt19937_64& rng, const std::string& trace_id, bool root) {
  Span* s = add_span(b, trace_id, random_id(rng, 8), root ? std::string() : random_id(rng, 8));
  s->set_name("GET /api/v1/items/{id}");
  s->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
  s->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_OK);
  set_attr(s, "http.method", "GET");
  set_attr(s, "http.route", "/api/v1/items/{id}");
  set_attr(s, "net.peer.name", "host-" + std::to_string(rng() % 1000) + ".example.com");
  set_attr(s, "user.id", "u-" + std::to_string(rng() % 1000000));
  auto* kv = s->add_attributes();
  kv->set_key("http.status_code");
  kv->mutable_value()->set_int_value(200);
}

}  // namespace

TEST_CASE("tail_sampling holds a million pending spans in at most twice their wire size", "[tail_sampling][memory]") {
  if (!kMeasurable) {
    WARN("skipped: RSS is not measurable under sanitizers");
    return;
  }
  // Given: nothing is decided for an hour.
  Harness h("memory_pending", R"(
decision_wait: 1h
num_traces: 1000000
drop_pending_traces_on_shutdown: true
policies: [{name: all, type: always_sample}]
)");
  std::mt19937_64 rng(42);
  int64_t before = rss_bytes();
  // When: 100,000 traces of 10 spans arrive interleaved, 1000 spans per request from 200 traces at a time.
  constexpr int kTraces = 100000, kSpansPerTrace = 10, kPerRequest = 1000;
  size_t wire = 0;
  for (int base = 0; base < kTraces; base += 100) {
    std::vector<std::string> ids;
    for (int i = 0; i < 100; ++i) ids.push_back(random_id(rng));
    auto b = TraceBatch::make();
    for (int k = 0; k < kSpansPerTrace; ++k)
      for (int i = 0; i < 100; ++i) shaped_span(b, rng, ids[static_cast<size_t>(i)], k == 0);
    static_assert(kSpansPerTrace * 100 == kPerRequest);
    wire += b.first().ByteSizeLong();
    REQUIRE(h.send(std::move(b)).is_ok());
  }
  int64_t after = rss_bytes();
  // Then: all are pending, and RSS grew by at most twice their serialised size.
  CHECK(h.pending_traces() == kTraces);
  CHECK(h.gauge("otelcol_processor_tail_sampling_sampling_spans_on_memory") == kTraces * kSpansPerTrace);
  auto growth = after - before;
  INFO("wire bytes: " << wire << ", RSS growth: " << growth << " (" << static_cast<double>(growth) / wire << "x)"
                      << ", accounted: " << h.gauge("otelcol_processor_tail_sampling_sampling_bytes_on_memory"));
  CHECK(growth <= static_cast<int64_t>(2 * wire));
  WARN("1M pending spans: wire " << wire / 1048576 << " MiB, RSS growth " << growth / 1048576 << " MiB ("
                                 << static_cast<double>(growth) / static_cast<double>(wire) << "x)");
}

TEST_CASE("tail_sampling max_memory_mib bounds RSS by deciding the oldest traces early, counted",
          "[tail_sampling][memory]") {
  if (!kMeasurable) {
    WARN("skipped: RSS is not measurable under sanitizers");
    return;
  }
  // Given: a 64 MiB bound, a long decision_wait and room for many traces.
  Harness h("memory_bound", R"(
decision_wait: 1h
num_traces: 100000000
max_memory_mib: 64
policies: [{name: few, type: probabilistic, probabilistic: {sampling_percentage: 0.1}}]
)");
  std::mt19937_64 rng(43);
  int64_t before = rss_bytes();
  int64_t peak = 0;
  // When: 3,000,000 spans of distinct traces arrive.
  constexpr int kSpans = 3000000, kPerRequest = 1000;
  for (int sent = 0; sent < kSpans; sent += kPerRequest) {
    auto b = TraceBatch::make();
    for (int i = 0; i < kPerRequest; ++i) shaped_span(b, rng, random_id(rng), true);
    Status st = h.send(std::move(b));
    REQUIRE(st.is_ok());
    if (sent % 200000 == 0) peak = std::max(peak, rss_bytes() - before);
  }
  peak = std::max(peak, rss_bytes() - before);
  // Then: RSS stayed within 64 + 32 MiB, and every trace decided before its time was counted.
  INFO("peak RSS growth: " << peak / 1048576 << " MiB");
  CHECK(peak <= (64 + 32) * 1048576ll);
  auto early = [&] { return h.counter("otelcol_processor_tail_sampling_early_decisions", {{"reason", "memory"}}); };
  // The decision thread settles: every trace not pending was decided early, and each was counted once.
  CHECK(wait_until(
      [&] { return h.decided() == early() && early() == static_cast<uint64_t>(kSpans - h.pending_traces()); }, 30s));
  auto pending = h.pending_traces();
  CHECK(early() > 0);
  CHECK(early() == static_cast<uint64_t>(kSpans - pending));
  CHECK(h.gauge("otelcol_processor_tail_sampling_sampling_bytes_on_memory") <= 64 * 1048576ll);
  WARN("max_memory_mib 64, 3M spans: peak RSS growth " << peak / 1048576 << " MiB, early decisions " << early()
                                                       << ", pending at end " << pending);
}
