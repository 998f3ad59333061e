// A flood of spoofed keys cannot grow the ratelimiter's key table without bound: 100,000 distinct
// X-Forwarded-For addresses from a trusted proxy, and the daemon's RSS grows by no more than the table's bound.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "support/daemon.h"
#include "support/http_client.h"
#include "support/self_metrics.h"

namespace otlpd::test {

namespace {

// VmRSS of `pid` in bytes, from /proc/<pid>/status.
size_t rss_bytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  return 0;
}

// `n` requests with distinct X-Forwarded-For addresses (10.a.b.c from `first`) over one keep-alive connection;
// each carries an empty traces request (valid OTLP, 0 spans): the cost is the limiter's, not the pipeline's.
void flood(int port, uint32_t first, uint32_t n) {
  HttpConnection c("127.0.0.1", port);
  for (uint32_t i = first; i < first + n; ++i) {
    const uint32_t a = 0x0a000000 | i;
    const std::string ip = std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
                           std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
    auto r = c.request("/v1/traces", {{"Content-Type", "application/x-protobuf"}, {"X-Forwarded-For", ip}}, "");
    REQUIRE(r.status == 200);
  }
}

}  // namespace

TEST_CASE("ratelimiter: a hundred thousand spoofed client addresses grow RSS by no more than max_keys buckets",
          "[ratelimit][integration]") {
  constexpr uint32_t kMaxKeys = 1000;
  Daemon d(R"(
extensions:
  ratelimiter:
    rate: 1000
    burst: 1000
    metadata_keys: [client.address]
    trusted_proxies: [127.0.0.1]
    max_keys: 1000
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
        middlewares: [{id: ratelimiter}]
exporters:
  debug: {verbosity: basic}
service:
  extensions: [ratelimiter]
  telemetry:
    metrics: {address: "127.0.0.1:0"}
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
)");
  const int port = d.port("otlp", "http");
  // Warm up: the table full once, connection buffers and allocator arenas in place.
  flood(port, 0, 2 * kMaxKeys);
  const size_t before = rss_bytes(d.pid());
  REQUIRE(before > 0);
  flood(port, 2 * kMaxKeys, 100'000);
  const size_t after = rss_bytes(d.pid());
  const double keys = self_metric(d, R"(otlpd_ratelimit_keys{limiter="ratelimiter"})");
  CHECK(keys > kMaxKeys / 2);
  CHECK(keys <= kMaxKeys);

  // A bucket with its key costs under 256 bytes (list node, index node, key); a table that kept every key
  // would grow by 100,000 × that (> 10 MB). The bound: the table's own size once more, plus 2 MiB of allocator
  // and buffer slack.
  const size_t bound = kMaxKeys * 256 + 2 * 1024 * 1024;
  INFO("RSS before " << before << " B, after " << after << " B, bound " << bound << " B");
#if defined(OTLPD_SANITIZE)
  // ASan holds freed memory in its quarantine (256 MiB by default) and its allocator keeps what it took: RSS grows
  // with every request there (59 MB to 449 MB in CI) and says nothing of the table. The Release tree checks it.
  (void)after;
#else
  CHECK(after <= before + bound);
#endif
  CHECK(d.stop() == 0);
}

}  // namespace otlpd::test
