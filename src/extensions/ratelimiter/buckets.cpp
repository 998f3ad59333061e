// Token buckets and the bounded key table of the ratelimiter extension.
#include "extensions/ratelimiter/buckets.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace otlpd::ratelimiter {

Clock::duration TokenBucket::take(double cost, Clock::time_point now) {
  if (now > last_) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(limits_.burst, tokens_ + elapsed * limits_.rate);
    last_ = now;
  }
  const double needed = std::min(cost, limits_.burst);  // a larger cost needs a full bucket
  if (tokens_ >= needed) {
    tokens_ -= cost;
    return Clock::duration::zero();
  }
  const double wait = (needed - tokens_) / limits_.rate;
  auto d = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait));
  return std::max(d, Clock::duration(1));
}

namespace {
constexpr size_t kMaxShards = 16;
}

BucketTable::BucketTable(size_t max_keys, BucketLimits defaults) : defaults_(defaults) {
  max_keys = std::max<size_t>(max_keys, 1);
  const size_t shards = std::min(kMaxShards, max_keys);
  shard_capacity_ = max_keys / shards;  // shards × capacity ≤ max_keys
  for (size_t i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

BucketLimits BucketTable::limits_for(std::string_view key) const {
  if (overrides_.empty()) return defaults_;
  auto it = overrides_.find(std::string(key));
  return it == overrides_.end() ? defaults_ : it->second;
}

Clock::duration BucketTable::take(std::string_view key, double cost, Clock::time_point now) {
  Shard& shard = *shards_[std::hash<std::string_view>()(key) % shards_.size()];
  std::lock_guard lock(shard.mu);
  auto found = shard.index.find(key);
  if (found != shard.index.end()) {
    shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
    return found->second->bucket.take(cost, now);
  }
  if (shard.index.size() >= shard_capacity_) {
    shard.index.erase(shard.lru.back().key);
    shard.lru.pop_back();
    ++shard.evictions;
  }
  shard.lru.push_front(Entry{std::string(key), TokenBucket(limits_for(key), now)});
  shard.index.emplace(shard.lru.front().key, shard.lru.begin());
  return shard.lru.front().bucket.take(cost, now);
}

size_t BucketTable::size() const {
  size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mu);
    n += s->index.size();
  }
  return n;
}

uint64_t BucketTable::evictions() const {
  uint64_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mu);
    n += s->evictions;
  }
  return n;
}

}  // namespace otlpd::ratelimiter
