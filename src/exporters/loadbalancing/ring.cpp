// The consistent-hash ring: sorted virtual-node positions, a binary search per lookup.
#include "exporters/loadbalancing/ring.h"

#include <algorithm>

namespace otlpd::loadbalancing_exporter {

uint64_t hash64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  // splitmix64's finaliser
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

HashRing::HashRing(std::vector<std::string> endpoints, int virtual_nodes) : endpoints_(std::move(endpoints)) {
  std::sort(endpoints_.begin(), endpoints_.end());
  endpoints_.erase(std::unique(endpoints_.begin(), endpoints_.end()), endpoints_.end());
  points_.reserve(endpoints_.size() * static_cast<size_t>(virtual_nodes));
  for (uint32_t b = 0; b < endpoints_.size(); ++b) {
    std::string name = endpoints_[b];
    name += '#';
    const size_t base = name.size();
    for (int i = 0; i < virtual_nodes; ++i) {
      name.resize(base);
      name += std::to_string(i);
      points_.emplace_back(hash64(name), b);
    }
  }
  // Ties (practically never) go to the smaller backend index, the same in every process.
  std::sort(points_.begin(), points_.end());
}

size_t HashRing::find(uint64_t key) const {
  auto it = std::lower_bound(points_.begin(), points_.end(), std::make_pair(key, uint32_t{0}));
  if (it == points_.end()) it = points_.begin();
  return it->second;
}

}  // namespace otlpd::loadbalancing_exporter
