// `otlpd healthcheck`: asks a health_check extension whether the daemon is ready, without a shell or curl in the
// image (Dockerfile HEALTHCHECK, Kubernetes exec probes, docker-compose).
#pragma once

#include <chrono>
#include <string>

namespace otlpd {

struct HealthProbe {
  std::string endpoint = "127.0.0.1:13133";  // host:port, [v6]:port; 0.0.0.0 / :: / "" ask the loopback address
  std::string path = "/";
  std::chrono::milliseconds timeout{3000};  // for the whole exchange
};

struct HealthAnswer {
  bool healthy = false;  // the endpoint answered 2xx
  int status = 0;        // the HTTP status; 0 when none came
  std::string message;   // one line for the operator: the status line, or why there was none
};

// One HTTP/1.1 GET of probe.path at probe.endpoint (plain HTTP: the health_check endpoint without TLS).
HealthAnswer probe_health(const HealthProbe& probe);

}  // namespace otlpd
