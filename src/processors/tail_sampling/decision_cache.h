// A compact set of recently decided trace ids: 16 bytes per remembered id, fixed size, oldest evicted first.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace otlpd::tail_sampling {

// A trace id as 16 raw bytes; all zeros is the invalid id and never remembered.
struct TraceId {
  uint64_t hi = 0, lo = 0;

  // Ids that are not 16 bytes long are zero-padded or cut (they are invalid; they still group).
  static TraceId from_bytes(std::string_view b) {
    unsigned char buf[16] = {};
    if (!b.empty()) std::memcpy(buf, b.data(), b.size() < 16 ? b.size() : 16);  // an empty view may be null
    TraceId id;
    std::memcpy(&id.hi, buf, 8);
    std::memcpy(&id.lo, buf + 8, 8);
    return id;
  }
  std::array<char, 16> bytes() const {
    std::array<char, 16> out;
    std::memcpy(out.data(), &hi, 8);
    std::memcpy(out.data() + 8, &lo, 8);
    return out;
  }
  bool is_zero() const { return hi == 0 && lo == 0; }
  uint64_t hash() const {
    // Trace ids are random; mix anyway so that hostile ids cannot pile into one bucket cheaply.
    uint64_t x = hi ^ (lo * 0x9E3779B97F4A7C15ull);
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    return x;
  }
  bool operator==(const TraceId&) const = default;
};

struct TraceIdHash {
  size_t operator()(const TraceId& id) const noexcept { return static_cast<size_t>(id.hash()); }
};

// Set-associative: ids hash to a bucket of four slots (one cache line); a full bucket drops its oldest id.
// Not thread-safe: the owner's lock guards it.
class DecisionCache {
 public:
  // Remembers about `capacity` ids (rounded up to a multiple of four); 0 disables the cache.
  explicit DecisionCache(size_t capacity);

  bool contains(const TraceId& id) const;
  void insert(const TraceId& id);
  // Forgets `id` if present (a trace id that comes back after the cache said "not sampled" might be re-decided).
  void erase(const TraceId& id);
  size_t capacity() const { return buckets_ * kWays; }

 private:
  static constexpr size_t kWays = 4;
  size_t bucket_of(const TraceId& id) const { return static_cast<size_t>((id.hash() >> 7) % buckets_); }

  size_t buckets_ = 0;
  std::unique_ptr<TraceId[]> slots_;  // bucket b: slots_[b*4 .. b*4+3], newest first
};

}  // namespace otlpd::tail_sampling
