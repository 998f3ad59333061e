// Back-off schedule computation.
#include "exporters/helper/retry_policy.h"

#include <algorithm>

namespace otlpd::exporter_helper {

RetryPolicy::RetryPolicy(const RetrySettings& settings, uint64_t seed)
    : settings_(settings), interval_(settings.initial_interval), rng_(seed) {}

std::optional<Duration> RetryPolicy::next_delay(Duration elapsed, Duration retry_after) {
  double r = std::clamp(settings_.randomization_factor, 0.0, 1.0);
  double base = static_cast<double>(interval_.count());
  std::uniform_real_distribution<double> jitter(base * (1.0 - r), base * (1.0 + r));
  auto delay = Duration(static_cast<Duration::rep>(r > 0 ? jitter(rng_) : base));

  // Grow the interval for the next time, capped at max_interval.
  double grown = base * std::max(settings_.multiplier, 1.0);
  double cap = static_cast<double>(settings_.max_interval.count());
  interval_ = Duration(static_cast<Duration::rep>(std::min(grown, cap)));

  delay = std::max(delay, retry_after);
  if (settings_.max_elapsed_time > Duration::zero() && elapsed + delay > settings_.max_elapsed_time)
    return std::nullopt;
  return delay;
}

}  // namespace otlpd::exporter_helper
