// A real Prometheus for tests (see prometheus.h).
#include "support/prometheus.h"

#include <netinet/in.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "extensions/oidcauth/http_fetch.h"
#include "support/http_client.h"

namespace otlpd::test {

int spare_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

Prometheus::Prometheus(const std::string& scrape_target, const std::string& scrape_settings,
                       const std::vector<std::string>& args)
    : port_(spare_port()) {
  std::string yml = "global: {scrape_interval: 1s, evaluation_interval: 1s}\n";
  if (!scrape_target.empty())
    yml +=
        "scrape_configs:\n"
        "  - job_name: otlpd\n"
        "    honor_labels: true\n" +
        scrape_settings + "    static_configs: [{targets: ['" + scrape_target + "']}]\n";
  auto cfg = dir_.write("prometheus.yml", yml);
  const std::string log = dir_.file("prometheus.log");
  std::vector<std::string> argv = {"--config.file=" + cfg, "--storage.tsdb.path=" + dir_.file("data"),
                                   "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                   "--web.enable-remote-write-receiver"};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_ = spawn_process(binary(), argv, {}, log, log);
  bool up = wait_until(
      [&] {
        try {
          HttpRequestOptions get;
          get.method = "GET";
          get.timeout = std::chrono::milliseconds(500);
          return http_request("127.0.0.1", port_, "/-/ready", {}, "", get).status == 200;
        } catch (const std::exception&) {
          return false;
        }
      },
      std::chrono::seconds(30));
  INFO(read_file(log));
  REQUIRE(up);
}

void add_rpc_duration(opentelemetry::proto::metrics::v1::ScopeMetrics& sm, uint64_t time_unix_nano) {
  auto* rpc = sm.add_metrics();
  rpc->set_name("rpc.duration");
  rpc->set_unit("s");
  rpc->mutable_exponential_histogram()->set_aggregation_temporality(
      opentelemetry::proto::metrics::v1::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* e = rpc->mutable_exponential_histogram()->add_data_points();
  e->set_scale(1);
  e->set_count(5);
  e->set_sum(2.5);
  e->set_zero_count(1);
  e->mutable_negative()->add_bucket_counts(1);
  for (uint64_t c : {1, 2}) e->mutable_positive()->add_bucket_counts(c);
  e->set_time_unix_nano(time_unix_nano);
}

Prometheus::~Prometheus() {
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
}

std::string Prometheus::log() const { return read_file(dir_.file("prometheus.log")); }

std::string Prometheus::get(const std::string& path_and_query) {
  HttpRequestOptions get;
  get.method = "GET";
  auto r = http_request("127.0.0.1", port_, path_and_query, {}, "", get);
  REQUIRE(r.status == 200);
  return r.body;
}

Prometheus::Series Prometheus::query(const std::string& q) {
  HttpRequestOptions get;
  get.method = "GET";
  auto r = http_request("127.0.0.1", port_, "/api/v1/query?query=" + oidcauth::form_escape(q), {}, "", get);
  REQUIRE(r.status == 200);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(r.body);
  Series out;
  for (auto series : doc["data"]["result"].get_array()) {
    std::map<std::string, std::string> labels;
    for (auto field : series["metric"].get_object())
      labels[std::string(field.key)] = std::string(std::string_view(field.value.get_string()));
    auto value = std::string(std::string_view(series["value"].at(1).get_string()));
    out.push_back({labels, std::stod(value)});
  }
  return out;
}

Prometheus::Series Prometheus::await(const std::string& q) {
  Series r;
  wait_until([&] { return !(r = query(q)).empty(); }, std::chrono::seconds(30));
  return r;
}

}  // namespace otlpd::test
