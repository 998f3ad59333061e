// Reading a running daemon's self-metrics (service.telemetry.metrics.address) in tests.
#pragma once

#include <string>

#include "support/daemon.h"

namespace otlpd::test {

// The value of the series `name_and_labels` exactly as the exposition prints it (`name{a="b"}`), scraped
// from the daemon's metrics endpoint now; 0 when absent.
double self_metric(const Daemon& d, const std::string& name_and_labels);

}  // namespace otlpd::test
