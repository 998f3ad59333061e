// The loadbalancing exporter's DNS resolver against a real DNS server (dnsmasq on 127.0.0.1 and a spare port,
// serving a hosts file the test rewrites): backends follow the answers; a failing server keeps the last list.
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/registry.h"
#include "exporters/loadbalancing/dns_resolver.h"
#include "exporters/loadbalancing/ring.h"
#include "platform/telemetry.h"
#include "support/component_config.h"
#include "support/daemon.h"
#include "support/fake_otlp_grpc.h"

extern char** environ;

using namespace otlpd;
using namespace otlpd::loadbalancing_exporter;
using namespace otlpd::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kName = "backends.otlpd.test";

// A port free for UDP and TCP on 127.0.0.1 when asked (dnsmasq binds both).
int spare_port() {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// dnsmasq answering only from `hosts` (re-read on SIGHUP), no upstream, no cache.
class DnsServer {
 public:
  explicit DnsServer(const std::string& hosts) {
    const char* user = getpwuid(getuid())->pw_name;
    for (int attempt = 0; attempt < 5 && pid_ < 0; ++attempt) {
      port_ = spare_port();
      std::vector<std::string> args = {"dnsmasq",
                                       "--keep-in-foreground",
                                       "--conf-file=/dev/null",
                                       "--no-resolv",
                                       "--no-hosts",
                                       "--addn-hosts=" + hosts,
                                       "--listen-address=127.0.0.1",
                                       "--bind-interfaces",
                                       "--port=" + std::to_string(port_),
                                       "--cache-size=0",
                                       "--pid-file=",
                                       std::string("--user=") + user};
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      pid_t pid = -1;
      if (posix_spawnp(&pid, "dnsmasq", nullptr, nullptr, argv.data(), environ) != 0) break;
      // Up once it answers; gone when its port was taken meanwhile.
      DnsResolverSettings probe;
      probe.hostname = kName;
      probe.nameserver = endpoint();
      probe.timeout = 200ms;
      std::vector<std::string> out;
      std::string error;
      const bool up = wait_until(
          [&] {
            int status = 0;
            if (waitpid(pid, &status, WNOHANG) == pid) return true;  // exited
            return resolve_backends(probe, out, error) || error.find("timed out") == std::string::npos;
          },
          5s);
      int status = 0;
      if (up && waitpid(pid, &status, WNOHANG) == 0) pid_ = pid;
    }
    if (pid_ < 0) throw std::runtime_error("dnsmasq did not start (is it installed? scripts/deps.sh --test)");
  }
  ~DnsServer() { stop(); }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  void reload() const { kill(pid_, SIGHUP); }
  void stop() {
    if (pid_ < 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

class NoExtensions final : public Host {
 public:
  Extension* extension(const ComponentId&) const override { return nullptr; }
};

std::string hosts_text(const std::vector<std::string>& ips) {
  std::string out;
  for (const auto& ip : ips) out.append(ip).append(" ").append(kName).append("\n");
  return out;
}

// Sends 60 one-span traces; returns whether every one was accepted.
bool send_traces(Exporter& e, int round) {
  auto batch = TraceBatch::make();
  auto* ss = batch.first().add_resource_spans()->add_scope_spans();
  for (int t = 0; t < 60; ++t) {
    std::string id(16, 'd');
    id[0] = static_cast<char>(t);
    id[1] = static_cast<char>(round);
    ss->add_spans()->set_trace_id(id);
  }
  return e.consumers().traces->consume(std::move(batch)).is_ok();
}

}  // namespace

TEST_CASE("loadbalancing dns resolver: backends follow the A records, a failing server keeps the last list",
          "[loadbalancing][dns]") {
  // Three backends on one port and three loopback addresses, as the pods of a headless Service.
  FakeOtlpGrpcServer b1("127.0.0.1", 0);
  FakeOtlpGrpcServer b2("127.0.0.2", b1.port());
  FakeOtlpGrpcServer b3("127.0.0.3", b1.port());
  TempDir dir;
  const auto hosts = dir.write("hosts", hosts_text({"127.0.0.1", "127.0.0.2"}));
  DnsServer dns(hosts);

  auto cfg = parse_component(Kind::exporter, "loadbalancing",
                             std::string("protocol: {otlp: {tls: {insecure: true}, compression: none}}\n") +
                                 "resolver: {dns: {hostname: " + kName + ", port: " + std::to_string(b1.port()) +
                                 ", interval: 100ms, timeout: 500ms, nameserver: '" + dns.endpoint() + "'}}\n");
  Telemetry telemetry;
  const auto* f = static_cast<const ExporterFactory*>(Registry::instance().find(Kind::exporter, "loadbalancing"));
  auto exporter = f->create(CreateSettings{ComponentId{"loadbalancing", "dns"}, {}, &telemetry}, *cfg);
  const auto resolutions = [&](const char* success) {
    return telemetry.counter_value("otelcol_loadbalancer_num_resolutions", {{"resolver", "dns"}, {"success", success}});
  };
  const auto backends = [&] {
    return telemetry.gauge_value("otelcol_loadbalancer_num_backends", {{"resolver", "dns"}});
  };
  NoExtensions host;
  exporter->start(host);  // the first answer is there when start returns
  CHECK(backends() == 2);
  CHECK(resolutions("true") >= 1);

  REQUIRE(send_traces(*exporter, 1));
  REQUIRE(wait_until([&] { return b1.spans() + b2.spans() == 60; }, 10s));
  CHECK(b1.spans() > 0);
  CHECK(b2.spans() > 0);
  CHECK(b3.spans() == 0);

  // The answer changes: 127.0.0.1 goes, 127.0.0.3 comes.
  dir.write("hosts", hosts_text({"127.0.0.2", "127.0.0.3"}));
  dns.reload();
  const std::string added = "loadbalancing/dns/127.0.0.3:" + std::to_string(b1.port());
  REQUIRE(wait_until(
      [&] {
        return Telemetry::global().gauge_value("otelcol_exporter_queue_capacity",
                                               {{"exporter", added}, {"data_type", "traces"}}) > 0;
      },
      10s));
  // The resolution after the one that added it has started only once the ring switched.
  const auto after_switch = resolutions("true") + 2;
  REQUIRE(wait_until([&] { return resolutions("true") >= after_switch; }, 10s));
  CHECK(backends() == 2);
  const size_t at_b1 = b1.spans();
  REQUIRE(send_traces(*exporter, 2));
  REQUIRE(wait_until([&] { return b2.spans() + b3.spans() == 60 + (60 - at_b1); }, 10s));
  CHECK(b1.spans() == at_b1);  // gone from the ring
  CHECK(b3.spans() > 0);

  // The server goes away: resolutions fail, the known backends stay and keep receiving.
  dns.stop();
  const auto failed_before = resolutions("false");
  REQUIRE(wait_until([&] { return resolutions("false") >= failed_before + 2; }, 10s));
  CHECK(backends() == 2);
  const size_t before = b2.spans() + b3.spans();
  REQUIRE(send_traces(*exporter, 3));
  REQUIRE(wait_until([&] { return b2.spans() + b3.spans() == before + 60; }, 10s));
  CHECK(b1.spans() == at_b1);

  exporter->shutdown(std::chrono::steady_clock::now() + 5s);
}

TEST_CASE("loadbalancing dns resolver: an unknown name is an error, not an empty list", "[loadbalancing][dns]") {
  TempDir dir;
  DnsServer dns(dir.write("hosts", hosts_text({"127.0.0.1"})));
  DnsResolverSettings s;
  s.hostname = "unknown.otlpd.test";
  s.nameserver = dns.endpoint();
  s.port = 4317;
  std::vector<std::string> out;
  std::string error;
  CHECK_FALSE(resolve_backends(s, out, error));
  CHECK_THAT(error, Catch::Matchers::Contains("unknown.otlpd.test"));
  s.hostname = kName;
  REQUIRE(resolve_backends(s, out, error));
  CHECK(out == std::vector<std::string>{"127.0.0.1:4317"});
}

TEST_CASE("loadbalancing trace affinity: traces in flight keep their backend when one is added, new ones move",
          "[loadbalancing][dns]") {
  FakeOtlpGrpcServer b1("127.0.0.1", 0);
  FakeOtlpGrpcServer b2("127.0.0.2", b1.port());
  FakeOtlpGrpcServer b3("127.0.0.3", b1.port());
  const std::string port = std::to_string(b1.port());
  TempDir dir;
  DnsServer dns(dir.write("hosts", hosts_text({"127.0.0.1", "127.0.0.2"})));
  auto cfg = parse_component(Kind::exporter, "loadbalancing",
                             std::string("protocol: {otlp: {tls: {insecure: true}, compression: none}}\n") +
                                 "trace_affinity: {window: 30s}\n" + "resolver: {dns: {hostname: " + kName +
                                 ", port: " + port + ", interval: 100ms, timeout: 500ms, nameserver: '" +
                                 dns.endpoint() + "'}}\n");
  Telemetry telemetry;
  const auto* f = static_cast<const ExporterFactory*>(Registry::instance().find(Kind::exporter, "loadbalancing"));
  auto exporter = f->create(CreateSettings{ComponentId{"loadbalancing", "affinity"}, {}, &telemetry}, *cfg);
  NoExtensions host;
  exporter->start(host);

  // 400 traces; the ring with 127.0.0.3 would move some of the first 200 (in flight) there.
  HashRing after({"127.0.0.1:" + port, "127.0.0.2:" + port, "127.0.0.3:" + port});
  const auto id_of = [](int t) {
    std::string id(16, 'a');
    id[0] = static_cast<char>(t);
    id[1] = static_cast<char>(t >> 8);
    return id;
  };
  int would_move = 0;
  for (int t = 0; t < 200; ++t) would_move += after.endpoints()[after.find(id_of(t))] == "127.0.0.3:" + port;
  REQUIRE(would_move > 20);
  const auto send = [&](int from, int to, char span) {
    auto batch = TraceBatch::make();
    auto* ss = batch.first().add_resource_spans()->add_scope_spans();
    for (int t = from; t < to; ++t) {
      auto* s = ss->add_spans();
      s->set_trace_id(id_of(t));
      s->set_span_id(std::string(8, span));
    }
    return exporter->consumers().traces->consume(std::move(batch)).is_ok();
  };
  REQUIRE(send(0, 200, '1'));  // first spans of the traces in flight

  dir.write("hosts", hosts_text({"127.0.0.1", "127.0.0.2", "127.0.0.3"}));
  dns.reload();
  REQUIRE(wait_until(
      [&] {
        return telemetry.gauge_value("otelcol_loadbalancer_num_backends", {{"resolver", "dns"}}) == 3;
      },
      10s));
  REQUIRE(send(0, 200, '2'));    // second spans of the traces in flight
  REQUIRE(send(200, 400, '1'));  // new traces
  FakeOtlpGrpcServer* all[3] = {&b1, &b2, &b3};
  REQUIRE(wait_until([&] { return b1.spans() + b2.spans() + b3.spans() == 600; }, 10s));

  std::map<std::string, std::set<int>> where;
  for (int b = 0; b < 3; ++b)
    for (const auto& r : all[b]->traces())
      for (const auto& s : r.resource_spans(0).scope_spans(0).spans()) where[s.trace_id()].insert(b);
  int split = 0, in_flight_at_b3 = 0, new_at_b3 = 0;
  for (int t = 0; t < 400; ++t) {
    const auto& at = where[id_of(t)];
    split += at.size() != 1;
    if (at.count(2)) ++(t < 200 ? in_flight_at_b3 : new_at_b3);
  }
  CHECK(split == 0);            // no trace in flight was split by the new backend
  CHECK(in_flight_at_b3 == 0);  // they stayed where they began
  CHECK(new_at_b3 > 20);        // new traces follow the new ring
  exporter->shutdown(std::chrono::steady_clock::now() + 5s);
}

TEST_CASE("loadbalancing: a removed backend's undelivered requests are routed to the backends that remain",
          "[loadbalancing][dns]") {
  FakeOtlpGrpcServer b1("127.0.0.1", 0);
  FakeOtlpGrpcServer b2("127.0.0.2", b1.port());
  FakeOtlpGrpcServer gone("127.0.0.3", b1.port());
  gone.fail_for(10min, grpc::StatusCode::UNAVAILABLE);  // a gateway going away: it takes nothing any more
  const std::string port = std::to_string(b1.port());
  TempDir dir;
  DnsServer dns(dir.write("hosts", hosts_text({"127.0.0.1", "127.0.0.2", "127.0.0.3"})));
  auto cfg = parse_component(
      Kind::exporter, "loadbalancing",
      std::string("protocol: {otlp: {tls: {insecure: true}, compression: none, timeout: 1s,\n") +
          "  retry_on_failure: {initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 0s}}}\n" +
          "trace_affinity: {window: 1s}\n" +  // the removed backend keeps its traces this long, then hands over
          "resolver: {dns: {hostname: " + kName + ", port: " + port +
          ", interval: 100ms, timeout: 500ms, nameserver: '" + dns.endpoint() + "'}}\n");
  Telemetry telemetry;
  const auto* f = static_cast<const ExporterFactory*>(Registry::instance().find(Kind::exporter, "loadbalancing"));
  auto exporter = f->create(CreateSettings{ComponentId{"loadbalancing", "removal"}, {}, &telemetry}, *cfg);
  NoExtensions host;
  exporter->start(host);
  REQUIRE(telemetry.gauge_value("otelcol_loadbalancer_num_backends", {{"resolver", "dns"}}) == 3);

  // 300 one-span traces, in requests of 10, each answered OK (queued); a third of them wait at the failing
  // backend, retrying.
  HashRing ring({"127.0.0.1:" + port, "127.0.0.2:" + port, "127.0.0.3:" + port});
  const auto id_of = [](int t) {
    std::string id(16, 'r');
    id[0] = static_cast<char>(t);
    id[1] = static_cast<char>(t >> 8);
    return id;
  };
  int at_gone = 0;
  for (int t = 0; t < 300; ++t) at_gone += ring.endpoints()[ring.find(id_of(t))] == "127.0.0.3:" + port;
  REQUIRE(at_gone > 50);
  for (int r = 0; r < 30; ++r) {
    auto batch = TraceBatch::make();
    auto* ss = batch.first().add_resource_spans()->add_scope_spans();
    for (int t = r * 10; t < r * 10 + 10; ++t) {
      auto* s = ss->add_spans();
      s->set_trace_id(id_of(t));
      s->set_span_id(std::string(8, 's'));
    }
    REQUIRE(exporter->consumers().traces->consume(std::move(batch)).is_ok());
  }
  REQUIRE(wait_until([&] { return b1.spans() + b2.spans() == static_cast<size_t>(300 - at_gone); }, 10s));
  REQUIRE(wait_until([&] { return gone.attempts() > 0; }, 10s));

  // The backend leaves the DNS answer: its requests come back through the ring to the two that remain.
  dir.write("hosts", hosts_text({"127.0.0.1", "127.0.0.2"}));
  dns.reload();
  REQUIRE(wait_until([&] { return b1.spans() + b2.spans() == 300; }, 20s));
  CHECK(gone.spans() == 0);
  std::map<std::string, int> seen;
  for (auto* b : {&b1, &b2})
    for (const auto& r : b->traces())
      for (const auto& rs : r.resource_spans())
        for (const auto& ss : rs.scope_spans())
          for (const auto& s : ss.spans()) ++seen[s.trace_id()];
  CHECK(seen.size() == 300);  // every trace once: none lost, none twice
  for (const auto& [id, n] : seen) CHECK(n == 1);
  CHECK(Telemetry::global().counter_value("otelcol_exporter_send_failed_spans",
                                          {{"exporter", "loadbalancing/removal/127.0.0.3:" + port}}) == 0);
  exporter->shutdown(std::chrono::steady_clock::now() + 5s);
}

// The topology change: a fourth gateway is added, then one is taken out of the DNS answer and stopped, while
// traces are in flight (each trace's three spans come in three requests, ten rounds apart).
TEST_CASE("loadbalancing topology change: a backend added, then one removed and stopped, splits no trace in flight",
          "[loadbalancing][dns]") {
  FakeOtlpGrpcServer b1("127.0.0.1", 0);
  FakeOtlpGrpcServer b2("127.0.0.2", b1.port());
  FakeOtlpGrpcServer b3("127.0.0.3", b1.port());
  FakeOtlpGrpcServer b4("127.0.0.4", b1.port());
  FakeOtlpGrpcServer* all[4] = {&b1, &b2, &b3, &b4};
  const std::string port = std::to_string(b1.port());
  TempDir dir;
  DnsServer dns(dir.write("hosts", hosts_text({"127.0.0.1", "127.0.0.2", "127.0.0.3"})));
  auto cfg =
      parse_component(Kind::exporter, "loadbalancing",
                      std::string("protocol: {otlp: {tls: {insecure: true}, compression: none}}\n") +
                          "trace_affinity: {window: 3s}\n" + "resolver: {dns: {hostname: " + kName + ", port: " + port +
                          ", interval: 100ms, timeout: 500ms, nameserver: '" + dns.endpoint() + "'}}\n");
  Telemetry telemetry;
  const auto* f = static_cast<const ExporterFactory*>(Registry::instance().find(Kind::exporter, "loadbalancing"));
  auto exporter = f->create(CreateSettings{ComponentId{"loadbalancing", "topology"}, {}, &telemetry}, *cfg);
  NoExtensions host;
  exporter->start(host);
  const auto id_of = [](int t) {
    std::string id(16, 't');
    id[0] = static_cast<char>(t);
    id[1] = static_cast<char>(t >> 8);
    return id;
  };
  // Round r starts traces 10r..10r+9 (span 1) and continues those started 5 and 10 rounds before (spans 2, 3).
  size_t acked = 0;
  // Traces start in rounds 0 to 49 only.
  const auto round = [&](int r) {
    auto batch = TraceBatch::make();
    auto* ss = batch.first().add_resource_spans()->add_scope_spans();
    for (int k = 0; k < 3; ++k) {
      const int from = (r - 5 * k) * 10;
      if (from < 0 || from >= 500) continue;
      for (int t = from; t < from + 10; ++t) {
        auto* s = ss->add_spans();
        s->set_trace_id(id_of(t));
        s->set_span_id(std::string(8, static_cast<char>('1' + k)));
      }
    }
    const size_t n = static_cast<size_t>(ss->spans_size());
    if (n == 0) return;
    REQUIRE(exporter->consumers().traces->consume(std::move(batch)).is_ok());
    acked += n;
  };
  const auto received = [&] {
    size_t n = 0;
    for (auto* b : all) n += b->spans();
    return n;
  };
  const auto switch_to = [&](const std::vector<std::string>& ips, int64_t backends) {
    const auto resolutions = [&] {
      return telemetry.counter_value("otelcol_loadbalancer_num_resolutions",
                                     {{"resolver", "dns"}, {"success", "true"}});
    };
    dir.write("hosts", hosts_text(ips));
    dns.reload();
    REQUIRE(wait_until(
        [&] {
          return telemetry.gauge_value("otelcol_loadbalancer_num_backends", {{"resolver", "dns"}}) == backends;
        },
        10s));
    const auto after = resolutions() + 2;  // a resolution that started after the switch has ended
    REQUIRE(wait_until([&] { return resolutions() >= after; }, 10s));
  };

  for (int r = 0; r < 15; ++r) round(r);
  switch_to({"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"}, 4);
  for (int r = 15; r < 30; ++r) round(r);
  const size_t at_b3_before_removal = b3.spans();
  switch_to({"127.0.0.1", "127.0.0.2", "127.0.0.4"}, 3);
  for (int r = 30; r < 45; ++r) round(r);  // traces begun before round 30 end by round 39
  REQUIRE(wait_until([&] { return received() == acked; }, 10s));
  const size_t at_b3_in_flight = b3.spans() - at_b3_before_removal;
  b3.stop();  // the removed gateway stops once its traces are done
  for (int r = 45; r < 60; ++r) round(r);
  REQUIRE(wait_until([&] { return received() == acked; }, 10s));

  std::map<std::string, std::set<int>> where;
  std::map<std::string, int> spans_of;
  for (int b = 0; b < 4; ++b)
    for (const auto& r : all[b]->traces())
      for (const auto& s : r.resource_spans(0).scope_spans(0).spans()) {
        where[s.trace_id()].insert(b);
        ++spans_of[s.trace_id()];
      }
  int split = 0, incomplete = 0, new_at_b3 = 0, at_b4 = 0;
  for (int t = 0; t < 500; ++t) {
    const auto& at = where[id_of(t)];
    split += at.size() != 1;
    incomplete += spans_of[id_of(t)] != 3;
    if (t >= 300) new_at_b3 += at.count(2) > 0;
    at_b4 += at.count(3) > 0;
  }
  CHECK(acked == 1500);
  CHECK(split == 0);            // neither the added nor the removed backend split a trace in flight
  CHECK(incomplete == 0);       // every acknowledged span arrived, once
  CHECK(at_b3_in_flight > 20);  // the removed backend kept the traces it had until they ended
  CHECK(new_at_b3 == 0);        // traces begun after its removal never went to it
  CHECK(at_b4 > 50);            // the added backend took new traces
  exporter->shutdown(std::chrono::steady_clock::now() + 5s);
}
