// The probabilistic_sampler processor: the Collector's hash, rates, consistency, logs by trace id and by
// attribute, priorities, fail_closed, counters and config errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <set>

#include "platform/telemetry.h"
#include "processors/harness.h"
#include "processors/probabilistic_sampler/sampler.h"

using namespace otlpd;
using namespace otlpd::test;
using otlpd::probabilistic_sampler::HashSampler;
using otlpd::probabilistic_sampler::seeded_fnv1a;

namespace {

std::vector<std::string> trace_ids(size_t n, uint64_t seed = 42) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    std::string id(16, '\0');
    for (int half = 0; half < 2; ++half) {
      uint64_t x = rng();
      for (int b = 0; b < 8; ++b) id[static_cast<size_t>(half * 8 + b)] = static_cast<char>(x >> (8 * b));
    }
    out.push_back(std::move(id));
  }
  return out;
}

// One span per id, named by its index, all under one resource and scope.
TraceBatch spans_for(const std::vector<std::string>& ids) {
  auto b = TraceBatch::make();
  auto* ss = b.first().add_resource_spans()->add_scope_spans();
  for (size_t i = 0; i < ids.size(); ++i) {
    auto* s = ss->add_spans();
    s->set_trace_id(ids[i]);
    s->set_name(std::to_string(i));
  }
  return b;
}

// The indexes that survived.
std::set<size_t> kept(Capture<TraceBatch>& out) {
  std::set<size_t> idx;
  for (const auto& b : out.take())
    for (const auto& name : span_names(b)) idx.insert(std::stoul(name));
  return idx;
}

std::set<size_t> run_traces(const std::string& yaml, const std::vector<std::string>& ids) {
  Capture<TraceBatch> out;
  auto p = make_processor<TraceBatch>("probabilistic_sampler", yaml, out);
  REQUIRE(input<TraceBatch>(*p).consume(spans_for(ids)).is_ok());
  return kept(out);
}

// Log records, one per entry; each with the trace id and/or attributes given.
struct LogSpec {
  std::string trace_id;
  std::vector<std::pair<std::string, std::string>> attrs;
  std::optional<double> priority;
};

std::set<size_t> run_logs(const std::string& yaml, const std::vector<LogSpec>& specs) {
  Capture<LogBatch> out;
  auto p = make_processor<LogBatch>("probabilistic_sampler", yaml, out);
  auto b = LogBatch::make();
  auto* sl = b.first().add_resource_logs()->add_scope_logs();
  for (size_t i = 0; i < specs.size(); ++i) {
    auto* l = sl->add_log_records();
    l->set_trace_id(specs[i].trace_id);
    l->mutable_body()->set_string_value(std::to_string(i));
    for (const auto& [k, v] : specs[i].attrs) set_attr(*l->mutable_attributes(), k, v);
    if (specs[i].priority) {
      auto* kv = l->add_attributes();
      kv->set_key("prio");
      kv->mutable_value()->set_double_value(*specs[i].priority);
    }
  }
  REQUIRE(input<LogBatch>(*p).consume(std::move(b)).is_ok());
  std::set<size_t> idx;
  for (const auto& got : out.take())
    for (const auto& part : got.read_parts())
      for (const auto& rl : part.request->resource_logs())
        for (const auto& s : rl.scope_logs())
          for (const auto& l : s.log_records()) idx.insert(std::stoul(l.body().string_value()));
  return idx;
}

}  // namespace

TEST_CASE("probabilistic_sampler: FNV-1a over the seed's little-endian bytes, then the data",
          "[probabilistic_sampler]") {
  // Standard FNV-1a 32 vectors: "foobar" → 0xbf9cf968, "abcd" → 0xce3479bd. The seed supplies the first 4 bytes.
  CHECK(seeded_fnv1a(0x626f6f66u /* "foob" */, "ar") == 0xbf9cf968u);
  CHECK(seeded_fnv1a(0x64636261u /* "abcd" */, "") == 0xce3479bdu);
}

TEST_CASE("probabilistic_sampler: the acceptance threshold is the Collector's float32 product",
          "[probabilistic_sampler]") {
  CHECK(HashSampler::scaled_rate(0) == 0);
  CHECK(HashSampler::scaled_rate(0.01f) == 1);
  CHECK(HashSampler::scaled_rate(10) == 1638);
  CHECK(HashSampler::scaled_rate(15.3f) == 2506);
  CHECK(HashSampler::scaled_rate(50) == 8192);
  CHECK(HashSampler::scaled_rate(99.99f) == 16382);
  CHECK(HashSampler::scaled_rate(100) == 16384);
}

TEST_CASE("probabilistic_sampler: keeps the configured share of 100,000 traces within 2%", "[probabilistic_sampler]") {
  const auto ids = trace_ids(100000);
  for (double pct : {10.0, 50.0}) {
    auto got = run_traces("sampling_percentage: " + std::to_string(pct) + "\nhash_seed: 22", ids);
    const double rate = 100.0 * static_cast<double>(got.size()) / static_cast<double>(ids.size());
    INFO("percentage " << pct << " measured " << rate);
    CHECK(std::abs(rate - pct) < 0.02 * pct);  // relative 2%: 9.8-10.2 and 49-51
  }
}

TEST_CASE("probabilistic_sampler: 0% drops everything, 100% and above keep everything", "[probabilistic_sampler]") {
  const auto ids = trace_ids(2000);
  Capture<TraceBatch> out;
  auto none = make_processor<TraceBatch>("probabilistic_sampler", "sampling_percentage: 0", out);
  // Nothing left: a success, and nothing is handed on.
  CHECK(input<TraceBatch>(*none).consume(spans_for(ids)).is_ok());
  CHECK(out.batch_count() == 0);
  CHECK(run_traces("sampling_percentage: 100", ids).size() == ids.size());
  CHECK(run_traces("sampling_percentage: 250", ids).size() == ids.size());
  CHECK(run_traces("{}", ids).empty());  // the Collector's default is 0
}

TEST_CASE("probabilistic_sampler: one trace id gets one decision across calls, spans and resources",
          "[probabilistic_sampler]") {
  const auto ids = trace_ids(3000, 7);
  const std::string yaml = "sampling_percentage: 30\nhash_seed: 5";
  Capture<TraceBatch> out;
  auto p = make_processor<TraceBatch>("probabilistic_sampler", yaml, out);
  // Given three spans per trace, spread over three resources and two requests of one batch.
  auto b = TraceBatch::make();
  for (int r = 0; r < 3; ++r) {
    auto extra = TraceBatch::make();
    auto& req = r == 0 ? b.first() : extra.first();
    auto* ss = req.add_resource_spans()->add_scope_spans();
    for (size_t i = 0; i < ids.size(); ++i) {
      auto* s = ss->add_spans();
      s->set_trace_id(ids[i]);
      s->set_name(std::to_string(i));
    }
    if (r != 0) b.append(std::move(extra));
  }
  REQUIRE(input<TraceBatch>(*p).consume(std::move(b)).is_ok());
  std::map<size_t, int> spans_per_trace;
  for (const auto& got : out.take())
    for (const auto& name : span_names(got)) ++spans_per_trace[std::stoul(name)];
  // Then every trace is kept whole or not at all.
  REQUIRE(!spans_per_trace.empty());
  for (const auto& [trace, n] : spans_per_trace) CHECK(n == 3);
  // And a second processor with the same seed, another call, decides the same.
  std::set<size_t> first;
  for (const auto& [trace, n] : spans_per_trace) first.insert(trace);
  CHECK(run_traces(yaml, ids) == first);
  // A different seed makes other decisions.
  CHECK(run_traces("sampling_percentage: 30\nhash_seed: 6", ids) != first);
}

TEST_CASE("probabilistic_sampler: emptied scopes and resources are removed", "[probabilistic_sampler]") {
  const auto ids = trace_ids(200, 3);
  // Find one kept and one dropped id at 50%.
  auto kept_idx = run_traces("sampling_percentage: 50", ids);
  REQUIRE(!kept_idx.empty());
  REQUIRE(kept_idx.size() < ids.size());
  size_t keep = *kept_idx.begin();
  size_t drop = 0;
  while (kept_idx.count(drop)) ++drop;
  Capture<TraceBatch> out;
  auto p = make_processor<TraceBatch>("probabilistic_sampler", "sampling_percentage: 50", out);
  auto b = TraceBatch::make();
  for (size_t which : {drop, keep, drop}) {
    auto* s = b.first().add_resource_spans()->add_scope_spans()->add_spans();
    s->set_trace_id(ids[which]);
  }
  b.first().mutable_resource_spans(1)->add_scope_spans()->add_spans()->set_trace_id(ids[drop]);
  REQUIRE(input<TraceBatch>(*p).consume(std::move(b)).is_ok());
  auto got = out.take();
  REQUIRE(got.size() == 1);
  const auto& req = *got[0].read_parts()[0].request;
  REQUIRE(req.resource_spans_size() == 1);
  REQUIRE(req.resource_spans(0).scope_spans_size() == 1);
  CHECK(req.resource_spans(0).scope_spans(0).spans(0).trace_id() == ids[keep]);
}

TEST_CASE("probabilistic_sampler: spans without a trace id follow fail_closed", "[probabilistic_sampler]") {
  const std::vector<std::string> ids = {"", std::string(16, '\0'), "short"};
  CHECK(run_traces("sampling_percentage: 100", ids).empty());
  CHECK(run_traces("sampling_percentage: 0\nfail_closed: false", ids).size() == 3);
}

TEST_CASE("probabilistic_sampler: sampling.priority on a span forces the decision", "[probabilistic_sampler]") {
  auto make = [](const std::string& priority_yaml_value, bool as_int) {
    auto b = TraceBatch::make();
    auto* s = b.first().add_resource_spans()->add_scope_spans()->add_spans();
    s->set_trace_id(trace_ids(1)[0]);
    s->set_name("0");
    auto* kv = s->add_attributes();
    kv->set_key("sampling.priority");
    if (as_int)
      kv->mutable_value()->set_int_value(std::stoi(priority_yaml_value));
    else
      kv->mutable_value()->set_string_value(priority_yaml_value);
    return b;
  };
  Capture<TraceBatch> out;
  auto all = make_processor<TraceBatch>("probabilistic_sampler", "sampling_percentage: 100", out);
  auto none = make_processor<TraceBatch>("probabilistic_sampler", "sampling_percentage: 0", out);
  REQUIRE(input<TraceBatch>(*all).consume(make("0", true)).is_ok());
  CHECK(out.items() == 0);
  REQUIRE(input<TraceBatch>(*none).consume(make("1", true)).is_ok());
  CHECK(out.items() == 1);
  REQUIRE(input<TraceBatch>(*none).consume(make("2.5", false)).is_ok());
  CHECK(out.items() == 2);
  REQUIRE(input<TraceBatch>(*all).consume(make("0.0", false)).is_ok());
  CHECK(out.items() == 2);
}

TEST_CASE("probabilistic_sampler: logs by trace id decide as spans with the same id", "[probabilistic_sampler]") {
  const auto ids = trace_ids(20000, 11);
  const std::string yaml = "sampling_percentage: 25\nhash_seed: 9";
  std::vector<LogSpec> specs;
  for (const auto& id : ids) specs.push_back({id, {}, std::nullopt});
  auto logs_kept = run_logs(yaml, specs);
  CHECK(logs_kept == run_traces(yaml, ids));
  const double rate = 100.0 * static_cast<double>(logs_kept.size()) / static_cast<double>(ids.size());
  CHECK(std::abs(rate - 25.0) < 1.0);
}

TEST_CASE("probabilistic_sampler: logs by a record attribute", "[probabilistic_sampler]") {
  const std::string yaml = "sampling_percentage: 50\nattribute_source: record\nfrom_attribute: request.id";
  std::vector<LogSpec> specs;
  for (int i = 0; i < 20000; ++i) specs.push_back({"", {{"request.id", "req-" + std::to_string(i % 10000)}}, {}});
  auto got = run_logs(yaml, specs);
  // Same attribute value → same decision (records i and i + 10000 share one).
  for (size_t i = 0; i < 10000; ++i) CHECK(got.count(i) == got.count(i + 10000));
  const double rate = 100.0 * static_cast<double>(got.size()) / 20000.0;
  CHECK(std::abs(rate - 50.0) < 2.0);
  // The attribute decides even when a trace id is present, under attribute_source: record.
  auto with_ids = specs;
  const auto ids = trace_ids(with_ids.size(), 99);
  for (size_t i = 0; i < with_ids.size(); ++i) with_ids[i].trace_id = ids[i];
  CHECK(run_logs(yaml, with_ids) == got);
  // Without the attribute: fail_closed.
  CHECK(run_logs(yaml, {{"", {{"other", "x"}}, {}}}).empty());
  CHECK(run_logs(yaml + "\nfail_closed: false", {{"", {{"other", "x"}}, {}}}).size() == 1);
}

TEST_CASE("probabilistic_sampler: logs without a trace id fall back to from_attribute, else fail_closed",
          "[probabilistic_sampler]") {
  const std::string yaml = "sampling_percentage: 100\nfrom_attribute: id";
  CHECK(run_logs(yaml, {{"", {{"id", "a"}}, {}}}).size() == 1);
  CHECK(run_logs(yaml, {{"", {}, {}}}).empty());
  CHECK(run_logs("sampling_percentage: 100\nfail_closed: false", {{"", {}, {}}}).size() == 1);
}

TEST_CASE("probabilistic_sampler: a log's sampling_priority raises its probability", "[probabilistic_sampler]") {
  const auto ids = trace_ids(4000, 5);
  const std::string yaml = "sampling_percentage: 0\nsampling_priority: prio";
  std::vector<LogSpec> specs;
  for (size_t i = 0; i < ids.size(); ++i)
    specs.push_back({ids[i], {}, i % 2 == 0 ? std::optional<double>(100.0) : std::nullopt});
  auto got = run_logs(yaml, specs);
  // Every record with priority 100 is kept, none without.
  CHECK(got.size() == ids.size() / 2);
  for (auto i : got) CHECK(i % 2 == 0);
  // A priority of 50 keeps about half; a priority below the configured percentage changes nothing.
  for (auto& s : specs) s.priority = 50.0;
  auto half = run_logs(yaml, specs);
  CHECK(std::abs(static_cast<double>(half.size()) - 2000.0) < 150.0);
  CHECK(half == run_logs("sampling_percentage: 50", specs));
  for (auto& s : specs) s.priority = 10.0;
  CHECK(run_logs("sampling_percentage: 100\nsampling_priority: prio", specs).size() == ids.size());
  // Without any randomness a positive priority keeps the record even when failing closed.
  CHECK(run_logs(yaml, {{"", {}, 1.0}}).size() == 1);
}

TEST_CASE("probabilistic_sampler: counts sampled and not sampled with the Collector's names",
          "[probabilistic_sampler]") {
  auto& t = Telemetry::global();
  const Labels yes{{"processor", "probabilistic_sampler"}, {"policy", "trace_id_hash"}, {"sampled", "true"}};
  const Labels no{{"processor", "probabilistic_sampler"}, {"policy", "trace_id_hash"}, {"sampled", "false"}};
  const auto name = "otelcol_processor_probabilistic_sampler_count_traces_sampled";
  const auto successor = "otelcol_processor_probabilistic_sampler_count_spans_processed_total";
  const auto y0 = t.counter_value(name, yes), n0 = t.counter_value(name, no), s0 = t.counter_value(successor, yes);
  const auto ids = trace_ids(1000, 17);
  auto got = run_traces("sampling_percentage: 40", ids);
  CHECK(t.counter_value(name, yes) - y0 == got.size());
  CHECK(t.counter_value(name, no) - n0 == ids.size() - got.size());
  CHECK(t.counter_value(successor, yes) - s0 == got.size());

  const Labels log_no{{"processor", "probabilistic_sampler"}, {"policy", "missing_randomness"}, {"sampled", "false"}};
  const auto logs = "otelcol_processor_probabilistic_sampler_count_logs_sampled";
  const auto l0 = t.counter_value(logs, log_no);
  run_logs("sampling_percentage: 40", {{"", {}, {}}, {"", {}, {}}});
  CHECK(t.counter_value(logs, log_no) - l0 == 2);
}

TEST_CASE("probabilistic_sampler: config errors", "[probabilistic_sampler]") {
  auto err = [](const std::string& yaml) {
    try {
      parse_processor("probabilistic_sampler", yaml);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  CHECK_THAT(err("sampling_percentage: -1"), Catch::Contains("must be at least 0") && Catch::Contains("line 1"));
  CHECK_THAT(err("sampling_percentage: .nan"), Catch::Contains("sampling_percentage"));
  CHECK_THAT(err("sampling_percentage: abc"), Catch::Contains("sampling_percentage"));
  CHECK_THAT(err("mode: proportional"), Catch::Contains("not supported by otlpd"));
  CHECK_THAT(err("mode: equalizing"), Catch::Contains("not supported by otlpd"));
  CHECK_THAT(err("mode: random"), Catch::Contains("valid values are: hash_seed, proportional, equalizing"));
  CHECK(err("mode: hash_seed\nsampling_percentage: 5") == "<no error>");
  CHECK_THAT(err("hash_seed: -1"), Catch::Contains("hash_seed"));
  CHECK_THAT(err("hash_seed: 4294967296"), Catch::Contains("hash_seed"));
  CHECK(err("hash_seed: 4294967295") == "<no error>");
  CHECK_THAT(err("attribute_source: span"), Catch::Contains("valid values are: traceID, record"));
  CHECK_THAT(err("attribute_source: record"), Catch::Contains("from_attribute"));
  CHECK_THAT(err("sampling_precision: 0"), Catch::Contains("between 1 and 14"));
  CHECK_THAT(err("fail_closed: maybe"), Catch::Contains("fail_closed"));
  CHECK_THAT(err("sampling_rate: 5"), Catch::Contains("sampling_percentage"));  // unknown key lists valid ones
  CHECK(!processor_factory("probabilistic_sampler").supports(Signal::metrics));
  CHECK(processor_factory("probabilistic_sampler").supports(Signal::logs));
}
