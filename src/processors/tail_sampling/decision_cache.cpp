// The compact decision cache: four-way buckets of raw trace ids.
#include "processors/tail_sampling/decision_cache.h"

namespace otlpd::tail_sampling {

DecisionCache::DecisionCache(size_t capacity) {
  buckets_ = (capacity + kWays - 1) / kWays;
  // Value-initialised: all zero, i.e. empty.
  if (buckets_) slots_ = std::make_unique<TraceId[]>(buckets_ * kWays);
}

bool DecisionCache::contains(const TraceId& id) const {
  if (!buckets_ || id.is_zero()) return false;
  const TraceId* b = &slots_[bucket_of(id) * kWays];
  for (size_t i = 0; i < kWays; ++i)
    if (b[i] == id) return true;
  return false;
}

void DecisionCache::insert(const TraceId& id) {
  if (!buckets_ || id.is_zero()) return;
  TraceId* b = &slots_[bucket_of(id) * kWays];
  size_t end = kWays - 1;  // by default the oldest slot is overwritten
  for (size_t i = 0; i < kWays; ++i) {
    if (b[i] == id) return;
    if (b[i].is_zero()) {
      end = i;
      break;
    }
  }
  for (size_t i = end; i > 0; --i) b[i] = b[i - 1];
  b[0] = id;
}

void DecisionCache::erase(const TraceId& id) {
  if (!buckets_ || id.is_zero()) return;
  TraceId* b = &slots_[bucket_of(id) * kWays];
  for (size_t i = 0; i < kWays; ++i) {
    if (b[i] == id) {
      for (size_t j = i; j + 1 < kWays; ++j) b[j] = b[j + 1];
      b[kWays - 1] = TraceId{};
      return;
    }
  }
}

}  // namespace otlpd::tail_sampling
