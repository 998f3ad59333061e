// A real Prometheus (Debian's package) on a loopback port for tests: optionally scraping a target every second,
// always accepting remote write at /api/v1/write; queried through its HTTP API.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "opentelemetry/proto/metrics/v1/metrics.pb.h"
#include "support/daemon.h"

namespace otlpd::test {

// A free loopback port (bound and released).
int spare_port();

// Adds `rpc.duration` (unit s) to `sm`: a cumulative exponential histogram of scale 1 (base sqrt(2)) with count 5,
// sum 2.5, one value in the negative bucket [-sqrt(2), -1), one in the zero bucket, and 1 and 2 in the positive
// buckets (1, sqrt(2)] and (sqrt(2), 2], at `time_unix_nano`.
void add_rpc_duration(opentelemetry::proto::metrics::v1::ScopeMetrics& sm, uint64_t time_unix_nano);

class Prometheus {
 public:
  // Starts Prometheus and waits until it is ready; `scrape_target` (host:port) is scraped every second unless
  // empty. `scrape_settings` are more YAML lines of the scrape job (each "    key: value\n", e.g. scheme and
  // tls_config); `args` more command-line flags (e.g. --enable-feature=...).
  explicit Prometheus(const std::string& scrape_target = {}, const std::string& scrape_settings = {},
                      const std::vector<std::string>& args = {});
  ~Prometheus();
  Prometheus(const Prometheus&) = delete;
  Prometheus& operator=(const Prometheus&) = delete;

  static std::string binary() { return "/usr/bin/prometheus"; }
  int port() const { return port_; }
  std::string remote_write_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api/v1/write"; }

  using Series = std::vector<std::pair<std::map<std::string, std::string>, double>>;
  // The instant vector of `q`: each series' labels and value.
  Series query(const std::string& q);
  // Waits (up to 30 s) until `q` has a result, then returns it.
  Series await(const std::string& q);
  std::string log() const;
  // GET `path_and_query` on Prometheus's HTTP API: the body of a 200 answer.
  std::string get(const std::string& path_and_query);

 private:
  TempDir dir_;
  int port_;
  pid_t pid_ = -1;
};

}  // namespace otlpd::test
