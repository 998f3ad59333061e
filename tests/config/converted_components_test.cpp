// The schemas of the converted components: the keys they take and refuse.
#include <catch2/catch.hpp>

#include <algorithm>

#include "config/node.h"
#include "config/schema.h"
#include "core/registry.h"
#include "extensions/bearertokenauth/config.h"
#include "extensions/health_check/config.h"
#include "processors/attributes/config.h"
#include "processors/tail_sampling/config.h"
#include "processors/tail_sampling/policies.h"

using namespace otlpd;
using Catch::Contains;

namespace {

// The error of parsing `yaml` as the config of `kind` `type`, or "" when it loaded.
std::string error_of(Kind kind, const std::string& type, const std::string& yaml) {
  const auto* f = Registry::instance().find(kind, type);
  REQUIRE(f);
  try {
    f->parse(ConfigNode(YAML::Load(yaml), std::string(to_string(kind)) + "s::" + type));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("debug exporter: verbosity is one of three, the Collector's sampling keys load", "[config][schema]") {
  CHECK(
      error_of(Kind::exporter, "debug", "verbosity: detailed\nsampling_initial: 5\nuse_internal_logger: true").empty());
  CHECK_THAT(error_of(Kind::exporter, "debug", "\nverbosity: loud"),
             Contains("exporters::debug::verbosity (line 2)") &&
                 Contains("unknown value 'loud'; valid values are: basic, normal, detailed"));
}

TEST_CASE("file exporter: path is required, format json only", "[config][schema]") {
  CHECK(error_of(Kind::exporter, "file", "path: /tmp/x.json\nappend: true\nformat: json").empty());
  CHECK_THAT(error_of(Kind::exporter, "file", "append: true"), Contains("missing required key 'path'"));
  CHECK_THAT(error_of(Kind::exporter, "file", "path: /tmp/x\nformat: proto"),
             Contains("format (line 2)") && Contains("not supported by otlpd"));
  CHECK_THAT(error_of(Kind::exporter, "file", "path: /tmp/x\nrotation: {max_megabytes: 1}"),
             Contains("unknown key 'rotation'; valid keys are: append, format, path"));
}

TEST_CASE("health_check: endpoint is host:port, the path gets its slash, the pipeline check stays off",
          "[config][schema]") {
  auto cfg = Registry::instance()
                 .find(Kind::extension, "health_check")
                 ->parse(ConfigNode(YAML::Load("endpoint: 127.0.0.1:0\npath: health"), "extensions::health_check"));
  const auto& hc = config_as<health_check::HealthCheckConfig>(*cfg);
  CHECK(hc.endpoint.host == "127.0.0.1");
  CHECK(hc.endpoint.port == 0);
  CHECK(hc.path == "/health");
  CHECK_THAT(error_of(Kind::extension, "health_check", "endpoint: localhost"),
             Contains("endpoint (line 1)") && Contains("expected an endpoint host:port"));
  CHECK(error_of(Kind::extension, "health_check", "check_collector_pipeline: {enabled: false, interval: 5m}").empty());
  CHECK_THAT(error_of(Kind::extension, "health_check", "check_collector_pipeline:\n  enabled: true"),
             Contains("check_collector_pipeline::enabled (line 2)") && Contains("not supported by otlpd"));
}

TEST_CASE("memory_limiter: limits are checked where they are written, Go's GC keys are refused", "[config][schema]") {
  CHECK(error_of(Kind::processor, "memory_limiter", "check_interval: 1s\nlimit_mib: 100\nspike_limit_mib: 20").empty());
  CHECK(error_of(Kind::processor, "memory_limiter", "check_interval: 1s\nlimit_percentage: 80").empty());
  CHECK_THAT(error_of(Kind::processor, "memory_limiter", "check_interval: 1s\nlimit_mib: 10\nspike_limit_mib: 10"),
             Contains("processors::memory_limiter::spike_limit_mib (line 3)") && Contains("smaller than limit_mib"));
  CHECK_THAT(error_of(Kind::processor, "memory_limiter", "check_interval: 1s\nlimit_percentage: 101"),
             Contains("limit_percentage (line 2)") && Contains("must be between 0 and 100, found 101"));
  CHECK_THAT(error_of(Kind::processor, "memory_limiter",
                      "check_interval: 1s\nlimit_mib: 10\nmin_gc_interval_when_soft_limited: 10s"),
             Contains("min_gc_interval_when_soft_limited (line 3)") && Contains("not supported by otlpd"));
  CHECK_THAT(error_of(Kind::processor, "memory_limiter", "check_interval: 1s\nlimit_mb: 10"),
             Contains("unknown key 'limit_mb'") && Contains("limit_mib"));
}

TEST_CASE("redaction: enums in one style, an empty enum is its default, hash_key is hmac_key's other name",
          "[config][schema]") {
  CHECK(error_of(Kind::processor, "redaction", "summary: ''\nhash_function: ''").empty());
  CHECK(error_of(Kind::processor, "redaction", "hash_function: hmac-sha256\nhash_key: 0123456789abcdef0123456789abcdef")
            .empty());
  CHECK_THAT(error_of(Kind::processor, "redaction", "hash_function: crc32"),
             Contains("hash_function (line 1)") &&
                 Contains("unknown value 'crc32'; valid values are: none, md5, sha1, sha3, sha256, hmac-sha256, "
                          "hmac-sha512"));
  CHECK_THAT(error_of(Kind::processor, "redaction", "detectors: [email, phone]"),
             Contains("detectors[1] (line 1)") && Contains("unknown value 'phone'"));
  const std::string key(32, 'k');
  CHECK_THAT(
      error_of(Kind::processor, "redaction", "hash_function: hmac-sha256\nhmac_key: " + key + "\nhash_key: " + key),
      Contains("hash_key (line 3)") && Contains("not both"));
  CHECK_THAT(error_of(Kind::processor, "redaction", "max_value_size: 1KiB"),
             Contains("max_value_size (line 1)") && Contains("at least 4KiB"));
}

TEST_CASE("filter: each list takes its own fields, enums list their values", "[config][schema]") {
  CHECK(error_of(Kind::processor, "filter",
                 "traces: {span: [{kind: [server, SPAN_KIND_CLIENT], status_code: STATUS_CODE_ERROR}]}\n"
                 "logs: {log_record: [{severity_number: {min: WARN}}, {attributes: {a: {exists: false}}}]}")
            .empty());
  CHECK_THAT(error_of(Kind::processor, "filter", "metrics:\n  datapoint:\n    - {kind: server}"),
             Contains("metrics::datapoint[0]::kind (line 3)") &&
                 Contains("unknown key 'kind'; valid keys are: attributes, name, resource_attributes, scope_name, "
                          "type"));
  CHECK_THAT(
      error_of(Kind::processor, "filter", "logs:\n  log_record:\n    - attributes: {a: {strict: 1, exists: true}}"),
      Contains("give exactly one of 'strict', 'regexp' or 'exists'"));
  CHECK_THAT(error_of(Kind::processor, "filter", "traces: {span: [{name: {strict: a, regexp: b}}]}"),
             Contains("not both"));
  CHECK_THAT(error_of(Kind::processor, "filter", "logs: {log_record: [{severity_number: {}}]}"),
             Contains("give 'min', 'max' or both"));
  CHECK_THAT(error_of(Kind::processor, "filter", "traces: {span: {name: x}}"),
             Contains("traces::span (line 1)") && Contains("expected a list of conditions"));
}

TEST_CASE("tail_sampling: every policy type is one row, with its schema and its builder", "[config][schema]") {
  std::vector<std::string> names;
  for (const auto& t : tail_sampling::policy_types()) {
    INFO(t.name);
    names.push_back(t.name);
    REQUIRE(t.schema);
    REQUIRE(t.read);
    REQUIRE(t.build);
  }
  CHECK(std::is_sorted(names.begin(), names.end()));
  CHECK(names.size() == 15);
  // Each leaf type loads from its documented example and builds a policy, also inside and/drop/composite.
  const std::string leaves =
      "{name: a, type: always_sample}, {name: b, type: boolean_attribute, boolean_attribute: {key: k}},"
      "{name: c, type: bytes_limiting, bytes_limiting: {bytes_per_second: 100}},"
      "{name: d, type: latency, latency: {threshold_ms: 5}},"
      "{name: e, type: numeric_attribute, numeric_attribute: {key: k, min_value: 1}},"
      "{name: f, type: probabilistic, probabilistic: {sampling_percentage: 5}},"
      "{name: g, type: rate_limiting, rate_limiting: {spans_per_second: 10}},"
      "{name: h, type: span_count, span_count: {min_spans: 2}},"
      "{name: i, type: status_code, status_code: {status_codes: [ERROR]}},"
      "{name: j, type: string_attribute, string_attribute: {key: k, values: [v]}},"
      "{name: k, type: trace_state, trace_state: {key: k, values: [v]}},"
      "{name: l, type: ottl_condition, ottl_condition: {span: ['name == \"x\"']}}";
  auto cfg = tail_sampling::parse_config(ConfigNode(
      YAML::Load("policies: [" + leaves + ", {name: and, type: and, and: {and_sub_policy: [" + leaves +
                 "]}}, {name: drop, type: drop, drop: {drop_sub_policy: [" + leaves +
                 "]}}, {name: comp, type: composite, composite: {max_total_spans_per_second: 100, "
                 "policy_order: [b, a], composite_sub_policy: [{name: a, type: always_sample}, {name: b, type: "
                 "latency, latency: {threshold_ms: 1}}], rate_allocation: [{policy: a, percent: 40}]}}]"),
      "processors::tail_sampling"));
  REQUIRE(cfg->policies.size() == 15);
  for (const auto& p : cfg->policies) CHECK(tail_sampling::make_policy(p) != nullptr);
}

TEST_CASE("tail_sampling: settings belong to the policy's type, a type without settings gets its defaults' checks",
          "[config][schema]") {
  auto err = [](const std::string& yaml) { return error_of(Kind::processor, "tail_sampling", yaml); };
  CHECK_THAT(err("policies:\n  - name: a\n    type: latency\n    probabilistic: {sampling_percentage: 1}"),
             Contains("policies[0]::probabilistic (line 4)") &&
                 Contains("'probabilistic' settings in a policy of type 'latency'"));
  CHECK_THAT(err("policies: [{name: r, type: rate_limiting}]"),
             Contains("policies[0]::rate_limiting") && Contains("missing required key 'spans_per_second'"));
  CHECK_THAT(err("policies: [{name: n, type: not}]"), Contains("value 'not' is not supported by otlpd"));
  CHECK_THAT(err("policies: [{name: n, type: ottl_condition, ottl_condition: {span: ['nme == 1']}}]"),
             Contains("column 1: unknown path 'nme'"));
  CHECK_THAT(err("policies: [{name: a, type: always_sample}]\nblock_on_overflow: true"),
             Contains("block_on_overflow (line 2)") && Contains("not supported by otlpd"));
  CHECK_THAT(err("policies: [{name: a, type: always_sample}, {name: a, type: always_sample}]"),
             Contains("duplicate policy name 'a'"));
  CHECK_THAT(err("policies:\n  - name: c\n    type: composite\n    composite:\n      max_total_spans_per_second: 10\n"
                 "      composite_sub_policy: [{name: a, type: always_sample}]\n"
                 "      rate_allocation:\n        - {policy: zz, percent: 10}"),
             Contains("rate_allocation[0] (line 8)") && Contains("unknown policy 'zz'"));
  CHECK_THAT(err("policies: [{name: a, type: always_sample}]\nnum_shards: 5000"),
             Contains("num_shards (line 2)") && Contains("must be between 0 and 4096"));
  CHECK_THAT(err("policies: [{name: a, type: always_sample}]\ndecision_wait: 0s"),
             Contains("decision_wait (line 2)") && Contains("decision_wait must be positive"));
}

TEST_CASE("bearertokenauth and basicauth: aliases, lower-cased header, server or client side", "[config][schema]") {
  auto cfg = Registry::instance()
                 .find(Kind::extension, "bearertokenauth")
                 ->parse(ConfigNode(YAML::Load("header: X-Token\nscheme: ''\nbearer_token: a\ntokens: [b, c]"),
                                    "extensions::bearertokenauth"));
  const auto& b = config_as<bearertokenauth::BearerTokenAuthConfig>(*cfg);
  CHECK(b.header == "x-token");
  CHECK(b.scheme.empty());
  CHECK(b.tokens == std::vector<std::string>{"a", "b", "c"});
  CHECK_THAT(error_of(Kind::extension, "bearertokenauth", "token: a\nheader: ''"),
             Contains("header (line 2)") && Contains("header must not be empty"));
  CHECK_THAT(error_of(Kind::extension, "bearertokenauth", "tokens: [a, '']"),
             Contains("tokens (line 1)") && Contains("must not contain an empty token"));
  CHECK_THAT(
      error_of(Kind::extension, "basicauth", "client_auth: {username: a, password: b}\nhtpasswd: {inline: 'u:p'}"),
      Contains("either a server authenticator (htpasswd) or a client one (client_auth), not both"));
  CHECK(error_of(Kind::extension, "basicauth", "client_auth: {username: a, password_file: /run/secret}").empty());
  CHECK_THAT(error_of(Kind::extension, "basicauth", "client_auth: {username: a, password: b, password_file: f}"),
             Contains("client_auth::password_file") && Contains("not both"));
  CHECK_THAT(error_of(Kind::extension, "basicauth", "{}"), Contains("needs 'htpasswd'"));
  CHECK_THAT(error_of(Kind::extension, "basicauth", "htpasswd: {inline: 'u:p', files: x}"),
             Contains("unknown key 'files'; valid keys are: file, inline"));
}

TEST_CASE("resource: the attributes list has the attributes processor's action keys", "[config][schema]") {
  CHECK(error_of(Kind::processor, "resource", "attributes: [{key: a, value: 1, action: upsert}]").empty());
  CHECK_THAT(error_of(Kind::processor, "resource", "\nattributes: []"),
             Contains("attributes (line 2)") && Contains("at least one action"));
  const auto* s = find_schema(Kind::processor, "resource");
  REQUIRE(s);
  REQUIRE(s->keys().size() == 1);
  CHECK(s->keys()[0].nested == &attributes_processor::action_schema());
}
