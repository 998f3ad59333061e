// The attributes processor: every action, value source, match property and config error.
#include <catch2/catch.hpp>

#include "processors/attributes/attributes_processor.h"
#include "processors/harness.h"

using namespace otlpd;
using namespace otlpd::test;
using otlpd::processors::AnyValue;
using otlpd::processors::Attributes;
using otlpd::processors::find_attribute;

namespace {

attributes_processor::AttributeActions actions(const std::string& yaml) {
  auto cfg = parse_processor("attributes", yaml);
  return attributes_processor::AttributeActions(dynamic_cast<const attributes_processor::AttributesConfig&>(*cfg));
}

Attributes attrs(std::initializer_list<std::pair<std::string, std::string>> kvs) {
  Attributes a;
  for (const auto& [k, v] : kvs) set_attr(a, k, v);
  return a;
}

std::string str(const Attributes& a, const std::string& key) {
  const auto* v = find_attribute(a, key);
  return v ? processors::as_string(*v) : "<absent>";
}

}  // namespace

TEST_CASE("insert adds a missing attribute and leaves an existing one", "[processors]") {
  auto act = actions("actions: [{key: env, action: insert, value: prod}]");
  auto a = attrs({{"other", "x"}});
  act.apply(a, {});
  CHECK(str(a, "env") == "prod");
  auto b = attrs({{"env", "dev"}});
  act.apply(b, {});
  CHECK(str(b, "env") == "dev");
  CHECK(b.size() == 1);
}

TEST_CASE("update changes an existing attribute and never adds one", "[processors]") {
  auto act = actions("actions: [{key: env, action: update, value: prod}]");
  auto a = attrs({{"env", "dev"}});
  act.apply(a, {});
  CHECK(str(a, "env") == "prod");
  auto b = attrs({});
  act.apply(b, {});
  CHECK(str(b, "env") == "<absent>");
}

TEST_CASE("upsert sets an attribute whether or not it exists", "[processors]") {
  auto act = actions("actions: [{key: env, action: upsert, value: prod}]");
  auto a = attrs({{"env", "dev"}});
  auto b = attrs({});
  act.apply(a, {});
  act.apply(b, {});
  CHECK(str(a, "env") == "prod");
  CHECK(a.size() == 1);
  CHECK(str(b, "env") == "prod");
}

TEST_CASE("values keep their YAML type", "[processors]") {
  auto act = actions(R"(actions:
  - {key: i, action: insert, value: 42}
  - {key: d, action: insert, value: 1.5}
  - {key: b, action: insert, value: true}
  - {key: s, action: insert, value: "42"}
  - {key: t, action: insert, value: hello})");
  auto a = attrs({});
  act.apply(a, {});
  CHECK(find_attribute(a, "i")->int_value() == 42);
  CHECK(find_attribute(a, "d")->double_value() == 1.5);
  CHECK(find_attribute(a, "b")->bool_value());
  CHECK(find_attribute(a, "s")->string_value() == "42");
  CHECK(find_attribute(a, "t")->string_value() == "hello");
}

TEST_CASE("from_attribute copies another attribute, and does nothing when it is missing", "[processors]") {
  auto act = actions("actions: [{key: copy, action: upsert, from_attribute: orig}]");
  auto a = attrs({{"orig", "v"}});
  act.apply(a, {});
  CHECK(str(a, "copy") == "v");
  CHECK(str(a, "orig") == "v");
  auto b = attrs({});
  act.apply(b, {});
  CHECK(str(b, "copy") == "<absent>");
}

TEST_CASE("from_context reads request metadata and the client address", "[processors]") {
  auto act = actions(R"(actions:
  - {key: tenant, action: insert, from_context: metadata.X-Tenant}
  - {key: client, action: insert, from_context: client.address})");
  RequestContext ctx;
  ctx.metadata = {{"x-tenant", "a"}, {"other", "z"}, {"x-tenant", "b"}};
  ctx.client_address = "10.1.2.3:5555";
  auto a = attrs({});
  act.apply(a, ctx);
  CHECK(str(a, "tenant") == "a;b");
  CHECK(str(a, "client") == "10.1.2.3");

  RequestContext v6;
  v6.client_address = "[::1]:4317";
  auto b = attrs({});
  act.apply(b, v6);
  CHECK(str(b, "tenant") == "<absent>");
  CHECK(str(b, "client") == "::1");
}

TEST_CASE("from_context reads what the authenticator vouched for, and bare names as metadata", "[processors]") {
  // Given the Collector's names: auth.<attribute>, auth.principal, and a header without the metadata. prefix.
  auto act = actions(R"(actions:
  - {key: user, action: insert, from_context: auth.username}
  - {key: who, action: insert, from_context: auth.principal}
  - {key: groups, action: insert, from_context: auth.membership}
  - {key: missing, action: insert, from_context: auth.subject}
  - {key: tenant, action: upsert, from_context: X-Tenant})");
  RequestContext ctx;
  ctx.auth.principal = "alice";
  ctx.auth.attributes = {{"username", "alice"}, {"membership", "dev"}, {"membership", "ops"}};
  ctx.metadata = {{"x-tenant", "acme"}};
  auto a = attrs({});
  act.apply(a, ctx);
  CHECK(str(a, "user") == "alice");
  CHECK(str(a, "who") == "alice");
  CHECK(str(a, "groups") == "dev;ops");
  CHECK(str(a, "missing") == "<absent>");  // an attribute the authenticator did not give sets nothing
  CHECK(str(a, "tenant") == "acme");
  // Without an authenticator nothing is set.
  auto b = attrs({});
  act.apply(b, {});
  CHECK(str(b, "user") == "<absent>");
}

TEST_CASE("delete removes by key and by pattern", "[processors]") {
  auto act = actions(R"(actions:
  - {key: password, action: delete}
  - {pattern: ^secret\., action: delete})");
  auto a = attrs({{"password", "p"}, {"secret.a", "1"}, {"keep", "k"}, {"secret.b", "2"}, {"not.secret.c", "3"}});
  act.apply(a, {});
  REQUIRE(a.size() == 2);
  CHECK(a.Get(0).key() == "keep");
  CHECK(a.Get(1).key() == "not.secret.c");
}

TEST_CASE("hash replaces values with the Collector's SHA-1 hex", "[processors]") {
  auto act = actions(R"(actions:
  - {key: s, action: hash}
  - {pattern: ^n, action: hash})");
  Attributes a = attrs({{"s", "abc"}, {"untouched", "abc"}});
  auto add = [&](const std::string& k) -> AnyValue& {
    auto* kv = a.Add();
    kv->set_key(k);
    return *kv->mutable_value();
  };
  add("nb").set_bool_value(true);
  add("ni").set_int_value(42);
  add("nd").set_double_value(1.5);
  act.apply(a, {});
  CHECK(str(a, "s") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(str(a, "untouched") == "abc");
  CHECK(str(a, "nb") == "bf8b4530d8d246dd74ac53a13471bba17941dff7");
  CHECK(str(a, "ni") == "d2c50949a6763cb13f4fab896fe678654807067d");
  CHECK(str(a, "nd") == "dd58a0f3fcf1993ddf7bacbaaa2507c430793478");
}

TEST_CASE("extract sets named groups from a matching string attribute", "[processors]") {
  auto act = actions(R"(actions:
  - {key: http.url, action: extract, pattern: '^/api/(?P<version>v\d+)/(?P<resource>\w+)'})");
  auto a = attrs({{"http.url", "/api/v2/users/7"}});
  act.apply(a, {});
  CHECK(str(a, "version") == "v2");
  CHECK(str(a, "resource") == "users");
  CHECK(str(a, "http.url") == "/api/v2/users/7");

  auto miss = attrs({{"http.url", "/health"}});
  act.apply(miss, {});
  CHECK(miss.size() == 1);

  Attributes num;
  auto* kv = num.Add();
  kv->set_key("http.url");
  kv->mutable_value()->set_int_value(3);
  act.apply(num, {});
  CHECK(num.size() == 1);
}

TEST_CASE("convert changes types and leaves unparseable values", "[processors]") {
  auto act = actions(R"(actions:
  - {key: a, action: convert, converted_type: int}
  - {key: b, action: convert, converted_type: int}
  - {key: c, action: convert, converted_type: double}
  - {key: d, action: convert, converted_type: string}
  - {key: e, action: convert, converted_type: int})");
  Attributes x = attrs({{"a", "123"}, {"b", "12x"}, {"c", "2.5"}});
  auto* d = x.Add();
  d->set_key("d");
  d->mutable_value()->set_int_value(7);
  auto* e = x.Add();
  e->set_key("e");
  e->mutable_value()->set_double_value(9.9);
  act.apply(x, {});
  CHECK(find_attribute(x, "a")->int_value() == 123);
  CHECK(find_attribute(x, "b")->string_value() == "12x");
  CHECK(find_attribute(x, "c")->double_value() == 2.5);
  CHECK(find_attribute(x, "d")->string_value() == "7");
  CHECK(find_attribute(x, "e")->int_value() == 9);
}

TEST_CASE("actions run in the order given", "[processors]") {
  auto act = actions(R"(actions:
  - {key: user, action: insert, value: alice}
  - {key: user_copy, action: insert, from_attribute: user}
  - {key: user, action: hash})");
  auto a = attrs({});
  act.apply(a, {});
  CHECK(str(a, "user_copy") == "alice");
  CHECK(str(a, "user").size() == 40);
}

TEST_CASE("invalid attribute actions are config errors naming the place", "[processors]") {
  auto bad = [](const std::string& yaml) { return [yaml] { parse_processor("attributes", yaml); }; };
  CHECK_THROWS_AS(bad("{}")(), ConfigError);
  CHECK_THROWS_WITH(bad("actions: [{key: a, action: frobnicate, value: 1}]")(),
                    Catch::Contains("unknown value 'frobnicate'; valid values are: insert, update"));
  CHECK_THROWS_WITH(bad("actions: [{key: a, value: 1}]")(), Catch::Contains("'action'"));
  CHECK_THROWS_WITH(bad("actions: [{key: a, action: insert}]")(), Catch::Contains("exactly one of"));
  CHECK_THROWS_WITH(bad("actions: [{key: a, action: insert, value: 1, from_attribute: b}]")(),
                    Catch::Contains("exactly one of"));
  CHECK_NOTHROW(bad("actions: [{key: a, action: insert, from_context: auth.subject}]")());
  CHECK_THROWS_WITH(bad("actions: [{key: a, action: insert, from_context: auth.}]")(),
                    Catch::Contains("unknown value 'auth.'; valid values are: client.address, auth.<attribute>"));
  CHECK_THROWS_WITH(bad("actions: [{key: a, action: insert, from_context: metadata.}]")(),
                    Catch::Contains("unknown value 'metadata.'"));
  CHECK_THROWS_WITH(bad("actions: [{key: a, action: extract, pattern: '(\\d+)'}]")(), Catch::Contains("named groups"));
  CHECK_THROWS_WITH(bad("actions: [{key: a, action: extract, pattern: '(?P<x>'}]")(),
                    Catch::Contains("invalid regular expression"));
  CHECK_THROWS_WITH(bad("actions: [{key: a, action: convert}]")(), Catch::Contains("converted_type"));
  CHECK_THROWS_WITH(bad("actions: [{key: a, action: convert, converted_type: bool}]")(),
                    Catch::Contains("unknown value 'bool'; valid values are: int, double, string"));
  CHECK_THROWS_WITH(bad("actions: [{action: delete}]")(), Catch::Contains("'key' or 'pattern'"));
  CHECK_THROWS_WITH(bad("actions: [{key: a, action: delete, value: 1}]")(), Catch::Contains("only insert"));
  CHECK_THROWS_WITH(bad("actions: [{key: a, action: upsert, value: 1, colour: red}]")(), Catch::Contains("colour"));
  CHECK_THROWS_WITH(bad("actions: [{key: a, action: upsert, value: 1}]\ninclude: {services: [a]}")(),
                    Catch::Contains("match_type"));
  CHECK_THROWS_WITH(bad("actions: [{key: a, action: upsert, value: 1}]\ninclude: {match_type: fuzzy}")(),
                    Catch::Contains("strict, regexp"));
  CHECK_THROWS_WITH(bad("\n\nactions: [{key: a, action: frobnicate}]")(), Catch::Contains("line 3"));
}

namespace {

// One span per (service, name, kind, attribute http.route, scope name/version) row.
struct SpanRow {
  std::string service, name;
  int kind;
  std::string route, scope, version;
};

TraceBatch rows(std::initializer_list<SpanRow> rs) {
  auto b = TraceBatch::make();
  for (const auto& r : rs) {
    auto* res = b.first().add_resource_spans();
    set_attr(*res->mutable_resource()->mutable_attributes(), "service.name", r.service);
    set_attr(*res->mutable_resource()->mutable_attributes(), "region", "eu");
    auto* ss = res->add_scope_spans();
    ss->mutable_scope()->set_name(r.scope);
    ss->mutable_scope()->set_version(r.version);
    auto* s = ss->add_spans();
    s->set_name(r.name);
    s->set_kind(static_cast<opentelemetry::proto::trace::v1::Span::SpanKind>(r.kind));
    if (!r.route.empty()) set_attr(*s->mutable_attributes(), "http.route", r.route);
  }
  return b;
}

// Which spans (by name, in order) got the `tagged` attribute.
std::vector<std::string> tagged(const std::string& match_yaml, TraceBatch batch) {
  Capture<TraceBatch> out;
  auto p = make_processor<TraceBatch>("attributes",
                                      "actions: [{key: tagged, action: insert, value: yes}]\n" + match_yaml, out);
  REQUIRE(input<TraceBatch>(*p).consume(std::move(batch)).is_ok());
  std::vector<std::string> names;
  for (const auto& b : out.take())
    for (const auto& part : b.read_parts())
      for (const auto& rs : part.request->resource_spans())
        for (const auto& ss : rs.scope_spans())
          for (const auto& s : ss.spans())
            if (find_attribute(s.attributes(), "tagged")) names.push_back(s.name());
  return names;
}

TraceBatch sample() {
  return rows({{"api", "GET /users", 2, "/users", "http", "1.0"},
               {"api", "GET /health", 2, "/health", "http", "1.1"},
               {"worker", "process", 1, "", "jobs", "2.0"},
               {"db", "SELECT", 3, "", "sql", "0.9"}});
}

}  // namespace

TEST_CASE("include and exclude select spans by strict properties", "[processors]") {
  using V = std::vector<std::string>;
  CHECK(tagged("include: {match_type: strict, services: [api]}", sample()) == V{"GET /users", "GET /health"});
  CHECK(tagged("include: {match_type: strict, services: [nope]}", sample()).empty());
  CHECK(tagged("include: {match_type: strict, span_names: [SELECT, process]}", sample()) == V{"process", "SELECT"});
  CHECK(tagged("include: {match_type: strict, span_kinds: [SPAN_KIND_CLIENT]}", sample()) == V{"SELECT"});
  CHECK(tagged("include: {match_type: strict, span_kinds: [server]}", sample()) == V{"GET /users", "GET /health"});
  CHECK(tagged("include: {match_type: strict, attributes: [{key: http.route, value: /health}]}", sample()) ==
        V{"GET /health"});
  CHECK(tagged("include: {match_type: strict, attributes: [{key: http.route}]}", sample()) ==
        V{"GET /users", "GET /health"});
  CHECK(tagged("include: {match_type: strict, resources: [{key: region, value: eu}]}", sample()).size() == 4);
  CHECK(tagged("include: {match_type: strict, resources: [{key: region, value: us}]}", sample()).empty());
  CHECK(tagged("include: {match_type: strict, libraries: [{name: http, version: '1.1'}]}", sample()) ==
        V{"GET /health"});
  CHECK(tagged("include: {match_type: strict, libraries: [{name: jobs}]}", sample()) == V{"process"});
  // Every property given must match.
  CHECK(tagged("include: {match_type: strict, services: [api], span_names: [SELECT]}", sample()).empty());
  CHECK(tagged("exclude: {match_type: strict, services: [api]}", sample()) == V{"process", "SELECT"});
  CHECK(
      tagged("include: {match_type: strict, services: [api]}\nexclude: {match_type: strict, span_names: [GET /health]}",
             sample()) == V{"GET /users"});
}

TEST_CASE("include and exclude select spans by regular expressions", "[processors]") {
  using V = std::vector<std::string>;
  CHECK(tagged("include: {match_type: regexp, span_names: ['^GET ']}", sample()) == V{"GET /users", "GET /health"});
  CHECK(tagged("include: {match_type: regexp, services: ['^w.*r$']}", sample()) == V{"process"});
  CHECK(tagged("include: {match_type: regexp, attributes: [{key: http.route, value: 'heal'}]}", sample()) ==
        V{"GET /health"});
  CHECK(tagged("include: {match_type: regexp, span_kinds: ['CLIENT|INTERNAL']}", sample()) == V{"process", "SELECT"});
  CHECK(tagged("include: {match_type: regexp, libraries: [{name: '^h', version: '^1\\.0'}]}", sample()) ==
        V{"GET /users"});
  CHECK(tagged("exclude: {match_type: regexp, span_names: ['.*']}", sample()).empty());
}

TEST_CASE("logs: actions on log record attributes, selected by body and severity", "[processors]") {
  Capture<LogBatch> out;
  auto p = make_processor<LogBatch>("attributes", R"(
actions: [{key: env, action: upsert, value: prod}]
include:
  match_type: regexp
  log_bodies: ['^log [01]$']
  log_severity_texts: ['INFO']
  log_severity_number: {min: INFO})",
                                    out);
  auto b = logs(3);
  auto& records = *b.first().mutable_resource_logs(0)->mutable_scope_logs(0)->mutable_log_records();
  for (auto& l : records) l.set_severity_text("INFO");
  records.Mutable(1)->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_DEBUG);
  REQUIRE(input<LogBatch>(*p).consume(std::move(b)).is_ok());
  auto got = out.take();
  REQUIRE(got.size() == 1);
  const auto& r = got[0].read_parts()[0].request->resource_logs(0).scope_logs(0);
  CHECK(find_attribute(r.log_records(0).attributes(), "env"));
  CHECK_FALSE(find_attribute(r.log_records(1).attributes(), "env"));  // DEBUG < INFO
  CHECK_FALSE(find_attribute(r.log_records(2).attributes(), "env"));  // body "log 2"
}

TEST_CASE("metrics: actions on data point attributes, selected by metric name", "[processors]") {
  Capture<MetricBatch> out;
  auto p = make_processor<MetricBatch>(
      "attributes", "actions: [{key: i, action: delete}]\ninclude: {match_type: strict, metric_names: [keep.me]}", out);
  auto b = gauge("keep.me", 2);
  b.append(gauge("other", 2));
  REQUIRE(input<MetricBatch>(*p).consume(std::move(b)).is_ok());
  auto got = out.take();
  REQUIRE(got.size() == 1);
  const auto& parts = got[0].read_parts();
  CHECK(parts[0].request->resource_metrics(0).scope_metrics(0).metrics(0).gauge().data_points(1).attributes().empty());
  CHECK(parts[1].request->resource_metrics(0).scope_metrics(0).metrics(0).gauge().data_points(1).attributes_size() ==
        1);
}

TEST_CASE("match properties that a signal does not have are rejected at creation", "[processors]") {
  Capture<LogBatch> logs_out;
  CHECK_THROWS_WITH(make_processor<LogBatch>("attributes",
                                             "actions: [{key: a, action: delete}]\n"
                                             "include: {match_type: strict, span_names: [x]}",
                                             logs_out),
                    Catch::Contains("span_names") && Catch::Contains("logs"));
  Capture<TraceBatch> traces_out;
  CHECK_THROWS_WITH(make_processor<TraceBatch>("attributes",
                                               "actions: [{key: a, action: delete}]\n"
                                               "exclude: {match_type: strict, metric_names: [x]}",
                                               traces_out),
                    Catch::Contains("metric_names"));
  CHECK_NOTHROW(make_processor<TraceBatch>(
      "attributes", "actions: [{key: a, action: delete}]\ninclude: {match_type: strict, span_names: [x]}", traces_out));
}
