// Exponential back-off with jitter between delivery attempts, as the Collector's retry_on_failure computes
// it.
#pragma once

#include <cstdint>
#include <optional>
#include <random>

#include "exporters/helper/settings.h"

namespace otlpd::exporter_helper {

// One request's retry schedule. The n-th wait is drawn uniformly from interval·[1-r, 1+r], where interval
// starts at initial_interval and grows by `multiplier` up to max_interval; a server's retry_after hint raises
// the wait to at least that hint. No wait is given once it would end past max_elapsed_time (0: never).
class RetryPolicy {
 public:
  explicit RetryPolicy(const RetrySettings& settings, uint64_t seed = std::random_device{}());

  // The wait before the next attempt, `elapsed` after the first attempt started; nullopt: give up.
  std::optional<Duration> next_delay(Duration elapsed, Duration retry_after = Duration::zero());
  // The un-randomised interval the next wait is drawn around.
  Duration current_interval() const { return interval_; }

 private:
  RetrySettings settings_;
  Duration interval_;
  std::mt19937_64 rng_;
};

}  // namespace otlpd::exporter_helper
