// The filter processor's legacy include/exclude matchers (the Collector's spans, logs and metrics match
// properties): include keeps only what matches, exclude drops what matches, include first.
#include <catch2/catch.hpp>

#include "processors/harness.h"

using namespace otlpd;
using namespace otlpd::test;
using Span = opentelemetry::proto::trace::v1::Span;
using Names = std::vector<std::string>;

namespace {

template <typename B>
std::vector<B> run(const std::string& yaml, B batch) {
  Capture<B> out;
  auto p = make_processor<B>("filter", yaml, out);
  REQUIRE(input<B>(*p).consume(std::move(batch)).is_ok());
  return out.take();
}

// Service "test": span0 (should_include=true), span1 (should_include=probably_true, should_exclude=false),
// span2 (no attributes); service "other": span0.
TraceBatch traffic() {
  auto b = spans(3, "test");
  auto& ss = *b.first().mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans();
  set_attr(*ss.Mutable(0)->mutable_attributes(), "should_include", "true");
  set_attr(*ss.Mutable(1)->mutable_attributes(), "should_include", "probably_true");
  set_attr(*ss.Mutable(1)->mutable_attributes(), "should_exclude", "false");
  b.append(spans(1, "other", "other"));
  return b;
}

Names names(const std::vector<TraceBatch>& got) {
  Names out;
  for (const auto& b : got)
    for (const auto& n : span_names(b)) out.push_back(n);
  return out;
}

}  // namespace

TEST_CASE("filter legacy spans: include by service and attribute regexp, then exclude", "[processors][filter]") {
  // testdata/config_traces.yaml: include service test with should_include (true|probably_true), exclude
  // should_exclude (probably_false|false).
  const std::string yaml = R"y(
spans:
  include:
    match_type: regexp
    services: [test]
    attributes:
      - key: should_include
        value: "(true|probably_true)"
  exclude:
    match_type: regexp
    attributes:
      - key: should_exclude
        value: "(probably_false|false)"
)y";
  CHECK(names(run(yaml, traffic())) == Names{"span0"});
  CHECK(names(run("spans: {exclude: {match_type: strict, span_names: [span2, other0]}}", traffic())) ==
        Names{"span0", "span1"});
  CHECK(names(run("spans: {include: {match_type: strict, span_kinds: [SPAN_KIND_UNSPECIFIED]}}", traffic())).size() ==
        4);
}

TEST_CASE("filter legacy logs: severity_number with match_undefined, resource attributes, bodies",
          "[processors][filter]") {
  auto make = [] {
    auto b = logs(4);
    auto& recs = *b.first().mutable_resource_logs(0)->mutable_scope_logs(0)->mutable_log_records();
    recs.Mutable(0)->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_DEBUG);
    recs.Mutable(1)->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_INFO);
    recs.Mutable(2)->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_ERROR);
    recs.Mutable(3)->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_UNSPECIFIED);
    return b;
  };
  // testdata/config_logs_min_severity.yaml, filter/includeexclude: INFO and WARN ranges plus undefined.
  CHECK(log_bodies(run("logs: {include: {severity_number: {min: INFO, match_undefined: true}}, exclude: "
                       "{severity_number: {min: ERROR}}}",
                       make())) == Names{"log 1", "log 3"});
  CHECK(log_bodies(run("logs: {include: {severity_number: {min: INFO}}}", make())) == Names{"log 1", "log 2"});
  CHECK(log_bodies(run("logs: {exclude: {match_type: regexp, bodies: ['^log [02]$']}}", make())) ==
        Names{"log 1", "log 3"});
  CHECK(run("logs: {include: {match_type: strict, resource_attributes: [{key: service.name, value: other}]}}", make())
            .empty());
  CHECK(
      log_bodies(run("logs: {exclude: {match_type: strict, resource_attributes: [{key: service.name, value: other}]}}",
                     make()))
          .size() == 4);
}

TEST_CASE("filter legacy metrics: strict and regexp names, include then exclude", "[processors][filter]") {
  auto make = [] {
    auto b = gauge("hello_world", 1);
    b.append(gauge("hello/world", 1));
    b.append(gauge("other", 1));
    return b;
  };
  // testdata/config_strict.yaml, filter/includeexclude: only hello/world passes.
  CHECK(metric_names(run("metrics: {include: {match_type: strict, metric_names: [hello_world, hello/world]}, "
                         "exclude: {match_type: strict, metric_names: [hello_world]}}",
                         make())) == Names{"hello/world"});
  CHECK(metric_names(run("metrics: {exclude: {match_type: regexp, metric_names: ['^hello']}}", make())) ==
        Names{"other"});
}

TEST_CASE("filter legacy config errors: expr, empty matchers, mixing with conditions", "[processors][filter]") {
  auto bad = [](const std::string& yaml) { return [yaml] { parse_processor("filter", yaml); }; };
  CHECK_THROWS_WITH(bad("metrics: {include: {match_type: expr, expressions: ['MetricName == \"x\"']}}")(),
                    Catch::Contains("value 'expr' is not supported by otlpd"));
  CHECK_THROWS_WITH(bad("spans: {exclude: {match_type: regexp}}")(), Catch::Contains("at least one of"));
  CHECK_THROWS_WITH(bad("spans: {exclude: {match_type: strict, metric_names: [x]}}")(),
                    Catch::Contains("'metric_names' does not apply to spans"));
  CHECK_THROWS_WITH(bad("logs: {include: {severity_number: {min: INVALID_SEVERITY}}}")(),
                    Catch::Contains("unknown value 'INVALID_SEVERITY'"));
  CHECK_THROWS_WITH(bad("logs: {include: {resource_attributes: [{key: a, value: b}]}}")(),
                    Catch::Contains("match_type must be set"));
  CHECK_THROWS_WITH(bad("logs: {include: {match_type: strict}}")(), Catch::Contains("at least one of"));
  CHECK_THROWS_WITH(bad("spans: {include: {match_type: strict, services: [a]}}\ntraces: {span: ['name == \"x\"']}")(),
                    Catch::Contains("cannot use ottl conditions and include/exclude for spans at the same time"));
  CHECK_NOTHROW(bad("metrics: {include: {match_type: strict}}")());
}
