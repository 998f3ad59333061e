// `otlpd components --describe TYPE` prints a component's keys from its schema.
#include <catch2/catch.hpp>

#include "support/daemon.h"

using namespace otlpd::test;
using Catch::Matchers::Contains;

TEST_CASE("components --describe prints every key of a converted component with type, default and doc",
          "[config][schema][cli]") {
  auto r = run_otlpd({"components", "--describe", "batch"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("processor batch:\n  send_batch_size  uint32  default: 8192\n      items"));
  CHECK_THAT(r.out, Contains("timeout  duration (at least 0s)  default: 200ms"));
  CHECK_THAT(r.out, Contains("max_pending_items  uint64  default: 0"));
  auto debug = run_otlpd({"components", "--describe", "logging"});  // an alias names the same component
  CHECK_THAT(debug.out, Contains("exporter debug:") && Contains("sampling_initial  any\n      ignored by otlpd"));
}

TEST_CASE("components --describe says when a component is not converted yet, and refuses unknown types",
          "[config][schema][cli]") {
  auto otlp = run_otlpd({"components", "--describe", "otlp"});
  CHECK(otlp.exit_code == 0);
  CHECK_THAT(otlp.out, Contains("receiver otlp:\n  protocols  map"));
  CHECK_THAT(otlp.out, Contains("exporter otlp:"));
  auto bad = run_otlpd({"components", "--describe", "nosuch"});
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.out, Contains("no component of type 'nosuch'"));
  CHECK(run_otlpd({"--describe", "batch"}).exit_code == 2);
  CHECK(run_otlpd({"components", "--describe"}).exit_code == 2);
}

TEST_CASE("components --describe prints the policy table of tail_sampling and the refused keys of the others",
          "[config][schema][cli]") {
  auto ts = run_otlpd({"components", "--describe", "tail_sampling"});
  CHECK(ts.exit_code == 0);
  CHECK_THAT(ts.out, Contains("      latency  map\n          latest end minus earliest start over the spans\n"
                              "          threshold_ms  int (at least 0)  default: 0"));
  CHECK_THAT(ts.out, Contains("          and_sub_policy  list of policies (required)"));
  CHECK_THAT(ts.out, Contains("              latency  map\n                  latest end minus earliest start over "
                              "the spans\n                  (the keys of latency)"));
  CHECK_THAT(ts.out, Contains("block_on_overflow  -\n      not supported by otlpd"));
  auto ml = run_otlpd({"components", "--describe", "memory_limiter"});
  CHECK_THAT(ml.out, Contains("limit_percentage  uint32 (between 0 and 100)  default: 0"));
  CHECK_THAT(ml.out, Contains("min_gc_interval_when_soft_limited  -\n      not supported by otlpd"));
  auto ba = run_otlpd({"components", "--describe", "basicauth"});
  CHECK_THAT(ba.out, Contains("  client_auth  map\n      client side: the credentials exporters send"));
  CHECK_THAT(ba.out, Contains("  htpasswd  map\n      server side: the accepted users, 'file' and/or 'inline'\n"
                              "      file  string"));
}
