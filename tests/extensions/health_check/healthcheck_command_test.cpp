// `otlpd healthcheck`: the probe the container image, docker-compose and the Kubernetes manifests run (no shell).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/daemon.h"

using namespace otlpd::test;
using Catch::Matchers::Contains;

namespace {

constexpr const char* kConfig = R"(
extensions:
  health_check:
    endpoint: 127.0.0.1:0
    path: /ready
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
exporters:
  debug:
service:
  extensions: [health_check]
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
)";

// A loopback listener that accepts connections into its backlog and never answers.
struct SilentListener {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int port = 0;
  SilentListener() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, 4) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
  }
  ~SilentListener() { ::close(fd); }
};

}  // namespace

TEST_CASE("otlpd healthcheck exits 0 while the health_check endpoint answers 200, 1 otherwise", "[health_check]") {
  Daemon d(kConfig);
  const std::string endpoint = d.endpoint("health_check", "http");
  auto ok = run_otlpd({"healthcheck", "--endpoint", endpoint, "--path", "/ready"});
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Contains("200"));

  // The wildcard address of a container's config is asked on loopback.
  auto wildcard = run_otlpd(
      {"healthcheck", "--endpoint", "0.0.0.0:" + std::to_string(d.port("health_check", "http")), "--path", "/ready"});
  CHECK(wildcard.exit_code == 0);

  auto wrong_path = run_otlpd({"healthcheck", "--endpoint", endpoint, "--path", "/elsewhere"});
  CHECK(wrong_path.exit_code == 1);
  CHECK_THAT(wrong_path.out, Contains("404"));

  const int port = d.port("health_check", "http");
  REQUIRE(d.stop() == 0);
  auto gone = run_otlpd({"healthcheck", "--endpoint", "127.0.0.1:" + std::to_string(port), "--path", "/ready"});
  CHECK(gone.exit_code == 1);
  CHECK_THAT(gone.out, Contains("cannot connect"));
}

TEST_CASE("otlpd healthcheck gives up after its timeout on an endpoint that never answers", "[health_check]") {
  SilentListener silent;
  const auto start = std::chrono::steady_clock::now();
  auto r = run_otlpd({"healthcheck", "--endpoint", "127.0.0.1:" + std::to_string(silent.port), "--timeout", "300ms"});
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Contains("no answer") && Contains("300ms"));
  CHECK(took < std::chrono::seconds(5));
}

TEST_CASE("otlpd healthcheck refuses a malformed endpoint or timeout with a usage error", "[health_check]") {
  auto bad = run_otlpd({"healthcheck", "--endpoint", "no-port"});
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.out, Contains("not an endpoint"));
  auto timeout = run_otlpd({"healthcheck", "--timeout", "soon"});
  CHECK(timeout.exit_code == 2);
  CHECK_THAT(timeout.out, Contains("--timeout"));
}
