// tail_sampling policies one by one, how decisions combine, the decision cache and config errors.
#include <catch2/catch.hpp>

#include <random>

#include "processors/tail_sampling/config.h"
#include "processors/tail_sampling/decision_cache.h"
#include "processors/tail_sampling/helpers.h"
#include "processors/tail_sampling/policies.h"

using namespace otlpd;
using namespace otlpd::tail_sampling;
using namespace otlpd::test::ts;
using namespace std::chrono_literals;
using SpanStatus = opentelemetry::proto::trace::v1::Status;

namespace {

// The first policy of a processor config holding just `policy_yaml` (a flow map).
PolicyPtr policy(const std::string& policy_yaml) {
  auto cfg = parse_config(ConfigNode(YAML::Load("policies: [" + policy_yaml + "]"), "processors::tail_sampling"));
  return make_policy(cfg->policies.at(0));
}

struct Trace {
  TraceBatch batch = TraceBatch::make();
  std::string id = std::string(16, '\x11');
  int next = 0;
  otlp_trace::ExportTraceServiceRequest scratch;
  Span* span(const std::string& parent = "p") {
    return add_span(batch, id, std::string(8, static_cast<char>(++next)), parent);
  }
  Decision eval(Policy& p, Clock::time_point now = Clock::now()) {
    std::string wire = batch.serialize();
    TraceData td(wire, batch.item_count(), id, scratch);
    return p.evaluate(td, now);
  }
};

void set_int(Span* s, const std::string& key, int64_t v) {
  auto* kv = s->add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_int_value(v);
}
void set_bool(Span* s, const std::string& key, bool v) {
  auto* kv = s->add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_bool_value(v);
}

}  // namespace

TEST_CASE("always_sample samples", "[tail_sampling]") {
  Trace t;
  t.span();
  CHECK(t.eval(*policy("{name: a, type: always_sample}")) == Decision::sampled);
}

TEST_CASE("latency samples traces from first start to last end over the threshold", "[tail_sampling]") {
  auto p = policy("{name: l, type: latency, latency: {threshold_ms: 2000}}");
  auto bounded = policy("{name: l, type: latency, latency: {threshold_ms: 1000, upper_threshold_ms: 3000}}");
  Trace fast;
  auto* a = fast.span();
  a->set_end_time_unix_nano(a->start_time_unix_nano() + 1500'000'000);
  CHECK(fast.eval(*p) == Decision::not_sampled);
  CHECK(fast.eval(*bounded) == Decision::sampled);
  // Two spans that together cover 2.5 s.
  Trace slow;
  auto* s1 = slow.span();
  auto* s2 = slow.span();
  s2->set_start_time_unix_nano(s1->start_time_unix_nano() + 1000'000'000);
  s2->set_end_time_unix_nano(s1->start_time_unix_nano() + 2500'000'000);
  CHECK(slow.eval(*p) == Decision::sampled);
  CHECK(slow.eval(*bounded) == Decision::sampled);
  Trace very_slow;
  auto* v = very_slow.span();
  v->set_end_time_unix_nano(v->start_time_unix_nano() + 5000'000'000);
  CHECK(very_slow.eval(*bounded) == Decision::not_sampled);
}

TEST_CASE("numeric_attribute matches span and resource values in range, or inverted", "[tail_sampling]") {
  auto p = policy(
      "{name: n, type: numeric_attribute, numeric_attribute: {key: http.status_code, min_value: 500, max_value: 599}}");
  auto inv = policy(
      "{name: n, type: numeric_attribute, numeric_attribute: {key: http.status_code, min_value: 500, max_value: 599, "
      "invert_match: true}}");
  Trace bad, ok, res;
  set_int(bad.span(), "http.status_code", 503);
  set_int(ok.span(), "http.status_code", 200);
  res.span();
  auto* kv = res.batch.first().mutable_resource_spans(0)->mutable_resource()->add_attributes();
  kv->set_key("http.status_code");
  kv->mutable_value()->set_int_value(500);
  CHECK(bad.eval(*p) == Decision::sampled);
  CHECK(ok.eval(*p) == Decision::not_sampled);
  CHECK(res.eval(*p) == Decision::sampled);
  CHECK(bad.eval(*inv) == Decision::inverted_not_sampled);
  CHECK(ok.eval(*inv) == Decision::inverted_sampled);
}

TEST_CASE("probabilistic is deterministic on the trace id and near its percentage", "[tail_sampling]") {
  auto p = policy("{name: p, type: probabilistic, probabilistic: {sampling_percentage: 25}}");
  auto salted = policy("{name: p, type: probabilistic, probabilistic: {sampling_percentage: 25, hash_salt: pepper}}");
  auto all = policy("{name: p, type: probabilistic, probabilistic: {sampling_percentage: 100}}");
  auto none = policy("{name: p, type: probabilistic, probabilistic: {sampling_percentage: 0}}");
  std::mt19937_64 rng(1);
  int sampled = 0, same = 0, differ = 0;
  for (int i = 0; i < 20000; ++i) {
    Trace t;
    t.id = random_id(rng);
    t.span();
    auto d = t.eval(*p);
    CHECK(t.eval(*p) == d);
    if (d == Decision::sampled) ++sampled;
    (t.eval(*salted) == d ? same : differ) += 1;
    CHECK(t.eval(*all) == Decision::sampled);
    CHECK(t.eval(*none) == Decision::not_sampled);
  }
  CHECK(sampled > 20000 * 0.23);
  CHECK(sampled < 20000 * 0.27);
  CHECK(differ > 1000);  // another salt picks other traces
}

TEST_CASE("status_code samples traces with a span of a listed status", "[tail_sampling]") {
  auto p = policy("{name: s, type: status_code, status_code: {status_codes: [ERROR]}}");
  auto unset = policy("{name: s, type: status_code, status_code: {status_codes: [UNSET, OK]}}");
  Trace err, fine;
  err.span();
  err.span()->mutable_status()->set_code(SpanStatus::STATUS_CODE_ERROR);
  fine.span()->mutable_status()->set_code(SpanStatus::STATUS_CODE_OK);
  CHECK(err.eval(*p) == Decision::sampled);
  CHECK(fine.eval(*p) == Decision::not_sampled);
  CHECK(err.eval(*unset) == Decision::sampled);  // its first span is UNSET
  CHECK(fine.eval(*unset) == Decision::sampled);
}

TEST_CASE("string_attribute matches exact values, regexes, and inverts", "[tail_sampling]") {
  auto exact = policy("{name: s, type: string_attribute, string_attribute: {key: route, values: [/a, /b]}}");
  auto regex = policy(
      "{name: s, type: string_attribute, string_attribute: {key: route, values: ['^/api/.*$'], enabled_regex_matching: "
      "true, cache_max_size: 2}}");
  auto inv = policy(
      "{name: s, type: string_attribute, string_attribute: {key: route, values: [/health], invert_match: true}}");
  Trace a, api, health;
  set_attr(a.span(), "route", "/a");
  set_attr(api.span(), "route", "/api/v1/users");
  set_attr(health.span(), "route", "/health");
  CHECK(a.eval(*exact) == Decision::sampled);
  CHECK(api.eval(*exact) == Decision::not_sampled);
  for (int i = 0; i < 3; ++i) {  // second time from the regex cache
    CHECK(api.eval(*regex) == Decision::sampled);
    CHECK(a.eval(*regex) == Decision::not_sampled);
    CHECK(health.eval(*regex) == Decision::not_sampled);
  }
  CHECK(health.eval(*inv) == Decision::inverted_not_sampled);
  CHECK(a.eval(*inv) == Decision::inverted_sampled);
}

TEST_CASE("boolean_attribute matches the value, or inverts", "[tail_sampling]") {
  auto p = policy("{name: b, type: boolean_attribute, boolean_attribute: {key: debug, value: true}}");
  auto inv =
      policy("{name: b, type: boolean_attribute, boolean_attribute: {key: debug, value: true, invert_match: true}}");
  Trace yes, no, missing;
  set_bool(yes.span(), "debug", true);
  set_bool(no.span(), "debug", false);
  missing.span();
  CHECK(yes.eval(*p) == Decision::sampled);
  CHECK(no.eval(*p) == Decision::not_sampled);
  CHECK(missing.eval(*p) == Decision::not_sampled);
  CHECK(yes.eval(*inv) == Decision::inverted_not_sampled);
  CHECK(missing.eval(*inv) == Decision::inverted_sampled);
}

TEST_CASE("ottl_condition samples when a span or span event condition holds, error_mode on failures",
          "[tail_sampling][ottl]") {
  // The Collector's testdata policy: span and spanevent conditions.
  auto p = policy(
      "{name: o, type: ottl_condition, ottl_condition: {error_mode: ignore, span: ['attributes[\"test_attr_key_1\"] "
      "== \"test_attr_val_1\"'], spanevent: ['name == \"test_span_event_name\"']}}");
  Trace by_span, by_event, neither;
  auto* s = by_span.span();
  auto* kv = s->add_attributes();
  kv->set_key("test_attr_key_1");
  kv->mutable_value()->set_string_value("test_attr_val_1");
  by_event.span()->add_events()->set_name("test_span_event_name");
  neither.span()->add_events()->set_name("other");
  CHECK(by_span.eval(*p) == Decision::sampled);
  CHECK(by_event.eval(*p) == Decision::sampled);
  CHECK(neither.eval(*p) == Decision::not_sampled);

  // A failing condition: propagate decides not sampled at once; ignore goes on to the next condition.
  const std::string conds = "span: ['Substring(name, 0, 50) == \"x\"', 'IsRootSpan() or true']";
  Trace t;
  t.span();
  CHECK(t.eval(*policy("{name: o, type: ottl_condition, ottl_condition: {" + conds + "}}")) == Decision::not_sampled);
  CHECK(t.eval(*policy("{name: o, type: ottl_condition, ottl_condition: {error_mode: silent, " + conds + "}}")) ==
        Decision::sampled);
}

TEST_CASE("trace_state matches a key's value among the listed ones", "[tail_sampling]") {
  auto p = policy("{name: t, type: trace_state, trace_state: {key: vendor, values: [keep, also]}}");
  Trace yes, no;
  yes.span()->set_trace_state("other=1, vendor=keep");
  no.span()->set_trace_state("vendor=drop,x=keep");
  CHECK(yes.eval(*p) == Decision::sampled);
  CHECK(no.eval(*p) == Decision::not_sampled);
}

TEST_CASE("rate_limiting samples up to spans_per_second each second", "[tail_sampling]") {
  auto p = policy("{name: r, type: rate_limiting, rate_limiting: {spans_per_second: 10}}");
  Trace t;
  for (int i = 0; i < 4; ++i) t.span();
  auto now = Clock::now();
  CHECK(t.eval(*p, now) == Decision::sampled);      // 4
  CHECK(t.eval(*p, now) == Decision::sampled);      // 8
  CHECK(t.eval(*p, now) == Decision::not_sampled);  // 12 > 10
  CHECK(t.eval(*p, now + 1s) == Decision::sampled);
}

TEST_CASE("bytes_limiting is a token bucket of bytes", "[tail_sampling]") {
  Trace t;
  t.span();
  auto size = static_cast<int64_t>(t.batch.first().ByteSizeLong());
  auto p = policy("{name: b, type: bytes_limiting, bytes_limiting: {bytes_per_second: " + std::to_string(size) +
                  ", burst_capacity: " + std::to_string(2 * size) + "}}");
  auto now = Clock::now();
  CHECK(t.eval(*p, now) == Decision::sampled);
  CHECK(t.eval(*p, now) == Decision::sampled);
  CHECK(t.eval(*p, now) == Decision::not_sampled);   // burst used up
  CHECK(t.eval(*p, now + 1s) == Decision::sampled);  // one second refills one trace
  CHECK(t.eval(*p, now + 1s) == Decision::not_sampled);
}

TEST_CASE("span_count samples traces within the bounds", "[tail_sampling]") {
  auto p = policy("{name: c, type: span_count, span_count: {min_spans: 2, max_spans: 3}}");
  Trace one, two, four;
  one.span();
  for (int i = 0; i < 2; ++i) two.span();
  for (int i = 0; i < 4; ++i) four.span();
  CHECK(one.eval(*p) == Decision::not_sampled);
  CHECK(two.eval(*p) == Decision::sampled);
  CHECK(four.eval(*p) == Decision::not_sampled);
}

TEST_CASE("and samples when every sub-policy does, inverted sub-decisions count as plain", "[tail_sampling]") {
  auto p = policy(R"({name: a, type: and, and: {and_sub_policy: [
      {name: s, type: status_code, status_code: {status_codes: [ERROR]}},
      {name: h, type: string_attribute, string_attribute: {key: route, values: [/health], invert_match: true}}]}})");
  Trace err_api, err_health, ok_api;
  auto* s = err_api.span();
  s->mutable_status()->set_code(SpanStatus::STATUS_CODE_ERROR);
  set_attr(s, "route", "/api");
  s = err_health.span();
  s->mutable_status()->set_code(SpanStatus::STATUS_CODE_ERROR);
  set_attr(s, "route", "/health");
  set_attr(ok_api.span(), "route", "/api");
  CHECK(err_api.eval(*p) == Decision::sampled);
  CHECK(err_health.eval(*p) == Decision::not_sampled);
  CHECK(ok_api.eval(*p) == Decision::not_sampled);
}

TEST_CASE("drop returns dropped when every sub-policy samples", "[tail_sampling]") {
  auto p = policy(R"({name: d, type: drop, drop: {drop_sub_policy: [
      {name: h, type: string_attribute, string_attribute: {key: route, values: [/health]}}]}})");
  Trace health, api;
  set_attr(health.span(), "route", "/health");
  set_attr(api.span(), "route", "/api");
  CHECK(health.eval(*p) == Decision::dropped);
  CHECK(api.eval(*p) == Decision::not_sampled);
}

TEST_CASE("composite gives sub-policies in order their share of the span rate", "[tail_sampling]") {
  auto p = policy(R"({name: c, type: composite, composite: {
      max_total_spans_per_second: 10, policy_order: [errors, rest],
      composite_sub_policy: [
        {name: errors, type: status_code, status_code: {status_codes: [ERROR]}},
        {name: rest, type: always_sample}],
      rate_allocation: [{policy: errors, percent: 60}, {policy: rest, percent: 40}]}})");
  Trace err, ok;
  for (int i = 0; i < 2; ++i) err.span()->mutable_status()->set_code(SpanStatus::STATUS_CODE_ERROR);
  for (int i = 0; i < 2; ++i) ok.span();
  auto now = Clock::now();
  CHECK(err.eval(*p, now) == Decision::sampled);  // errors: 2 of 6
  CHECK(err.eval(*p, now) == Decision::sampled);  // errors: 4 of 6
  CHECK(err.eval(*p, now) == Decision::sampled);  // errors: 6 of 6
  CHECK(ok.eval(*p, now) == Decision::sampled);   // rest: 2 of 4
  CHECK(ok.eval(*p, now) == Decision::sampled);   // rest: 4 of 4
  CHECK(ok.eval(*p, now) == Decision::not_sampled);
  CHECK(err.eval(*p, now) == Decision::not_sampled);  // errors full; rest full too
  CHECK(ok.eval(*p, now + 1s) == Decision::sampled);  // a new second
}

TEST_CASE("decisions combine as in the Collector", "[tail_sampling]") {
  auto combine = [](std::initializer_list<Decision> ds) {
    DecisionCombiner c;
    for (auto d : ds) c.add(d);
    return c.sampled();
  };
  CHECK_FALSE(combine({Decision::sampled, Decision::dropped}));
  CHECK_FALSE(combine({Decision::sampled, Decision::inverted_not_sampled}));
  CHECK(combine({Decision::sampled, Decision::not_sampled}));
  CHECK(combine({Decision::inverted_sampled}));
  CHECK_FALSE(combine({Decision::inverted_sampled, Decision::not_sampled}));
  CHECK_FALSE(combine({Decision::not_sampled}));
  CHECK_FALSE(combine({}));
}

TEST_CASE("the decision cache remembers recent ids in 16 bytes each and forgets the oldest", "[tail_sampling]") {
  DecisionCache cache(1000);
  CHECK(cache.capacity() == 1000);
  std::mt19937_64 rng(3);
  std::vector<TraceId> ids;
  for (int i = 0; i < 5000; ++i) ids.push_back(TraceId::from_bytes(random_id(rng)));
  for (int i = 0; i < 500; ++i) cache.insert(ids[i]);
  int remembered = 0;
  for (int i = 0; i < 500; ++i) remembered += cache.contains(ids[i]);
  CHECK(remembered >= 450);  // four-way buckets lose a few ids early
  CHECK_FALSE(cache.contains(ids[4999]));
  for (int i = 500; i < 5000; ++i) cache.insert(ids[i]);
  int recent = 0, old = 0;
  for (int i = 4500; i < 5000; ++i) recent += cache.contains(ids[i]);
  for (int i = 0; i < 500; ++i) old += cache.contains(ids[i]);
  CHECK(recent >= 400);
  CHECK(old <= 10);
  cache.erase(ids[4999]);
  CHECK_FALSE(cache.contains(ids[4999]));
  DecisionCache off(0);
  off.insert(ids[0]);
  CHECK_FALSE(off.contains(ids[0]));
  CHECK_FALSE(cache.contains(TraceId{}));
}

TEST_CASE("tail_sampling config errors name the path and the valid choices", "[tail_sampling]") {
  auto parse = [](const std::string& yaml) {
    return parse_config(ConfigNode(YAML::Load(yaml), "processors::tail_sampling"));
  };
  try {
    parse("policies: [{name: x, type: sometimes}]");
    FAIL("expected an error");
  } catch (const ConfigError& e) {
    std::string m = e.what();
    CHECK_THAT(m, Catch::Contains("unknown value 'sometimes'; valid values are: "));
    CHECK_THAT(m, Catch::Contains("always_sample, and, boolean_attribute, bytes_limiting, composite, drop, latency"));
    CHECK_THAT(m, Catch::Contains("processors::tail_sampling::policies[0]::type"));
  }
  CHECK_THROWS_WITH(parse("policies: [{name: x, type: always_sample}]\nbogus: 1"), Catch::Contains("bogus"));
  CHECK_THROWS_WITH(parse("decision_wait: 1s"), Catch::Contains("policies"));
  CHECK_THROWS_WITH(parse("policies: [{name: s, type: status_code, status_code: {status_codes: [BAD]}}]"),
                    Catch::Contains("unknown value 'BAD'; valid values are: ERROR, OK, UNSET"));
  CHECK_THROWS_WITH(parse("policies: [{name: a, type: and, and: {and_sub_policy: [{name: b, type: and}]}}]"),
                    Catch::Contains("for a sub-policy"));
  CHECK_THROWS_WITH(parse("policies: [{name: p, type: probabilistic, probabilistic: {sampling_percentage: 150}}]"),
                    Catch::Contains("between 0 and 100"));
  CHECK_THROWS_WITH(parse("policies: [{name: s, type: string_attribute, string_attribute: {key: k, values: ['(['], "
                          "enabled_regex_matching: true}}]"),
                    Catch::Contains("invalid regular expression"));
  auto ok = parse(R"(
decision_wait: 10s
num_traces: 100
expected_new_traces_per_sec: 10
sample_on_first_match: true
decision_cache: {sampled_cache_size: 1000, non_sampled_cache_size: 2000}
max_memory_mib: 64
decision_wait_after_root_received: 2s
policies: [{name: a, type: always_sample}]
)");
  CHECK(ok->decision_wait == 10s);
  CHECK(ok->num_traces == 100);
  CHECK(ok->decision_cache.non_sampled_cache_size == 2000);
  CHECK(ok->max_memory_bytes() == 64u * 1024 * 1024);
  CHECK(ok->decision_wait_after_root_received == 2s);
  auto defaults = parse("policies: [{name: a, type: always_sample}]");
  CHECK(defaults->decision_wait == 30s);
  CHECK(defaults->num_traces == 50000);
  CHECK(defaults->decision_cache.sampled_cache_size == 100000);
}
