// The hash_seed sampling decision of the `probabilistic_sampler` processor, as the Collector computes it.
#pragma once

#include <cstdint>
#include <string_view>

namespace otlpd::probabilistic_sampler {

// FNV-1a (32-bit) over the seed's four bytes, little-endian, followed by `bytes`: the Collector's
// computeHash(bytes, seed).
uint32_t seeded_fnv1a(uint32_t seed, std::string_view bytes);

// Decides on 14 bits of the seeded hash: an item is kept when (hash & 0x3fff) < uint32(percentage * 163.84),
// the product taken in 32-bit float as the Collector does. Same bytes and seed → same decision, everywhere.
class HashSampler {
 public:
  HashSampler(float percentage, uint32_t seed) : scaled_(scaled_rate(percentage)), seed_(seed) {}

  // The acceptance threshold in [0, 16384] for a percentage (clamped to 0-100).
  static uint32_t scaled_rate(float percentage);

  bool sampled(std::string_view bytes) const { return sampled(bytes, scaled_); }
  // With another threshold (a log record's sampling priority).
  bool sampled(std::string_view bytes, uint32_t scaled) const {
    return (seeded_fnv1a(seed_, bytes) & kBucketMask) < scaled;
  }
  uint32_t scaled() const { return scaled_; }

  static constexpr uint32_t kBuckets = 0x4000;
  static constexpr uint32_t kBucketMask = kBuckets - 1;

 private:
  uint32_t scaled_;
  uint32_t seed_;
};

}  // namespace otlpd::probabilistic_sampler
