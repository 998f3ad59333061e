// Seeded FNV-1a and the 14-bit hash bucket decision.
#include "processors/probabilistic_sampler/sampler.h"

namespace otlpd::probabilistic_sampler {

namespace {
constexpr uint32_t kFnvOffset = 2166136261u;
constexpr uint32_t kFnvPrime = 16777619u;

uint32_t fnv1a_step(uint32_t h, uint8_t byte) { return (h ^ byte) * kFnvPrime; }
}  // namespace

uint32_t seeded_fnv1a(uint32_t seed, std::string_view bytes) {
  uint32_t h = kFnvOffset;
  for (int i = 0; i < 4; ++i) h = fnv1a_step(h, static_cast<uint8_t>(seed >> (8 * i)));
  for (char c : bytes) h = fnv1a_step(h, static_cast<uint8_t>(c));
  return h;
}

uint32_t HashSampler::scaled_rate(float percentage) {
  if (!(percentage > 0)) return 0;  // also NaN
  if (percentage >= 100) return kBuckets;
  // float * float, truncated: the Collector's uint32(pct * percentageScaleFactor) with a float32 pct.
  return static_cast<uint32_t>(percentage * (static_cast<float>(kBuckets) / 100.0f));
}

}  // namespace otlpd::probabilistic_sampler
