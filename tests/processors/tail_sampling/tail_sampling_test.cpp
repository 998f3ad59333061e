// tail_sampling end to end through its factory: whole traces kept by policy, late spans, early decisions, shutdown.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

#include "processors/tail_sampling/helpers.h"
#include "support/daemon.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace otlpd::test::ts;
using namespace std::chrono_literals;

namespace {

enum class TraceKind { normal, error, slow };

struct GenTrace {
  std::string id;
  TraceKind kind = TraceKind::normal;
  std::vector<std::string> span_ids;
};

struct GenSpan {
  size_t trace;
  size_t index;  // 0 is the root
};

// Fills one span of a generated trace: the root lasts 100 ms (2.5 s when slow), children sit inside it;
// an error trace has one child with status ERROR.
void fill(TraceBatch& b, const GenTrace& t, size_t index) {
  const std::string parent = index == 0 ? std::string() : t.span_ids[0];
  Span* s = add_span(b, t.id, t.span_ids[index], parent);
  uint64_t base = 1'700'000'000'000'000'000ull;
  uint64_t root_ms = t.kind == TraceKind::slow ? 2500 : 100;
  if (index == 0) {
    s->set_start_time_unix_nano(base);
    s->set_end_time_unix_nano(base + root_ms * 1'000'000);
  } else {
    s->set_start_time_unix_nano(base + index * 1'000'000);
    s->set_end_time_unix_nano(base + index * 1'000'000 + 5'000'000);
  }
  set_attr(s, "http.route", "/cart");
  if (t.kind == TraceKind::error && index == t.span_ids.size() - 1)
    s->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
}

}  // namespace

TEST_CASE("tail_sampling keeps every error and slow trace whole and a tenth of the rest", "[tail_sampling]") {
  // Given: status_code ERROR, latency 2000 ms and probabilistic 10%, a short decision_wait.
  Harness h("acceptance", R"(
decision_wait: 500ms
num_traces: 100000
policies:
  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
  - {name: slow, type: latency, latency: {threshold_ms: 2000}}
  - {name: some, type: probabilistic, probabilistic: {sampling_percentage: 10}}
)");
  std::mt19937_64 rng(20240611);
  constexpr size_t kTraces = 10000;
  std::vector<GenTrace> traces(kTraces);
  size_t total_spans = 0;
  for (size_t i = 0; i < kTraces; ++i) {
    auto& t = traces[i];
    t.id = random_id(rng);
    size_t roll = i % 20;  // exactly 5% errors, 5% slow
    t.kind = roll == 0 ? TraceKind::error : roll == 1 ? TraceKind::slow : TraceKind::normal;
    size_t n = 5 + rng() % 16;
    for (size_t j = 0; j < n; ++j) t.span_ids.push_back(random_id(rng, 8));
    total_spans += n;
  }
  std::shuffle(traces.begin(), traces.end(), rng);

  // When: 8 traces start per request and each span goes out in one of the 10 requests from its trace's start,
  // shuffled within the request: spans of ~80 traces interleave, out of order, in requests of ~100 spans.
  constexpr size_t kStartsPerRequest = 8, kSpread = 10;
  std::vector<std::vector<GenSpan>> requests(kTraces / kStartsPerRequest + kSpread);
  for (size_t i = 0; i < kTraces; ++i)
    for (size_t j = 0; j < traces[i].span_ids.size(); ++j)
      requests[i / kStartsPerRequest + rng() % kSpread].push_back({i, j});
  size_t sent = 0;
  for (auto& r : requests) {
    std::shuffle(r.begin(), r.end(), rng);
    auto b = TraceBatch::make();
    for (const auto& g : r) fill(b, traces[g.trace], g.index);
    REQUIRE(h.send(std::move(b)).is_ok());
    sent += r.size();
  }
  REQUIRE(sent == total_spans);

  // Then: every trace gets decided, none is left pending.
  REQUIRE(wait_until([&] { return h.decided() == kTraces; }, 30s));
  CHECK(h.pending_traces() == 0);
  auto out = h.capture.snapshot();
  size_t normal = 0, normal_kept = 0;
  for (const auto& t : traces) {
    auto it = out.find(t.id);
    if (t.kind != TraceKind::normal) {
      INFO("error or slow trace kept whole: " << (t.kind == TraceKind::error ? "error" : "slow") << " spans "
                                              << t.span_ids.size());
      REQUIRE(it != out.end());
    } else {
      ++normal;
      if (it != out.end()) ++normal_kept;
    }
    if (it != out.end()) {
      INFO("each exported trace is complete");
      CHECK(it->second == std::set<std::string>(t.span_ids.begin(), t.span_ids.end()));
    }
  }
  double fraction = static_cast<double>(normal_kept) / static_cast<double>(normal);
  INFO("normal traces kept: " << fraction);
  CHECK(fraction >= 0.08);
  CHECK(fraction <= 0.12);
  CHECK(out.size() == kTraces - normal + normal_kept);

  // When: late spans arrive for 100 kept and 100 dropped traces after their decision.
  std::vector<const GenTrace*> kept, dropped;
  for (const auto& t : traces) {
    bool in = out.count(t.id) > 0;
    if (in && kept.size() < 100) kept.push_back(&t);
    if (!in && dropped.size() < 100) dropped.push_back(&t);
  }
  size_t spans_before = h.capture.spans();
  auto late = TraceBatch::make();
  std::vector<std::string> late_ids;
  for (const auto* t : kept) late_ids.push_back(add_span(late, t->id, random_id(rng, 8), t->span_ids[0])->span_id());
  for (const auto* t : dropped) add_span(late, t->id, random_id(rng, 8), t->span_ids[0]);
  REQUIRE(h.send(std::move(late)).is_ok());

  // Then: they follow the decision at once: the kept ones go out, the dropped ones do not start a new trace.
  CHECK(h.capture.spans() == spans_before + kept.size());
  auto after = h.capture.snapshot();
  for (size_t i = 0; i < kept.size(); ++i) CHECK(after[kept[i]->id].count(late_ids[i]) == 1);
  for (const auto* t : dropped) CHECK(after.count(t->id) == 0);
  CHECK(h.pending_traces() == 0);
  CHECK(h.counter("otelcol_processor_tail_sampling_sampling_late_spans", {{"decision", "sampled"}}) == kept.size());
  CHECK(h.counter("otelcol_processor_tail_sampling_sampling_late_spans", {{"decision", "not_sampled"}}) ==
        dropped.size());
  CHECK(h.counter("otelcol_processor_tail_sampling_count_traces_sampled",
                  {{"policy", "errors"}, {"sampled", "true"}}) == kTraces / 20);
}

TEST_CASE("tail_sampling decides sooner once the root span has arrived", "[tail_sampling]") {
  // Given: a long decision_wait, and a short wait after the root.
  Harness h("root", R"(
decision_wait: 1h
decision_wait_after_root_received: 100ms
policies: [{name: all, type: always_sample}]
)");
  std::mt19937_64 rng(7);
  std::string with_root = random_id(rng), without_root = random_id(rng);
  std::string root_id = random_id(rng, 8);
  // When: one trace receives its children and then its root; the other only children.
  auto b = TraceBatch::make();
  add_span(b, with_root, random_id(rng, 8), root_id);
  add_span(b, without_root, random_id(rng, 8), random_id(rng, 8));
  REQUIRE(h.send(std::move(b)).is_ok());
  auto r = TraceBatch::make();
  add_span(r, with_root, root_id);
  REQUIRE(h.send(std::move(r)).is_ok());
  // Then: the rooted trace is decided and sent whole; the other one still waits.
  REQUIRE(wait_until([&] { return h.capture.has(with_root); }, 10s));
  CHECK(h.capture.snapshot()[with_root].size() == 2);
  CHECK_FALSE(h.capture.has(without_root));
  CHECK(h.pending_traces() == 1);
}

TEST_CASE("tail_sampling shutdown decides every pending trace", "[tail_sampling]") {
  // Given: traces that would wait an hour.
  Harness h("shutdown", R"(
decision_wait: 1h
policies: [{name: all, type: always_sample}]
)");
  std::mt19937_64 rng(8);
  for (int i = 0; i < 100; ++i) {
    auto b = TraceBatch::make();
    std::string id = random_id(rng);
    add_span(b, id, random_id(rng, 8));
    add_span(b, id, random_id(rng, 8));
    REQUIRE(h.send(std::move(b)).is_ok());
  }
  CHECK(h.pending_traces() == 100);
  CHECK(h.capture.spans() == 0);
  // When: the processor shuts down.
  h.shutdown();
  // Then: all of them went out before shutdown returned, and nothing is pending.
  CHECK(h.capture.traces() == 100);
  CHECK(h.capture.spans() == 200);
  CHECK(h.pending_traces() == 0);
  CHECK(h.gauge("otelcol_processor_tail_sampling_sampling_spans_on_memory") == 0);
  CHECK(h.gauge("otelcol_processor_tail_sampling_sampling_bytes_on_memory") == 0);
}

TEST_CASE("tail_sampling can drop pending traces on shutdown, counted", "[tail_sampling]") {
  Harness h("shutdown_drop", R"(
decision_wait: 1h
drop_pending_traces_on_shutdown: true
policies: [{name: all, type: always_sample}]
)");
  std::mt19937_64 rng(9);
  auto b = TraceBatch::make();
  for (int i = 0; i < 10; ++i) add_span(b, random_id(rng), random_id(rng, 8));
  REQUIRE(h.send(std::move(b)).is_ok());
  h.shutdown();
  CHECK(h.capture.spans() == 0);
  CHECK(h.counter("otelcol_processor_dropped_spans") == 10);
  CHECK(h.pending_traces() == 0);
}

TEST_CASE("tail_sampling decides the oldest traces early when num_traces is reached", "[tail_sampling]") {
  // Given: room for 10 traces and a long wait.
  Harness h("num_traces", R"(
decision_wait: 1h
num_traces: 10
policies: [{name: all, type: always_sample}]
)");
  std::mt19937_64 rng(10);
  std::vector<std::string> ids;
  // When: 100 traces arrive one after another.
  for (int i = 0; i < 100; ++i) {
    ids.push_back(random_id(rng));
    auto b = TraceBatch::make();
    add_span(b, ids.back(), random_id(rng, 8));
    REQUIRE(h.send(std::move(b)).is_ok());
  }
  // Then: the oldest ones are decided (and sent), never silently evicted, and each early decision is counted.
  REQUIRE(wait_until([&] { return h.pending_traces() <= 10; }, 10s));
  auto early = h.counter("otelcol_processor_tail_sampling_early_decisions", {{"reason", "num_traces"}});
  CHECK(early == 100 - static_cast<uint64_t>(h.pending_traces()));
  CHECK(h.capture.traces() == early);
  CHECK(h.capture.has(ids.front()));
  CHECK_FALSE(h.capture.has(ids.back()));
  h.shutdown();
  CHECK(h.capture.traces() == 100);
}

TEST_CASE("tail_sampling gauges go up with pending spans and down after decisions", "[tail_sampling]") {
  Harness h("gauges", R"(
decision_wait: 200ms
policies: [{name: none, type: probabilistic, probabilistic: {sampling_percentage: 0}}]
)");
  std::mt19937_64 rng(11);
  auto b = TraceBatch::make();
  std::string id = random_id(rng);
  for (int i = 0; i < 5; ++i) add_span(b, id, random_id(rng, 8));
  REQUIRE(h.send(std::move(b)).is_ok());
  // Right after ingest the trace is pending (the decision is 200 ms away, unless the machine stalls).
  auto spans = h.gauge("otelcol_processor_tail_sampling_sampling_spans_on_memory");
  auto bytes = h.gauge("otelcol_processor_tail_sampling_sampling_bytes_on_memory");
  CHECK((spans == 5 || h.decided() == 1));
  CHECK((bytes > 0 || h.decided() == 1));
  REQUIRE(wait_until([&] { return h.decided() == 1; }, 10s));
  CHECK(h.gauge("otelcol_processor_tail_sampling_sampling_spans_on_memory") == 0);
  CHECK(h.gauge("otelcol_processor_tail_sampling_sampling_bytes_on_memory") == 0);
  CHECK(h.pending_traces() == 0);
  CHECK(h.capture.spans() == 0);
  CHECK(h.counter("otelcol_processor_tail_sampling_count_traces_sampled", {{"policy", "none"}, {"sampled", "false"}}) ==
        1);
}

TEST_CASE("tail_sampling keeps resources and scopes of a trace split across them", "[tail_sampling]") {
  Harness h("resources", R"(
decision_wait: 100ms
policies: [{name: all, type: always_sample}]
)");
  std::mt19937_64 rng(12);
  std::string id = random_id(rng);
  auto b = TraceBatch::make();
  auto& req = b.first();
  std::map<std::string, std::string> expected;  // span id → service/scope/schema
  for (int r = 0; r < 2; ++r) {
    auto* rs = req.add_resource_spans();
    rs->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
    auto* kv = rs->mutable_resource()->add_attributes();
    kv->set_key("service.name");
    kv->mutable_value()->set_string_value(r == 0 ? "a" : "b");
    for (int s = 0; s < 2; ++s) {
      auto* ss = rs->add_scope_spans();
      ss->mutable_scope()->set_name("scope" + std::to_string(s));
      auto* span = ss->add_spans();
      span->set_trace_id(id);
      span->set_span_id(random_id(rng, 8));
      expected[span->span_id()] =
          std::string(r == 0 ? "a" : "b") + "/scope" + std::to_string(s) + "/https://opentelemetry.io/schemas/1.21.0";
      auto* other = ss->add_spans();  // another trace in the same scope
      other->set_trace_id(random_id(rng));
      other->set_span_id(random_id(rng, 8));
    }
  }
  REQUIRE(h.send(std::move(b)).is_ok());
  REQUIRE(wait_until([&] { return h.capture.spans() == 8; }, 10s));
  CHECK(h.capture.snapshot()[id].size() == 4);
  for (const auto& [span_id, origin] : expected) CHECK(h.capture.origin(span_id) == origin);
}

TEST_CASE("tail_sampling: a drop policy overrides every sample decision", "[tail_sampling]") {
  // Given: always_sample, an inverted string policy that would sample, and a drop policy for health checks.
  Harness h("drop_wins", R"(
decision_wait: 100ms
policies:
  - {name: all, type: always_sample}
  - {name: not-debug, type: string_attribute, string_attribute: {key: debug, values: ["yes"], invert_match: true}}
  - name: no-health
    type: drop
    drop:
      drop_sub_policy:
        - {name: health, type: string_attribute, string_attribute: {key: http.route, values: [/health]}}
)");
  std::mt19937_64 rng(13);
  std::string health = random_id(rng), api = random_id(rng);
  auto b = TraceBatch::make();
  set_attr(add_span(b, health, random_id(rng, 8)), "http.route", "/health");
  set_attr(add_span(b, api, random_id(rng, 8)), "http.route", "/api");
  REQUIRE(h.send(std::move(b)).is_ok());
  // Then: the health trace is dropped, the other kept.
  REQUIRE(wait_until([&] { return h.decided() == 2; }, 10s));
  CHECK(h.capture.has(api));
  CHECK_FALSE(h.capture.has(health));
  CHECK(h.counter("otelcol_processor_tail_sampling_count_traces_sampled", {{"policy", "all"}, {"sampled", "true"}}) ==
        2);
}

TEST_CASE("tail_sampling: sample_on_first_match stops at the first sampling policy", "[tail_sampling]") {
  Harness h("first_match", R"(
decision_wait: 100ms
sample_on_first_match: true
policies:
  - {name: first, type: always_sample}
  - {name: second, type: always_sample}
)");
  std::mt19937_64 rng(14);
  auto b = TraceBatch::make();
  add_span(b, random_id(rng), random_id(rng, 8));
  REQUIRE(h.send(std::move(b)).is_ok());
  REQUIRE(wait_until([&] { return h.decided() == 1; }, 10s));
  CHECK(h.capture.traces() == 1);
  CHECK(h.counter("otelcol_processor_tail_sampling_count_traces_sampled", {{"policy", "first"}, {"sampled", "true"}}) ==
        1);
  CHECK(h.counter("otelcol_processor_tail_sampling_count_traces_sampled",
                  {{"policy", "second"}, {"sampled", "true"}}) == 0);
}
