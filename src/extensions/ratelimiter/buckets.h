// Token buckets and the bounded, sharded table that holds one per key, for the ratelimiter extension.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace otlpd::ratelimiter {

using Clock = std::chrono::steady_clock;

struct BucketLimits {
  double rate = 1;   // tokens added per second, above 0
  double burst = 1;  // the bucket's size, at least 1
};

// A token bucket, full when created. A cost above the burst is taken only from a full bucket, which it leaves
// in debt (so that a request larger than the burst is slowed to the rate, never refused for good).
class TokenBucket {
 public:
  TokenBucket(BucketLimits limits, Clock::time_point now) : limits_(limits), tokens_(limits.burst), last_(now) {}

  // Takes `cost` tokens: zero when taken, else the wait until they would be there (nothing is taken).
  Clock::duration take(double cost, Clock::time_point now);
  double tokens() const { return tokens_; }
  const BucketLimits& limits() const { return limits_; }

 private:
  BucketLimits limits_;
  double tokens_;
  Clock::time_point last_;
};

// One bucket per key, at most `max_keys` of them. The table is split into shards (a mutex each) by the key's
// hash, each holding at most its share of max_keys; a new key in a full shard evicts that shard's least
// recently used key. An evicted key starts again with a full bucket, so eviction can only be generous, and a
// flood of distinct keys costs at most max_keys buckets.
class BucketTable {
 public:
  BucketTable(size_t max_keys, BucketLimits defaults);

  // Per-key limits (by the table's key), used when a key's bucket is created.
  void set_override(std::string key, BucketLimits limits) { overrides_[std::move(key)] = limits; }

  // Takes `cost` tokens from `key`'s bucket (created full when absent): zero when taken, else the wait.
  Clock::duration take(std::string_view key, double cost, Clock::time_point now);

  size_t size() const;
  size_t capacity() const { return shard_capacity_ * shards_.size(); }
  uint64_t evictions() const;

 private:
  struct Entry {
    std::string key;
    TokenBucket bucket;
  };
  struct Shard {
    mutable std::mutex mu;
    std::list<Entry> lru;                                                    // most recently used first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index;  // views into lru's keys
    uint64_t evictions = 0;
  };

  BucketLimits limits_for(std::string_view key) const;

  BucketLimits defaults_;
  std::unordered_map<std::string, BucketLimits> overrides_;
  size_t shard_capacity_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace otlpd::ratelimiter
