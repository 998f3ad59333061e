// The OTTL engine: grammar features, typed comparisons, paths per context, functions, and errors with positions.
#include <catch2/catch.hpp>

#include "ottl/ottl.h"

using namespace otlpd::ottl;

namespace {

// A span with a resource and scope, as a filter or transform sees it.
struct SpanFixture {
  pb::Resource resource;
  pb::InstrumentationScope scope;
  pb::Span span;
  Item item;

  SpanFixture() {
    auto put = [](auto* attrs, const std::string& k, const std::string& v) {
      auto* kv = attrs->Add();
      kv->set_key(k);
      kv->mutable_value()->set_string_value(v);
    };
    put(resource.mutable_attributes(), "service.name", "api");
    scope.set_name("io.opentelemetry.http");
    span.set_name("GET /users");
    span.set_kind(pb::Span::SPAN_KIND_SERVER);
    span.set_start_time_unix_nano(1000);
    span.set_end_time_unix_nano(251000);
    span.set_trace_id(std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16));
    span.set_span_id(std::string("\xaa\xbb\xcc\xdd\xee\xff\x00\x11", 8));
    put(span.mutable_attributes(), "http.route", "/users");
    auto* code = span.mutable_attributes()->Add();
    code->set_key("http.status_code");
    code->mutable_value()->set_int_value(503);
    auto* nested = span.mutable_attributes()->Add();
    nested->set_key("obj");
    auto* kv = nested->mutable_value()->mutable_kvlist_value()->add_values();
    kv->set_key("inner");
    auto* list = kv->mutable_value()->mutable_array_value();
    list->add_values()->set_string_value("first");
    list->add_values()->set_int_value(2);
    item.resource = &resource;
    item.scope = &scope;
    item.span = &span;
  }

  bool cond(const std::string& text) { return compile_condition(text, ContextKind::span).eval(item); }
  bool run(const std::string& text) { return compile_statement(text, ContextKind::span).exec(item); }
  const AnyValue* attr(const std::string& key) const {
    for (const auto& kv : span.attributes())
      if (kv.key() == key) return &kv.value();
    return nullptr;
  }
};

// The column of the ParseError `text` raises in `ctx`, with its message checked for `needle`.
size_t error_column(const std::string& text, const std::string& needle, bool statement = false,
                    ContextKind ctx = ContextKind::span) {
  try {
    if (statement)
      compile_statement(text, ctx);
    else
      compile_condition(text, ctx);
  } catch (const ParseError& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find(needle) != std::string::npos);
    return e.column();
  }
  FAIL("no error for: " << text);
  return 0;
}

}  // namespace

TEST_CASE("ottl literals and comparisons follow OTTL's typed rules", "[ottl]") {
  SpanFixture f;
  CHECK(f.cond("1 == 1"));
  CHECK(f.cond("1 == 1.0"));
  CHECK(f.cond("2 > 1.5"));
  CHECK_FALSE(f.cond("1 == \"1\""));
  CHECK(f.cond("1 != \"1\""));
  CHECK_FALSE(f.cond("1 < \"2\""));
  CHECK(f.cond("nil == nil"));
  CHECK_FALSE(f.cond("nil == 0"));
  CHECK(f.cond("\"abc\" < \"abd\""));
  CHECK(f.cond("false < true"));
  CHECK(f.cond("0x0a0b == 0x0a0b"));
  CHECK(f.cond("-1 < 0"));
  CHECK(f.cond("-1.5e1 == -15.0"));
  CHECK(f.cond("[1, \"a\"] == [1, \"a\"]"));
  CHECK(f.cond("{\"k\": 1} == {\"k\": 1}"));
  CHECK(f.cond("\"a\\\"b\\n\" != \"a\""));
}

TEST_CASE("ottl and, or, not and parentheses, with precedence", "[ottl]") {
  SpanFixture f;
  CHECK(f.cond("true or false and false"));
  CHECK_FALSE(f.cond("(true or false) and false"));
  CHECK(f.cond("not false"));
  CHECK(f.cond("not 1 == 2"));
  CHECK(f.cond("not (1 == 1 and 2 == 3)"));
}

TEST_CASE("ottl math: int and float arithmetic, precedence, durations", "[ottl]") {
  SpanFixture f;
  CHECK(f.cond("1 + 2 * 3 == 7"));
  CHECK(f.cond("(1 + 2) * 3 == 9"));
  CHECK(f.cond("7 / 2 == 3"));
  CHECK(f.cond("7.0 / 2 == 3.5"));
  CHECK(f.cond("end_time_unix_nano - start_time_unix_nano == 250000"));
  CHECK(f.cond("end_time - start_time == Duration(\"250us\")"));
  CHECK(f.cond("duration > Duration(\"100us\")"));
  CHECK_THROWS_AS(f.cond("1 / 0 == 1"), EvalError);
}

TEST_CASE("ottl span paths: fields, enums, ids, keys and context prefixes", "[ottl]") {
  SpanFixture f;
  CHECK(f.cond("name == \"GET /users\""));
  CHECK(f.cond("span.name == \"GET /users\""));
  CHECK(f.cond("kind == SPAN_KIND_SERVER"));
  CHECK(f.cond("status.code == STATUS_CODE_UNSET"));
  CHECK(f.cond("attributes[\"http.status_code\"] >= 500"));
  CHECK(f.cond("attributes[\"obj\"][\"inner\"][0] == \"first\""));
  CHECK(f.cond("attributes[\"obj\"][\"inner\"][1] == 2"));
  CHECK(f.cond("attributes[\"missing\"] == nil"));
  CHECK(f.cond("attributes[\"obj\"][\"missing\"][\"deeper\"] == nil"));
  CHECK_THROWS_AS(f.cond("attributes[\"obj\"][\"inner\"][5] == nil"), EvalError);
  CHECK(f.cond("resource.attributes[\"service.name\"] == \"api\""));
  CHECK(f.cond("instrumentation_scope.name == \"io.opentelemetry.http\""));
  CHECK(f.cond("scope.name == \"io.opentelemetry.http\""));
  CHECK(f.cond("trace_id.string == \"0102030405060708090a0b0c0d0e0f10\""));
  CHECK(f.cond("span_id == SpanID(0xaabbccddeeff0011)"));
  CHECK(f.cond("parent_span_id.string == \"\""));
  CHECK(f.cond("IsRootSpan()"));
  CHECK(f.cond("attributes[attributes[\"http.route\"]] == nil"));
}

TEST_CASE("ottl editors change the item: set, where, delete, keep, limit, truncate", "[ottl]") {
  SpanFixture f;
  CHECK(f.run("set(attributes[\"env\"], \"prod\")"));
  CHECK(f.attr("env")->string_value() == "prod");
  CHECK_FALSE(f.run("set(name, \"x\") where kind == SPAN_KIND_CLIENT"));
  CHECK(f.span.name() == "GET /users");
  CHECK(f.run("set(name, Concat([name, \"!\"], \"\")) where kind == SPAN_KIND_SERVER"));
  CHECK(f.span.name() == "GET /users!");
  f.run("set(attributes[\"a\"][\"b\"], 1)");
  CHECK(f.attr("a")->kvlist_value().values(0).value().int_value() == 1);
  f.run("set(status.code, STATUS_CODE_ERROR)");
  CHECK(f.span.status().code() == 2);
  f.run("set(attributes[\"gone\"], nil)");
  CHECK(f.attr("gone") == nullptr);
  f.run("delete_key(attributes, \"env\")");
  CHECK(f.attr("env") == nullptr);
  f.run("delete_matching_keys(attributes, \"^http\\\\.\")");
  CHECK(f.attr("http.route") == nullptr);
  CHECK(f.attr("obj") != nullptr);
  f.run("set(attributes[\"k1\"], \"0123456789\")");
  f.run("truncate_all(attributes, 4)");
  CHECK(f.attr("k1")->string_value() == "0123");
  f.run("keep_keys(attributes, [\"k1\", \"a\"])");
  CHECK(f.span.attributes_size() == 2);
  f.run("limit(attributes, 1, [\"a\"])");
  REQUIRE(f.span.attributes_size() == 1);
  CHECK(f.span.attributes(0).key() == "a");
  f.run("keep_matching_keys(attributes, \"^z\")");
  CHECK(f.span.attributes_size() == 0);
}

TEST_CASE("ottl replace editors: patterns with groups, globs, hashes", "[ottl]") {
  SpanFixture f;
  f.run("replace_pattern(name, \"^GET /(\\\\w+)$\", \"fetch $1\")");
  CHECK(f.span.name() == "fetch users");
  f.run("set(attributes[\"pw\"], \"password=abc123\")");
  f.run("replace_all_patterns(attributes, \"value\", \"password=\\\\w+\", \"password=***\")");
  CHECK(f.attr("pw")->string_value() == "password=***");
  f.run("replace_all_patterns(attributes, \"key\", \"^pw$\", \"secret\")");
  CHECK(f.attr("secret") != nullptr);
  f.run("replace_match(attributes[\"http.route\"], \"/use*\", \"/{userId}\")");
  CHECK(f.attr("http.route")->string_value() == "/{userId}");
  f.run("replace_all_matches(attributes, \"/{*}\", \"/x\")");
  CHECK(f.attr("http.route")->string_value() == "/x");
  f.run("replace_pattern(attributes[\"secret\"], \"=(.*)\", \"=$1\", SHA256, \"h:%s\")");
  CHECK(f.attr("secret")->string_value().rfind("passwordh:", 0) == 0);
}

TEST_CASE("ottl merge_maps, append, flatten and ParseJSON", "[ottl]") {
  SpanFixture f;
  f.run("merge_maps(attributes, ParseJSON(\"{\\\"a\\\": 1, \\\"http.route\\\": \\\"x\\\"}\"), \"insert\")");
  CHECK(f.attr("a")->double_value() == 1.0);
  CHECK(f.attr("http.route")->string_value() == "/users");
  f.run("merge_maps(attributes, {\"http.route\": \"y\"}, \"update\")");
  CHECK(f.attr("http.route")->string_value() == "y");
  f.run("append(attributes[\"tags\"], \"a\")");
  f.run("append(attributes[\"tags\"], values = [\"b\", \"c\"])");
  CHECK(f.attr("tags")->array_value().values_size() == 3);
  f.run("flatten(attributes)");
  CHECK(f.attr("obj.inner.0")->string_value() == "first");
  CHECK(f.attr("tags.2")->string_value() == "c");
}

TEST_CASE("ottl converters", "[ottl]") {
  SpanFixture f;
  CHECK(f.cond("IsMatch(name, \"^GET\")"));
  CHECK_FALSE(f.cond("IsMatch(attributes[\"missing\"], \".*\")"));
  CHECK(f.cond("IsMatch(attributes[\"http.status_code\"], \"^5\\\\d\\\\d$\")"));
  CHECK(f.cond("Split(\"a,b,c\", \",\")[1] == \"b\""));
  CHECK(f.cond("Substring(name, 4, 6) == \"/users\""));
  CHECK_THROWS_AS(f.cond("Substring(name, 40, 6) == \"\""), EvalError);
  CHECK(f.cond("ToUpperCase(\"aB\") == \"AB\" and ToLowerCase(\"aB\") == \"ab\""));
  CHECK(f.cond("Int(\"42\") == 42 and Int(3.9) == 3 and Int(\"x\") == nil and Int(true) == 1"));
  CHECK(f.cond("Double(\"1.5\") == 1.5 and Double(2) == 2.0"));
  CHECK(f.cond("String(12) == \"12\" and String(0x0aff) == \"0aff\""));
  CHECK(f.cond("Len(name) == 10 and Len(attributes) == 3 and Len([1, 2]) == 2"));
  CHECK(f.cond("SHA256(\"abc\") == \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\""));
  CHECK(f.cond("SHA1(\"abc\") == \"a9993e364706816aba3e25717850c26c9cd0d89d\""));
  CHECK(f.cond("MD5(\"abc\") == \"900150983cd24fb0d6963f7d28e17f72\""));
  CHECK(f.cond("ExtractPatterns(\"id=42\", \"id=(?P<id>\\\\d+)\")[\"id\"] == \"42\""));
  CHECK(f.cond("IsString(name) and IsInt(kind) and IsDouble(1.5) and IsBool(true) and IsMap(attributes)"));
  CHECK(f.cond("IsList(Split(name, \" \")) and not IsString(attributes[\"missing\"])"));
  CHECK(f.cond("TraceID(0x0102030405060708090a0b0c0d0e0f10) == trace_id"));
  CHECK(f.cond("UnixNano(Time(\"2023-05-26 12:34:56\", \"%Y-%m-%d %H:%M:%S\")) == 1685104496000000000"));
  CHECK(f.cond("UnixNano(Time(\"2023-05-26T12:34:56.5+02:00\", \"%Y-%m-%dT%H:%M:%S.%f%z\")) == 1685097296500000000"));
  CHECK(f.cond("Now() > Time(\"2020-01-01\", \"%Y-%m-%d\")"));
  CHECK(f.cond("Duration(\"1h30m\") == Duration(\"90m\")"));
  CHECK(f.cond("Hex(255) == \"00000000000000ff\""));
  CHECK(f.cond("URL(\"https://u@example.com:8080/a/b.html?q=1#top\")[\"url.port\"] == 8080"));
  CHECK(f.cond("URL(\"https://example.com/a/b.html?q=1\")[\"url.extension\"] == \"html\""));
}

TEST_CASE("ottl converters: ConvertCase, Format, ParseKeyValue, Base64Decode, FNV", "[ottl]") {
  SpanFixture f;
  CHECK(f.cond("ConvertCase(\"httpRequestMethod\", \"snake\") == \"http_request_method\""));
  CHECK(f.cond("ConvertCase(\"http_request\", \"camel\") == \"HttpRequest\""));
  CHECK(f.cond("ConvertCase(\"aB\", \"upper\") == \"AB\""));
  CHECK(f.cond("Format(\"%s took %d ms (%v)\", [name, 42, true]) == \"GET /users took 42 ms (true)\""));
  CHECK(f.cond("ParseKeyValue(\"a=1 b=\\\"x y\\\"\")[\"a\"] == \"1\""));
  CHECK(f.cond("ParseKeyValue(\"a:1,b:2\", \":\", \",\")[\"b\"] == \"2\""));
  CHECK(f.cond("Base64Decode(\"aGVsbG8=\") == \"hello\""));
  CHECK(f.cond("FNV(\"\") == -3750763034362895579"));
  CHECK(error_column("ConvertCase(name, \"kebab\") == \"\"", "invalid case") == 19);
  CHECK_THROWS_AS(f.cond("Base64Decode(\"!!\") == \"\""), EvalError);
}

TEST_CASE("ottl other contexts: spanevent, metric, datapoint, log, resource, scope", "[ottl]") {
  pb::Resource res;
  pb::InstrumentationScope scope;
  pb::Span span;
  span.set_name("parent");
  pb::SpanEvent event;
  event.set_name("exception");
  Item ev;
  ev.resource = &res;
  ev.scope = &scope;
  ev.span = &span;
  ev.event = &event;
  CHECK(compile_condition("name == \"exception\" and span.name == \"parent\"", ContextKind::spanevent).eval(ev));

  pb::Metric metric;
  metric.set_name("http.duration");
  auto* dp = metric.mutable_sum()->add_data_points();
  dp->set_as_int(7);
  auto* kv = dp->add_attributes();
  kv->set_key("host");
  kv->mutable_value()->set_string_value("a");
  metric.mutable_sum()->set_is_monotonic(true);
  Item m;
  m.metric = &metric;
  CHECK(compile_condition("type == METRIC_DATA_TYPE_SUM and is_monotonic == true", ContextKind::metric).eval(m) ==
        true);
  CHECK(compile_condition("HasAttrOnDatapoint(\"host\", \"a\")", ContextKind::metric).eval(m));
  CHECK_FALSE(compile_condition("HasAttrKeyOnDatapoint(\"zone\")", ContextKind::metric).eval(m));
  m.number = dp;
  CHECK(compile_condition("metric.name == \"http.duration\" and value_int == 7 and attributes[\"host\"] == \"a\"",
                          ContextKind::datapoint)
            .eval(m));

  pb::LogRecord log;
  log.set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_WARN);
  log.mutable_body()->set_string_value("{\"user\": \"bob\"}");
  Item l;
  l.log = &log;
  CHECK(compile_condition("severity_number >= SEVERITY_NUMBER_WARN and IsMatch(body, \"bob\")", ContextKind::log)
            .eval(l));
  compile_statement("set(body, ParseJSON(body))", ContextKind::log).exec(l);
  CHECK(compile_condition("body[\"user\"] == \"bob\" and log.body[\"user\"] == \"bob\"", ContextKind::log).eval(l));
  compile_statement("set(cache[\"u\"], body[\"user\"])", ContextKind::log).exec(l);
  compile_statement("set(attributes[\"user\"], cache[\"u\"])", ContextKind::log).exec(l);
  CHECK(log.attributes(0).value().string_value() == "bob");

  res.add_attributes()->set_key("k");
  Item r;
  r.resource = &res;
  compile_statement("set(attributes[\"k\"], \"v\")", ContextKind::resource).exec(r);
  CHECK(res.attributes(0).value().string_value() == "v");
  scope.set_name("lib");
  r.scope = &scope;
  CHECK(compile_condition("name == \"lib\" and resource.attributes[\"k\"] == \"v\"", ContextKind::scope).eval(r));
}

TEST_CASE("ottl errors name the column and close valid names", "[ottl]") {
  CHECK(error_column("nme == \"x\"", "did you mean name?") == 1);
  CHECK(error_column("name == \"x\" and attributs[\"k\"] == 1", "did you mean attributes?") == 17);
  CHECK(error_column("IsMach(name, \"x\")", "did you mean IsMatch?") == 1);
  CHECK(error_column("kind == SPAN_KIND_SERVR", "did you mean SPAN_KIND_SERVER?") == 9);
  CHECK(error_column("name == ", "expected a value") == 9);
  CHECK(error_column("name == \"x", "unterminated string") == 9);
  CHECK(error_column("name == \"x\" andd true", "unexpected") == 13);
  CHECK(error_column("IsMatch(name, \"(\")", "invalid regular expression") == 15);
  CHECK(error_column("IsMatch(name)", "missing argument 'pattern'") == 1);
  CHECK(error_column("name", "expected a boolean expression") == 1);
  CHECK(error_column("Concat([name], \"\")", "returns string, not a boolean") == 1);
  CHECK(error_column("set(nme, \"x\")", "unknown path", true) == 5);
  CHECK(error_column("sett(name, \"x\")", "did you mean set?", true) == 1);
  CHECK(error_column("Set(name, \"x\")", "editor names must start with a lowercase letter", true) == 1);
  CHECK(error_column("set(name, concat([name], \"\"))", "converter names must start with an uppercase letter", true) ==
        11);
  CHECK(error_column("set(kind.string, \"x\")", "cannot be set", true) == 5);
  CHECK(error_column("set(name, \"x\") where", "expected a value", true) == 21);
  CHECK(error_column("delete_key(name, \"x\")", "not a map", true) == 12);
  CHECK(error_column("limit(attributes, -1)", "cannot be negative", true) == 19);
  CHECK(error_column("body == \"x\"", "unknown path 'body' in the span context") == 1);
  CHECK(error_column("HasAttrOnDatapoint(\"k\", \"v\")", "not available in the span context") == 1);
  CHECK(error_column("name == \"\\q\"", "invalid escape") == 10);
  CHECK(error_column("1 == 1 == 1", "cannot be chained") == 8);
  CHECK(error_column("set(name, \"a\")", "converter names must start with an uppercase letter") == 1);
  CHECK(error_column("is_monotonic", "found a path", false, ContextKind::metric) == 1);
}

TEST_CASE("ottl infers the lowest context named by path prefixes", "[ottl]") {
  CHECK(infer_context({"set(span.attributes[\"a\"], resource.attributes[\"b\"])"}) == ContextKind::span);
  CHECK(infer_context({"set(resource.attributes[\"a\"], \"b\")"}) == ContextKind::resource);
  CHECK(infer_context({"set(spanevent.name, \"x\")", "set(span.name, \"y\")"}) == ContextKind::spanevent);
  CHECK(infer_context({"set(attributes[\"a\"], \"b\")"}) == std::nullopt);
  CHECK(infer_context({}, {"datapoint.value_int > 1"}) == ContextKind::datapoint);
  CHECK(infer_context({}, {"HasAttrOnDatapoint(\"a\", \"b\")"}) == ContextKind::metric);
}

TEST_CASE("ottl describe_error quotes the statement", "[ottl]") {
  try {
    compile_condition("nme == 1", ContextKind::span);
    FAIL("expected an error");
  } catch (const ParseError& e) {
    CHECK(describe_error("nme == 1", e).rfind("statement \"nme == 1\": column 1: unknown path 'nme'", 0) == 0);
  }
}

TEST_CASE("ottl span events and links read as lists of maps", "[ottl]") {
  SpanFixture f;
  CHECK(f.cond("Len(events) == 0"));
  CHECK(f.cond("Len(span.links) == 0"));
  auto* e = f.span.add_events();
  e->set_name("exception");
  e->set_time_unix_nano(42);
  e->set_dropped_attributes_count(3);
  auto* ea = e->add_attributes();
  ea->set_key("exception.type");
  ea->mutable_value()->set_string_value("IOError");
  f.span.add_events()->set_name("retry");
  auto* l = f.span.add_links();
  l->set_trace_id(std::string(16, '\x01'));
  l->set_span_id(std::string(8, '\x02'));
  l->set_trace_state("a=b");
  l->set_flags(1);
  for (const char* c :
       {"Len(events) == 2", "events[0][\"name\"] == \"exception\"", "events[0][\"time_unix_nano\"] == 42",
        "events[0][\"dropped_attributes_count\"] == 3", "events[0][\"attributes\"][\"exception.type\"] == \"IOError\"",
        "events[1][\"name\"] == \"retry\"", "events[0][\"missing\"] == nil", "Len(links) == 1",
        "links[0][\"span_id\"] == 0x0202020202020202",
        "links[0][\"trace_state\"] == \"a=b\" and links[0][\"flags\"] == 1"}) {
    INFO(c);
    CHECK(f.cond(c));
  }
  CHECK_THROWS_AS(f.cond("events[5][\"name\"] == \"x\""), EvalError);
  // Read only, as otlpd holds them: a config error, not a silent no-op.
  CHECK(error_column("set(events, [])", "cannot be set", true) == 5);
  CHECK(error_column("set(events[0][\"name\"], \"x\")", "cannot be set", true) == 5);
}

TEST_CASE("ottl span trace_state members: read and set as W3C tracestate", "[ottl]") {
  SpanFixture f;
  f.span.set_trace_state("rojo=00f067aa0ba902b7, congo=t61rcWkgMzE");
  CHECK(f.cond("trace_state[\"congo\"] == \"t61rcWkgMzE\""));
  CHECK(f.cond("trace_state[\"rojo\"] == \"00f067aa0ba902b7\""));
  CHECK(f.cond("trace_state[\"missing\"] == \"\""));  // Go's TraceState.Get: "" for a missing key
  CHECK(f.cond("span.trace_state[Concat([\"con\", \"go\"], \"\")] == \"t61rcWkgMzE\""));
  // An updated member moves to the front; a new one is added there.
  CHECK(f.run("set(trace_state[\"congo\"], \"x1\")"));
  CHECK(f.span.trace_state() == "congo=x1,rojo=00f067aa0ba902b7");
  CHECK(f.run("set(span.trace_state[\"vendor@sys\"], \"v\")"));
  CHECK(f.span.trace_state() == "vendor@sys=v,congo=x1,rojo=00f067aa0ba902b7");
  // Invalid keys and values, and non-strings, leave it alone.
  f.run("set(trace_state[\"Upper\"], \"v\")");
  f.run("set(trace_state[\"k\"], \"a,b\")");
  f.run("set(trace_state[\"k\"], 1)");
  CHECK(f.span.trace_state() == "vendor@sys=v,congo=x1,rojo=00f067aa0ba902b7");
  // A trace state that does not parse reads as nil and is not written.
  f.span.set_trace_state("not a member");
  CHECK(f.cond("trace_state[\"k\"] == nil"));
  f.run("set(trace_state[\"k\"], \"v\")");
  CHECK(f.span.trace_state() == "not a member");
  // From empty: one member. 32 members at most.
  f.span.clear_trace_state();
  CHECK(f.run("set(trace_state[\"k\"], \"v\")"));
  CHECK(f.span.trace_state() == "k=v");
  std::string full;
  for (int i = 0; i < 32; ++i) {
    full += i ? "," : "";
    full += "k";
    full += std::to_string(i);
    full += "=v";
  }
  f.span.set_trace_state(full);
  f.run("set(trace_state[\"new\"], \"v\")");
  CHECK(f.span.trace_state() == full);
  f.run("set(trace_state[\"k3\"], \"w\")");  // an update fits
  CHECK(f.span.trace_state().rfind("k3=w,k0=v,", 0) == 0);
  CHECK(error_column("trace_state[0] == \"x\"", "indexing type must be a string") == 12);
  CHECK(error_column("trace_state[\"a\"][\"b\"] == \"x\"", "exactly 1 key") > 0);
}

TEST_CASE("ottl span dropped counts read and set", "[ottl]") {
  SpanFixture f;
  f.span.set_dropped_attributes_count(1);
  f.span.set_dropped_events_count(2);
  f.span.set_dropped_links_count(3);
  CHECK(f.cond("dropped_attributes_count == 1 and dropped_events_count == 2 and dropped_links_count == 3"));
  CHECK(f.run("set(dropped_events_count, 7)"));
  CHECK(f.run("set(span.dropped_links_count, dropped_links_count + 1)"));
  CHECK(f.span.dropped_events_count() == 7);
  CHECK(f.span.dropped_links_count() == 4);
  CHECK(compile_condition("span.dropped_events_count == 7", ContextKind::spanevent).eval(f.item));
}

TEST_CASE("ottl statements know what they may change from the path their editor targets", "[ottl]") {
  auto writes = [](const std::string& text, ContextKind ctx = ContextKind::span) {
    return compile_statement(text, ctx).writes();
  };
  CHECK(writes("set(attributes[\"a\"], resource.attributes[\"b\"])") == Writes::item);
  CHECK(writes("set(span.name, \"x\") where resource.attributes[\"b\"] == nil") == Writes::item);
  CHECK(writes("set(resource.attributes[\"a\"], name)") == Writes::resource);
  CHECK(writes("delete_key(instrumentation_scope.attributes, \"a\")") == Writes::scope);
  CHECK(writes("set(scope.version, \"1\")") == Writes::scope);
  CHECK(writes("set(cache[\"a\"], name)") == 0);
  CHECK(writes("merge_maps(span.cache, attributes, \"upsert\")") == 0);
  CHECK(writes("set(value = \"x\", target = resource.attributes[\"a\"])") == Writes::resource);
  CHECK(writes("set(attributes[\"a\"], 1)", ContextKind::resource) == Writes::resource);
  CHECK(writes("set(name, \"n\")", ContextKind::scope) == Writes::scope);
  CHECK(writes("set(span.attributes[\"a\"], name)", ContextKind::spanevent) == Writes::item);
  CHECK(writes("set(trace_state[\"k\"], \"v\")") == Writes::item);
  CHECK(writes("convert_sum_to_gauge()", ContextKind::metric) == Writes::all);
}

TEST_CASE("ottl conditions leave the item they read as it was", "[ottl]") {
  // A map attribute holding an entry without a value: reading it must not give the entry an empty value.
  pb::LogRecord log;
  auto* kv = log.add_attributes();
  kv->set_key("http.route");
  kv->mutable_value()->mutable_kvlist_value()->add_values()->set_key("/health");
  const std::string before = log.SerializeAsString();
  Item item;
  item.log = &log;
  for (const char* c : {"attributes[\"http.route\"] == \"/health\"", "attributes[\"http.route\"][\"/health\"] == nil",
                        "IsMatch(attributes[\"http.route\"], \"x\")", "attributes == attributes"}) {
    INFO(c);
    compile_condition(c, ContextKind::log).eval(item);
    CHECK(log.SerializeAsString() == before);
  }
  // A record without a body: keying into it reads nil and adds no body.
  log.clear_body();
  for (const char* c : {"body[\"k\"] == nil", "body[\"k\"][0] == nil", "body == nil"}) {
    INFO(c);
    CHECK(compile_condition(c, ContextKind::log).eval(item));
    CHECK_FALSE(log.has_body());
  }
}
