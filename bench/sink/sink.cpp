// otlpd-sink: a minimal OTLP/gRPC trace sink for benchmarks. It answers every Export call with OK and counts
// requests and spans by walking the protobuf wire format (no decoding into messages), so it stays cheap.
//
// Prints "otlpd-sink listening on HOST:PORT" once bound, and on SIGINT/SIGTERM (or after --duration) a total
// line and one JSON line. With --stats-file it also rewrites that file with the JSON totals every 200 ms.
#include <absl/synchronization/mutex.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

std::atomic<uint64_t> g_requests{0};
std::atomic<uint64_t> g_spans{0};
std::atomic<uint64_t> g_bytes{0};
std::atomic<uint64_t> g_malformed{0};
volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) { g_stop = 1; }

// A bounds-checked protobuf wire reader over one length-delimited region.
struct Wire {
  const uint8_t* p;
  const uint8_t* end;
  bool ok = true;

  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) return ok = false;
      uint8_t b = *p++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return ok = false;
  }
  // Next field: its number, wire type, and for length-delimited fields the payload.
  bool next(uint32_t& field, uint32_t& type, Wire& payload) {
    if (p >= end) return false;
    uint64_t key;
    if (!varint(key)) return false;
    field = static_cast<uint32_t>(key >> 3);
    type = static_cast<uint32_t>(key & 7);
    uint64_t v;
    switch (type) {
      case 0:
        return varint(v);
      case 1:
        return skip(8);
      case 5:
        return skip(4);
      case 2:
        if (!varint(v) || v > static_cast<uint64_t>(end - p)) return ok = false;
        payload = Wire{p, p + v};
        p += v;
        return true;
      default:
        return ok = false;
    }
  }
  bool skip(size_t n) {
    if (static_cast<size_t>(end - p) < n) return ok = false;
    p += n;
    return true;
  }
};

// ExportTraceServiceRequest.resource_spans(1) → ResourceSpans.scope_spans(2) → ScopeSpans.spans(2).
bool count_spans(std::string_view bytes, uint64_t& spans) {
  auto count_in = [](Wire w, uint32_t want, auto&& inner) {
    uint32_t f, t;
    Wire sub{nullptr, nullptr};
    while (w.next(f, t, sub))
      if (f == want && t == 2) inner(sub);
    return w.ok;
  };
  bool ok = true;
  Wire top{reinterpret_cast<const uint8_t*>(bytes.data()),
           reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size()};
  ok &= count_in(
      top, 1, [&](Wire rs) { ok &= count_in(rs, 2, [&](Wire ss) { ok &= count_in(ss, 2, [&](Wire) { ++spans; }); }); });
  return ok;
}

class ExportReactor final : public grpc::ServerGenericBidiReactor {
 public:
  explicit ExportReactor(bool traces) : traces_(traces) {
    // A default ByteBuffer has no buffer behind it and cannot be written; this one holds zero bytes.
    grpc::Slice empty;
    response_ = grpc::ByteBuffer(&empty, 1);
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    std::vector<grpc::Slice> slices;
    uint64_t spans = 0;
    bool parsed = true;
    if (request_.Dump(&slices).ok()) {
      std::string_view view;
      std::string joined;
      if (slices.size() == 1) {
        view = std::string_view(reinterpret_cast<const char*>(slices[0].begin()), slices[0].size());
      } else {
        for (const auto& s : slices) joined.append(reinterpret_cast<const char*>(s.begin()), s.size());
        view = joined;
      }
      g_bytes.fetch_add(view.size(), std::memory_order_relaxed);
      if (traces_) parsed = count_spans(view, spans);
    }
    if (!parsed) {
      g_malformed.fetch_add(1, std::memory_order_relaxed);
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "malformed ExportTraceServiceRequest"));
      return;
    }
    g_requests.fetch_add(1, std::memory_order_relaxed);
    g_spans.fetch_add(spans, std::memory_order_relaxed);
    // An empty Export*ServiceResponse serialises to zero bytes.
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }
  void OnWriteDone(bool) override {}
  void OnDone() override { delete this; }

 private:
  bool traces_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

class Service final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    const std::string& m = ctx->method();
    if (m.ends_with("TraceService/Export")) return new ExportReactor(true);
    if (m.ends_with("MetricsService/Export") || m.ends_with("LogsService/Export")) return new ExportReactor(false);
    return grpc::CallbackGenericService::CreateReactor(ctx);  // UNIMPLEMENTED
  }
};

std::string totals_json() {
  char buf[256];
  std::snprintf(buf, sizeof buf, "{\"requests\":%llu,\"spans\":%llu,\"bytes\":%llu,\"malformed\":%llu}",
                static_cast<unsigned long long>(g_requests.load()), static_cast<unsigned long long>(g_spans.load()),
                static_cast<unsigned long long>(g_bytes.load()), static_cast<unsigned long long>(g_malformed.load()));
  return buf;
}

void write_stats(const std::string& path) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << totals_json() << "\n";
  }
  std::rename(tmp.c_str(), path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  // As in otlpd: Debian's Abseil tracks lock cycles on every absl::Mutex gRPC takes (bench/PROFILE.md).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::string endpoint = "127.0.0.1:0";
  std::string stats_file;
  double duration_s = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--endpoint" && i + 1 < argc)
      endpoint = argv[++i];
    else if (a == "--stats-file" && i + 1 < argc)
      stats_file = argv[++i];
    else if (a == "--duration" && i + 1 < argc)
      duration_s = std::stod(argv[++i]);
    else {
      std::fprintf(stderr, "usage: otlpd-sink [--endpoint host:port] [--stats-file PATH] [--duration SECONDS]\n");
      return 2;
    }
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  Service service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(endpoint, grpc::InsecureServerCredentials(), &port);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  builder.RegisterCallbackGenericService(&service);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "otlpd-sink: cannot listen on %s\n", endpoint.c_str());
    return 1;
  }
  std::printf("otlpd-sink listening on %s:%d\n", endpoint.substr(0, endpoint.rfind(':')).c_str(), port);
  std::fflush(stdout);

  auto started = std::chrono::steady_clock::now();
  while (!g_stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (!stats_file.empty()) write_stats(stats_file);
    if (duration_s > 0 && std::chrono::steady_clock::now() - started > std::chrono::duration<double>(duration_s)) break;
  }
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  server->Wait();
  if (!stats_file.empty()) write_stats(stats_file);
  std::printf("otlpd-sink: requests %llu, spans %llu, bytes %llu, malformed %llu\n%s\n",
              static_cast<unsigned long long>(g_requests.load()), static_cast<unsigned long long>(g_spans.load()),
              static_cast<unsigned long long>(g_bytes.load()), static_cast<unsigned long long>(g_malformed.load()),
              totals_json().c_str());
  return 0;
}
