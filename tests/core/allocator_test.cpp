// glibc allocator settings: freed request-sized blocks are reused instead of being returned to the system and
// faulted back in (platform/allocator.h). Each TEST_CASE runs in its own process (CTest), so the settings of one
// do not leak into another.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "platform/allocator.h"
#include "platform/sanitizer.h"
#include "support/daemon.h"
#include "support/otlp_client.h"

using namespace otlpd;
using namespace otlpd::test;

#if !defined(OTLPD_ASAN_ALLOCATOR)

namespace {

long thread_minor_faults() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return u.ru_minflt;
}

// What a gRPC transport thread does per request: receive buffers of 64-232 KiB, written, then freed. Run on a
// thread of its own, as the transport's are (an arena other than the main one). Returns the minor page faults of
// the second 200 rounds (the first warm the arena up).
long faults_of_request_sized_blocks() {
  long faults = 0;
  std::thread([&] {
    for (int pass = 0; pass < 2; ++pass) {
      const long before = thread_minor_faults();
      for (int round = 0; round < 200; ++round) {
        std::vector<char*> blocks;
        for (size_t i = 0; i < 8; ++i) {
          const size_t n = (64 + 24 * i) << 10;
          auto* p = static_cast<char*>(std::malloc(n));
          REQUIRE(p);
          std::memset(p, 1, n);
          blocks.push_back(p);
        }
        for (char* p : blocks) std::free(p);
      }
      faults = thread_minor_faults() - before;
    }
  }).join();
  return faults;
}

long process_minor_faults(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 10; ++i) fields >> field;  // field 10 is minflt
  return std::stol(field);
}

}  // namespace

TEST_CASE("allocator: with the daemon's thresholds, request-sized blocks freed and taken again fault no new pages",
          "[allocator]") {
  CHECK(tune_allocator(nullptr) == "allocator: mmap_threshold 4096 KiB, trim_threshold 4096 KiB");
  // 200 rounds of 1.3 MiB: glibc's defaults fault most of it back in every round (tens of thousands of faults).
  CHECK(faults_of_request_sized_blocks() < 100);
}

TEST_CASE("allocator: glibc.malloc settings in GLIBC_TUNABLES win over the daemon's", "[allocator]") {
  CHECK(tune_allocator("glibc.malloc.trim_threshold=131072") == "allocator: glibc.malloc settings from GLIBC_TUNABLES");
  CHECK(tune_allocator("glibc.pthread.rseq=0") == "allocator: mmap_threshold 4096 KiB, trim_threshold 4096 KiB");
}

TEST_CASE("allocator: glibc's defaults fault request-sized blocks back in (what the daemon's thresholds avoid)",
          "[allocator]") {
  // Nothing tuned in this process: the same blocks as above, for contrast.
  CHECK(faults_of_request_sized_blocks() > 1000);
}

TEST_CASE("allocator: a warm daemon takes concurrent 400 KiB gRPC requests without faulting in new pages",
          "[allocator][integration]") {
  Daemon d(R"(
receivers:
  otlp:
    protocols:
      grpc: {endpoint: 127.0.0.1:0}
exporters:
  debug: {verbosity: basic}
service:
  telemetry:
    logs: {level: debug}
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
)");
  CHECK_THAT(d.log(), Catch::Contains("allocator: mmap_threshold 4096 KiB, trim_threshold 4096 KiB"));
  // full_traces sets every field (three attribute sets of every type per span): 512 spans make about 420 KiB.
  const auto request = full_traces(512, 7);
  constexpr int kClients = 8, kRequestsPerClient = 25;
  std::vector<std::unique_ptr<OtlpGrpcClient>> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(std::make_unique<OtlpGrpcClient>(d.endpoint("otlp", "grpc")));
  // Every client sends its requests at once, one connection each.
  auto round = [&] {
    std::atomic<int> failed{0};
    std::vector<std::thread> threads;
    for (auto& c : clients)
      threads.emplace_back([&, client = c.get()] {
        for (int i = 0; i < kRequestsPerClient; ++i)
          if (!client->send(request).ok()) failed.fetch_add(1);
      });
    for (auto& t : threads) t.join();
    REQUIRE(failed.load() == 0);
  };
  // Two rounds warm the arenas up (each thread that allocates at once may open one).
  round();
  round();
  const long before = process_minor_faults(d.pid());
  round();
  const long faults = process_minor_faults(d.pid()) - before;
  // With glibc's defaults the same round faults about 570 pages per request (2.3 MB) in most runs; with the
  // daemon's settings 0-7 alone, and up to 22 beside the rest of the suite (threads scheduled otherwise take
  // memory from arenas the warm-up did not open).
  constexpr long kRequests = kClients * kRequestsPerClient;
  INFO("minor faults over " << kRequests << " requests: " << faults);
  CHECK(faults < 100 * kRequests);
}

#else

TEST_CASE("allocator: under AddressSanitizer its allocator is left alone", "[allocator]") {
  CHECK(tune_allocator(nullptr) == "allocator: left to AddressSanitizer");
}

#endif
