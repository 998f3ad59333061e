// The consistent-hash ring: an even spread over the backends, and few keys moved when one backend goes.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "exporters/loadbalancing/ring.h"

using otlpd::loadbalancing_exporter::hash64;
using otlpd::loadbalancing_exporter::HashRing;

namespace {

constexpr int kKeys = 100000;

std::vector<std::string> backends(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::string e = "10.0.0.";
    e += std::to_string(i + 1);
    e += ":4317";
    out.push_back(std::move(e));
  }
  return out;
}

// 100k random 16-byte trace ids (fixed seed).
std::vector<std::string> trace_ids() {
  std::mt19937_64 rng(42);
  std::vector<std::string> out;
  out.reserve(kKeys);
  for (int i = 0; i < kKeys; ++i) {
    std::string id(16, '\0');
    const uint64_t a = rng(), b = rng();
    for (int j = 0; j < 8; ++j) {
      id[j] = static_cast<char>(a >> (8 * j));
      id[8 + j] = static_cast<char>(b >> (8 * j));
    }
    out.push_back(std::move(id));
  }
  return out;
}

// The largest relative deviation of a backend's share from 1/N (0.05 = 5 % above or below).
double max_deviation(const HashRing& ring, const std::vector<std::string>& ids) {
  std::vector<int> count(ring.endpoints().size());
  for (const auto& id : ids) ++count[ring.find(id)];
  const double expected = static_cast<double>(ids.size()) / static_cast<double>(count.size());
  double worst = 0;
  for (int c : count) worst = std::max(worst, std::abs(c - expected) / expected);
  return worst;
}

}  // namespace

TEST_CASE("hash ring: 100k trace ids spread within a few percent over 3 and 10 backends", "[loadbalancing]") {
  const auto ids = trace_ids();
  for (int n : {3, 10}) {
    HashRing ring(backends(n));
    const double dev = max_deviation(ring, ids);
    INFO(n << " backends: largest deviation from 1/N " << dev * 100 << " %");
    WARN(n << " backends: largest deviation of a backend's share from 1/N: " << dev * 100 << " %");
    CHECK(dev < 0.05);
  }
}

TEST_CASE("hash ring: removing one backend of N moves about 1/N of the keys, all from that backend",
          "[loadbalancing]") {
  const auto ids = trace_ids();
  for (int n : {3, 10}) {
    auto all = backends(n);
    HashRing before(all);
    const std::string gone = all[1];
    all.erase(all.begin() + 1);
    HashRing after(all);
    int moved = 0, moved_from_others = 0;
    for (const auto& id : ids) {
      const auto& was = before.endpoints()[before.find(id)];
      const auto& now = after.endpoints()[after.find(id)];
      if (was != now) {
        ++moved;
        if (was != gone) ++moved_from_others;
      }
    }
    const double fraction = static_cast<double>(moved) / kKeys;
    WARN(n << " backends, one removed: " << fraction * 100 << " % of keys moved (1/N = " << 100.0 / n << " %)");
    CHECK(moved_from_others == 0);  // only the removed backend's keys move
    CHECK(fraction > (1.0 / n) * 0.9);
    CHECK(fraction < (1.0 / n) * 1.1);
  }
}

TEST_CASE("hash ring: the same backends in any order make the same ring", "[loadbalancing]") {
  auto a = backends(5);
  auto b = a;
  std::reverse(b.begin(), b.end());
  b.push_back(a[0]);  // a duplicate counts once
  HashRing ra(a), rb(b);
  REQUIRE(ra.endpoints() == rb.endpoints());
  int differ = 0;
  for (const auto& id : trace_ids()) differ += ra.find(id) != rb.find(id);
  CHECK(differ == 0);
}

TEST_CASE("hash64: differs for close inputs", "[loadbalancing]") {
  CHECK(hash64("a#1") != hash64("a#2"));
  CHECK(hash64("") != hash64(std::string(1, '\0')));
}
