// The redaction processor end to end through its factory: key rules, summaries, hashing and every place it
// looks.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "processors/redaction/redaction_fixture.h"

using namespace otlpd;
using namespace otlpd::redaction_test;

namespace {
const std::string kCard = "4111 1111 1111 1111";
}

TEST_CASE("allowed_keys keeps listed keys and deletes the rest (fails closed when empty)", "[redaction]") {
  GIVEN("allowed_keys [id, name]") {
    Harness<TraceBatch> h("allowed_keys: [id, name]\nsummary: debug\n");
    auto out = h.run(span_with({{"id", "5"}, {"name", "x"}, {"birth_date", "1990"}, {"notes", "y"}}));
    const auto& a = span_attrs(out);
    CHECK(str(a, "id") == "5");
    CHECK(str(a, "name") == "x");
    CHECK_FALSE(get(a, "birth_date"));
    CHECK_FALSE(get(a, "notes"));
    CHECK(str(a, "redaction.redacted.keys") == "birth_date,notes");
    CHECK(integer(a, "redaction.redacted.count") == 2);
  }
  GIVEN("no allowed_keys and allow_all_keys false") {
    Harness<TraceBatch> h("{}");
    auto out = h.run(span_with({{"a", "1"}, {"b", "2"}}));
    CHECK(span_attrs(out).empty());  // summary is silent by default: nothing added
  }
  GIVEN("allow_all_keys") {
    Harness<TraceBatch> h("allow_all_keys: true\nallowed_keys: []\n");
    auto out = h.run(span_with({{"a", "1"}, {"b", "2"}}));
    CHECK(span_attrs(out).size() == 2);
  }
}

TEST_CASE("ignored_keys and ignored_key_patterns pass untouched, even values that would be masked", "[redaction]") {
  Harness<TraceBatch> h(
      "allowed_keys: [card]\nignored_keys: [safe]\nignored_key_patterns: ['^trusted\\.']\nsummary: debug\n");
  auto out = h.run(span_with({{"safe", kCard}, {"trusted.x", kCard}, {"card", kCard}}));
  const auto& a = span_attrs(out);
  CHECK(str(a, "safe") == kCard);
  CHECK(str(a, "trusted.x") == kCard);
  CHECK(str(a, "card") == "****");
  CHECK(integer(a, "redaction.ignored.count") == 2);
  CHECK(str(a, "redaction.masked.keys") == "card");
  CHECK(integer(a, "redaction.masked.count") == 1);
}

TEST_CASE("blocked_values mask matches, allowed_values exempt the value", "[redaction]") {
  Harness<TraceBatch> h(R"(
allow_all_keys: true
detectors: []
blocked_values: ["secret-[0-9]+", "mycompany\\.com"]
allowed_values: ["support\\.mycompany\\.com"]
summary: debug
)");
  auto out =
      h.run(span_with({{"a", "x secret-42 y"}, {"b", "mail support.mycompany.com"}, {"c", "www.mycompany.com"}}));
  const auto& a = span_attrs(out);
  CHECK(str(a, "a") == "x **** y");
  CHECK(str(a, "b") == "mail support.mycompany.com");
  CHECK(str(a, "c") == "www.****");
  CHECK(str(a, "redaction.masked.keys") == "a,c");
  CHECK(str(a, "redaction.allowed.keys") == "b");
  CHECK(integer(a, "redaction.allowed.count") == 1);
}

TEST_CASE("blocked_key_patterns and default sensitive keys mask whole values", "[redaction]") {
  GIVEN("the defaults") {
    Harness<TraceBatch> h("allow_all_keys: true\n");
    auto out = h.run(span_with({{"password", "hunter2"},
                                {"db.password", "p"},
                                {"http.request.header.authorization", "Basic abc"},
                                {"HTTP.Request.Header.Set-Cookie", "sid=1"},
                                {"api_key", "k"},
                                {"x.apikey", "k"},
                                {"client_secret", "s"},
                                {"session_token", "t"},
                                {"token_count", "12"},
                                {"gen_ai.usage.input_tokens", "100"}}));
    const auto& a = span_attrs(out);
    for (const char* k : {"password", "db.password", "http.request.header.authorization",
                          "HTTP.Request.Header.Set-Cookie", "api_key", "x.apikey", "client_secret", "session_token"})
      CHECK(str(a, k) == "****");
    CHECK(str(a, "token_count") == "12");
    CHECK(str(a, "gen_ai.usage.input_tokens") == "100");
  }
  GIVEN("default_sensitive_keys: false and a pattern of our own") {
    Harness<TraceBatch> h("allow_all_keys: true\ndefault_sensitive_keys: false\nblocked_key_patterns: ['.*pin.*']\n");
    auto out = h.run(span_with({{"password", "hunter2"}, {"card.pin", "1234"}}));
    CHECK(str(span_attrs(out), "password") == "hunter2");
    CHECK(str(span_attrs(out), "card.pin") == "****");
  }
  GIVEN("a non-string value under a blocked key") {
    Harness<TraceBatch> h("allow_all_keys: true\n");
    auto req = span_with({});
    put_int(*req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->mutable_attributes(), "token",
            42);
    auto out = h.run(req);
    CHECK(str(span_attrs(out), "token") == "****");
  }
}

TEST_CASE("redact_all_types scans ints through their string form", "[redaction]") {
  auto req = span_with({});
  put_int(*req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->mutable_attributes(), "n",
          4111111111111111);
  SECTION("off: ints are not scanned") {
    Harness<TraceBatch> h("allow_all_keys: true\n");
    CHECK(integer(span_attrs(h.run(req)), "n") == 4111111111111111);
  }
  SECTION("on: a card number as an int is masked") {
    Harness<TraceBatch> h("allow_all_keys: true\nredact_all_types: true\n");
    CHECK(str(span_attrs(h.run(req)), "n") == "****");
  }
}

TEST_CASE("summary levels: debug lists keys, info counts, silent adds nothing", "[redaction]") {
  auto req = span_with({{"keep", "alice@example.com"}, {"drop", "x"}, {"ign", "y"}});
  const std::string base = "allowed_keys: [keep]\nignored_keys: [ign]\n";
  SECTION("debug") {
    auto a = span_attrs(Harness<TraceBatch>(base + "summary: debug\n").run(req));
    CHECK(str(a, "redaction.redacted.keys") == "drop");
    CHECK(integer(a, "redaction.redacted.count") == 1);
    CHECK(str(a, "redaction.masked.keys") == "keep");
    CHECK(integer(a, "redaction.masked.count") == 1);
    CHECK(integer(a, "redaction.ignored.count") == 1);
  }
  SECTION("info") {
    auto a = span_attrs(Harness<TraceBatch>(base + "summary: info\n").run(req));
    CHECK_FALSE(get(a, "redaction.redacted.keys"));
    CHECK_FALSE(get(a, "redaction.masked.keys"));
    CHECK(integer(a, "redaction.redacted.count") == 1);
    CHECK(integer(a, "redaction.masked.count") == 1);
    CHECK(integer(a, "redaction.ignored.count") == 1);
  }
  SECTION("silent") {
    auto a = span_attrs(Harness<TraceBatch>(base + "summary: silent\n").run(req));
    CHECK(a.size() == 2);
    CHECK(str(a, "keep") == "****");
  }
  SECTION("a second processor adds to the first one's summary") {
    Harness<TraceBatch> first(base + "summary: debug\n");
    Harness<TraceBatch> second("allowed_keys: [keep, other]\nsummary: debug\n");
    auto mid = first.run(req);
    put(*mid.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->mutable_attributes(), "later", "z");
    auto a = span_attrs(second.run(mid));
    CHECK(str(a, "redaction.redacted.keys") == "drop,ign,later");
    CHECK(integer(a, "redaction.redacted.count") == 3);
  }
}

TEST_CASE("hash_function replaces matches with digests, hmac is deterministic per key", "[redaction]") {
  const std::string k1 = "0123456789abcdef0123456789abcdef", k2 = "fedcba9876543210fedcba9876543210";
  auto run = [](const std::string& yaml, const std::string& value) {
    return *str(span_attrs(Harness<TraceBatch>(yaml).run(span_with({{"m", value}}))), "m");
  };
  std::string y1 = "allow_all_keys: true\nhash_function: hmac-sha256\nhmac_key: " + k1 + "\n";
  std::string y1b = "allow_all_keys: true\nhash_function: hmac-sha256\nhash_key: " + k1 + "\n";
  std::string y2 = "allow_all_keys: true\nhash_function: hmac-sha256\nhmac_key: " + k2 + "\n";
  std::string a = run(y1, "mail alice@example.com now");
  CHECK(a.rfind("mail ", 0) == 0);
  CHECK(a.size() == 5 + 64 + 4);
  CHECK(a == run(y1b, "mail alice@example.com now"));
  CHECK(a != run(y2, "mail alice@example.com now"));
  CHECK(a != run(y1, "mail bob@example.com now"));
  CHECK(run("allow_all_keys: true\nhash_function: sha256\n", "alice@example.com") ==
        "ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976");
}

TEST_CASE("spans: resource, scope, span, event and link attributes are all redacted", "[redaction]") {
  Harness<TraceBatch> h("allow_all_keys: true\nsummary: info\n");
  otlp_trace::ExportTraceServiceRequest r;
  auto* rs = r.add_resource_spans();
  put(*rs->mutable_resource()->mutable_attributes(), "owner", "ops@example.com");
  auto* ss = rs->add_scope_spans();
  put(*ss->mutable_scope()->mutable_attributes(), "s", "card " + kCard);
  auto* span = ss->add_spans();
  put(*span->mutable_attributes(), "user", "bob@example.com");
  put(*span->add_events()->mutable_attributes(), "exception.message", "bad card " + kCard + " declined");
  put(*span->add_links()->mutable_attributes(), "peer", "carol@example.com");
  auto out = h.run(r);
  const auto& ors = out.resource_spans(0);
  CHECK(str(ors.resource().attributes(), "owner") == "****");
  CHECK(str(ors.scope_spans(0).scope().attributes(), "s") == "card ****");
  const auto& os = ors.scope_spans(0).spans(0);
  CHECK(str(os.attributes(), "user") == "****");
  CHECK(str(os.events(0).attributes(), "exception.message") == "bad card **** declined");
  CHECK(integer(os.events(0).attributes(), "redaction.masked.count") == 1);
  CHECK(str(os.links(0).attributes(), "peer") == "****");
}

TEST_CASE("attribute arrays and maps are scanned element by element", "[redaction]") {
  Harness<TraceBatch> h("allow_all_keys: true\n");
  auto req = span_with({});
  auto* attrs = req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->mutable_attributes();
  auto* kv = attrs->Add();
  kv->set_key("list");
  auto* arr = kv->mutable_value()->mutable_array_value();
  arr->add_values()->set_string_value("ok");
  arr->add_values()->set_string_value("to bob@example.com");
  auto out = h.run(req);
  const auto& vals = get(span_attrs(out), "list")->array_value().values();
  CHECK(vals.Get(0).string_value() == "ok");
  CHECK(vals.Get(1).string_value() == "to ****");
}

TEST_CASE("logs: attributes and bodies (strings, nested maps and arrays) are redacted", "[redaction]") {
  otlp_logs::ExportLogsServiceRequest r;
  auto* lr = r.add_resource_logs()->add_scope_logs()->add_log_records();
  put(*lr->mutable_attributes(), "user.email", "dave@example.com");
  SECTION("a string body keeps the words around what is masked") {
    lr->mutable_body()->set_string_value("login by dave@example.com with card " + kCard + " ok");
    Harness<LogBatch> h("allow_all_keys: true\nsummary: debug\n");
    auto out = h.run(r);
    const auto& o = out.resource_logs(0).scope_logs(0).log_records(0);
    CHECK(o.body().string_value() == "login by **** with card **** ok");
    CHECK(str(o.attributes(), "user.email") == "****");
    CHECK(str(o.attributes(), "redaction.body.masked.keys") == "body");
    CHECK(integer(o.attributes(), "redaction.body.masked.count") == 1);
  }
  SECTION("a nested map body") {
    auto* m = lr->mutable_body()->mutable_kvlist_value();
    put(*m->mutable_values(), "msg", "hello");
    auto* user = m->add_values();
    user->set_key("user");
    auto* um = user->mutable_value()->mutable_kvlist_value();
    put(*um->mutable_values(), "email", "erin@example.com");
    put(*um->mutable_values(), "password", "hunter2");
    auto* tags = um->add_values();
    tags->set_key("tags");
    tags->mutable_value()->mutable_array_value()->add_values()->set_string_value("ssn 123-45-6789");
    put(*m->mutable_values(), "secret_stuff", "dropped");

    Harness<LogBatch> h("allowed_keys: [msg, user, email, password, tags, user.email]\nsummary: debug\n");
    auto out = h.run(r);
    const auto& o = out.resource_logs(0).scope_logs(0).log_records(0);
    const auto& body = o.body().kvlist_value().values();
    CHECK(str(body, "msg") == "hello");
    CHECK_FALSE(get(body, "secret_stuff"));
    const auto& u = get(body, "user")->kvlist_value().values();
    CHECK(str(u, "email") == "****");
    CHECK(str(u, "password") == "****");
    CHECK(get(u, "tags")->array_value().values(0).string_value() == "ssn ****");
    CHECK(str(o.attributes(), "redaction.body.masked.keys") == "user.email,user.password,user.tags.[0]");
    CHECK(str(o.attributes(), "redaction.body.redacted.keys") == "secret_stuff");
    CHECK(integer(o.attributes(), "redaction.body.redacted.count") == 1);
  }
  SECTION("bodies nested deeper than the bound are masked whole") {
    AnyValue* v = lr->mutable_body();
    for (int i = 0; i < 40; ++i) v = v->mutable_array_value()->add_values();
    v->set_string_value("deep");
    Harness<LogBatch> h("allow_all_keys: true\n");
    auto out = h.run(r);
    const AnyValue* o = &out.resource_logs(0).scope_logs(0).log_records(0).body();
    int depth = 0;
    while (o->has_array_value()) o = &o->array_value().values(0), ++depth;
    CHECK(depth < 40);
    CHECK(o->string_value() == "****");
  }
}

TEST_CASE("metrics: data point attributes of all five types are redacted", "[redaction]") {
  otlp_metrics::ExportMetricsServiceRequest r;
  auto* sm = r.add_resource_metrics()->add_scope_metrics();
  put(*sm->add_metrics()->mutable_gauge()->add_data_points()->mutable_attributes(), "u", "a@example.com");
  put(*sm->add_metrics()->mutable_sum()->add_data_points()->mutable_attributes(), "u", "b@example.com");
  put(*sm->add_metrics()->mutable_histogram()->add_data_points()->mutable_attributes(), "u", "c@example.com");
  put(*sm->add_metrics()->mutable_exponential_histogram()->add_data_points()->mutable_attributes(), "u",
      "d@example.com");
  put(*sm->add_metrics()->mutable_summary()->add_data_points()->mutable_attributes(), "u", "e@example.com");
  Harness<MetricBatch> h("allowed_keys: [u]\nsummary: info\n");
  auto out = h.run(r);
  const auto& ms = out.resource_metrics(0).scope_metrics(0).metrics();
  CHECK(str(ms.Get(0).gauge().data_points(0).attributes(), "u") == "****");
  CHECK(str(ms.Get(1).sum().data_points(0).attributes(), "u") == "****");
  CHECK(str(ms.Get(2).histogram().data_points(0).attributes(), "u") == "****");
  CHECK(str(ms.Get(3).exponential_histogram().data_points(0).attributes(), "u") == "****");
  CHECK(str(ms.Get(4).summary().data_points(0).attributes(), "u") == "****");
  CHECK(integer(ms.Get(4).summary().data_points(0).attributes(), "redaction.masked.count") == 1);
}

TEST_CASE("detectors: defaults, explicit list and none", "[redaction]") {
  auto req = span_with({{"a", "10.0.0.1 alice@example.com"}});
  CHECK(str(span_attrs(Harness<TraceBatch>("allow_all_keys: true\n").run(req)), "a") == "10.0.0.1 ****");
  CHECK(str(span_attrs(Harness<TraceBatch>("allow_all_keys: true\ndetectors: [ipv4]\n").run(req)), "a") ==
        "**** alice@example.com");
  CHECK(str(span_attrs(Harness<TraceBatch>("allow_all_keys: true\ndetectors: []\n").run(req)), "a") ==
        "10.0.0.1 alice@example.com");
}

TEST_CASE("config errors name the key and the valid choices", "[redaction]") {
  auto fails_with = [](const std::string& yaml, const std::string& needle) {
    try {
      parse_config(yaml);
    } catch (const ConfigError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(needle) != std::string::npos);
      return;
    }
    FAIL("no error for: " << yaml);
  };
  fails_with("blocked_values: ['(']", "invalid regular expression");
  fails_with("detectors: [phone]", "unknown value 'phone'; valid values are: credit_card");
  fails_with("summary: loud", "valid values are: debug, info, silent");
  fails_with("hash_function: crc32", "hmac-sha256");
  fails_with("hash_function: hmac-sha256", "at least 32 bytes");
  fails_with("hash_function: hmac-sha256\nhmac_key: short", "at least 32 bytes");
  fails_with("hmac_key: 0123456789abcdef0123456789abcdef", "hash_function");
  fails_with("max_value_size: 10", "max_value_size");
  fails_with("allowed_key: [a]", "allowed_keys");
}

TEST_CASE("concurrent consume() calls on one processor", "[redaction]") {
  Harness<TraceBatch> h("allow_all_keys: true\n");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        TraceBatch b = TraceBatch::make();
        b.first().CopyFrom(span_with({{"m", "x alice@example.com " + kCard}}));
        if (!h.processor->consumers().traces->consume(std::move(b)).is_ok()) ++failures;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  std::lock_guard lock(h.sink.mu_);
  REQUIRE(h.sink.batches.size() == 800);
  for (const auto& b : h.sink.batches) CHECK(str(span_attrs(*b.read_parts()[0].request), "m") == "x **** ****");
}
