// Scraping a daemon's /metrics for one series.
#include "support/self_metrics.h"

#include "support/http_client.h"

namespace otlpd::test {

double self_metric(const Daemon& d, const std::string& name_and_labels) {
  auto body = http_request("127.0.0.1", d.port("metrics", "http"), "/metrics", {}, "", {.method = "GET"}).body;
  for (size_t at = body.find(name_and_labels + " "); at != std::string::npos;
       at = body.find(name_and_labels + " ", at + 1))
    if (at == 0 || body[at - 1] == '\n') return std::stod(body.substr(at + name_and_labels.size() + 1));
  return 0;
}

}  // namespace otlpd::test
