// otlpd-loadgen: an OTLP trace load generator (gRPC, HTTP/protobuf, HTTP/JSON) that reports accepted spans/s,
// latency percentiles and errors by code, as text and as one JSON line.
//
// Requests are built and serialised once; each send copies a pre-serialised request and overwrites its trace ids
// in place (their byte offsets are found once), so the generator costs a memcpy and a few stores per request.
#include <absl/synchronization/mutex.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "codec/otlp_json.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "platform/grpc_code.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace tsvc = opentelemetry::proto::collector::trace::v1;
namespace tr = opentelemetry::proto::trace::v1;

enum class Protocol { grpc, http_proto, http_json };

struct Options {
  Protocol protocol = Protocol::grpc;
  std::string endpoint = "127.0.0.1:4317";
  int spans_per_request = 100;
  int attributes_per_span = 10;
  int spans_per_trace = 10;
  double rate = 0;  // spans/s over all slots; 0 = as fast as possible
  int concurrency = 4;
  double duration_s = 10;
  double timeout_s = 10;
  int pool = 16;       // distinct pre-built requests
  bool flood = false;  // no pause after a refused request (a client that ignores the server's answers)
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "otlpd-loadgen: %s\n"
               "usage: otlpd-loadgen [--protocol grpc|http-proto|http-json] [--endpoint host:port]\n"
               "  [--spans-per-request N] [--attributes-per-span N] [--spans-per-trace N] [--rate SPANS_PER_S]\n"
               "  [--concurrency N] [--duration SECONDS] [--timeout SECONDS] [--pool N] [--flood]\n",
               why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    auto integer = [&](int lo, int hi) {
      std::string v = value();
      int n = 0;
      try {
        n = std::stoi(v);
      } catch (...) {
        usage((a + ": not a number: " + v).c_str());
      }
      if (n < lo || n > hi) usage((a + ": out of range").c_str());
      return n;
    };
    auto real = [&](double lo) {
      std::string v = value();
      double d = 0;
      try {
        d = std::stod(v);
      } catch (...) {
        usage((a + ": not a number: " + v).c_str());
      }
      if (d < lo) usage((a + ": out of range").c_str());
      return d;
    };
    if (a == "--protocol") {
      std::string p = value();
      if (p == "grpc")
        o.protocol = Protocol::grpc;
      else if (p == "http-proto")
        o.protocol = Protocol::http_proto;
      else if (p == "http-json")
        o.protocol = Protocol::http_json;
      else
        usage(("unknown protocol " + p).c_str());
    } else if (a == "--endpoint")
      o.endpoint = value();
    else if (a == "--spans-per-request")
      o.spans_per_request = integer(1, 100000);
    else if (a == "--attributes-per-span")
      o.attributes_per_span = integer(0, 1000);
    else if (a == "--spans-per-trace")
      o.spans_per_trace = integer(1, 100000);
    else if (a == "--rate")
      o.rate = real(0);
    else if (a == "--concurrency")
      o.concurrency = integer(1, 1024);
    else if (a == "--duration")
      o.duration_s = real(0.1);
    else if (a == "--timeout")
      o.timeout_s = real(0.01);
    else if (a == "--pool")
      o.pool = integer(1, 1024);
    else if (a == "--flood")
      o.flood = true;
    else if (a == "--help" || a == "-h")
      usage("help");
    else
      usage(("unknown option " + a).c_str());
  }
  return o;
}

// One pre-serialised request and where its trace ids sit (raw 16 bytes for protobuf, 32 hex digits for JSON).
struct Template {
  std::string bytes;
  std::vector<std::vector<size_t>> trace_id_offsets;  // per distinct trace: every occurrence
};

tsvc::ExportTraceServiceRequest build_request(const Options& o, std::mt19937_64& rng, int variant,
                                              std::vector<std::string>& trace_ids) {
  tsvc::ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  auto* ra = rs->mutable_resource()->add_attributes();
  ra->set_key("service.name");
  ra->mutable_value()->set_string_value("loadgen");
  auto* rh = rs->mutable_resource()->add_attributes();
  rh->set_key("host.name");
  rh->mutable_value()->set_string_value("bench-host-" + std::to_string(variant % 4));
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("otlpd-loadgen");
  ss->mutable_scope()->set_version("1.0.0");
  auto random_bytes = [&](size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
  };
  uint64_t now_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::string trace_id, parent;
  for (int i = 0; i < o.spans_per_request; ++i) {
    auto* s = ss->add_spans();
    if (i % o.spans_per_trace == 0) {
      trace_id = random_bytes(16);
      trace_ids.push_back(trace_id);
      parent.clear();
    }
    s->set_trace_id(trace_id);
    std::string span_id = random_bytes(8);
    s->set_span_id(span_id);
    if (!parent.empty())
      s->set_parent_span_id(parent);
    else
      parent = span_id;
    s->set_name("GET /api/v1/items/" + std::to_string((variant * 31 + i) % 50));
    s->set_kind(i % o.spans_per_trace == 0 ? tr::Span::SPAN_KIND_SERVER : tr::Span::SPAN_KIND_INTERNAL);
    s->set_start_time_unix_nano(now_ns + static_cast<uint64_t>(i) * 1000);
    s->set_end_time_unix_nano(now_ns + static_cast<uint64_t>(i) * 1000 + 250000);
    for (int a = 0; a < o.attributes_per_span; ++a) {
      auto* kv = s->add_attributes();
      switch (a % 4) {
        case 0:
          kv->set_key("http.method");
          kv->mutable_value()->set_string_value(a % 8 == 0 ? "GET" : "POST");
          break;
        case 1:
          kv->set_key("http.status_code." + std::to_string(a));
          kv->mutable_value()->set_int_value(200 + (i % 3));
          break;
        case 2:
          kv->set_key("user.id." + std::to_string(a));
          kv->mutable_value()->set_string_value("user-" + std::to_string(rng() % 100000));
          break;
        default:
          kv->set_key("db.statement." + std::to_string(a));
          kv->mutable_value()->set_string_value("SELECT * FROM items WHERE id = ?");
          break;
      }
    }
    s->mutable_status()->set_code(i % 50 == 49 ? tr::Status::STATUS_CODE_ERROR : tr::Status::STATUS_CODE_OK);
  }
  return req;
}

std::string hex(std::string_view raw) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::vector<size_t> find_all(const std::string& hay, const std::string& needle) {
  std::vector<size_t> out;
  for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) out.push_back(p);
  return out;
}

std::vector<Template> build_pool(const Options& o) {
  std::mt19937_64 rng(42);
  std::vector<Template> pool;
  for (int v = 0; v < o.pool; ++v) {
    std::vector<std::string> ids;
    auto req = build_request(o, rng, v, ids);
    Template t;
    bool json = o.protocol == Protocol::http_json;
    t.bytes = json ? otlpd::otlp_json::encode(req) : req.SerializeAsString();
    for (const auto& id : ids) {
      auto offsets = find_all(t.bytes, json ? hex(id) : id);
      if (offsets.empty()) {
        std::fprintf(stderr, "otlpd-loadgen: trace id not found in the serialised request\n");
        std::exit(1);
      }
      t.trace_id_offsets.push_back(std::move(offsets));
    }
    pool.push_back(std::move(t));
  }
  return pool;
}

// Writes a fresh 8-byte prefix into every trace id of `buf` (copied from `t`); `seq` makes ids unique per slot.
void stamp_ids(const Template& t, char* buf, bool json, uint64_t slot, uint64_t seq) {
  static constexpr char digits[] = "0123456789abcdef";
  for (size_t k = 0; k < t.trace_id_offsets.size(); ++k) {
    uint64_t id = (slot << 48) ^ (seq * t.trace_id_offsets.size() + k);
    char raw[8];
    for (int b = 0; b < 8; ++b) raw[b] = static_cast<char>(id >> (56 - 8 * b));
    for (size_t off : t.trace_id_offsets[k]) {
      if (json) {
        for (int b = 0; b < 8; ++b) {
          auto c = static_cast<unsigned char>(raw[b]);
          buf[off + 2 * static_cast<size_t>(b)] = digits[c >> 4];
          buf[off + 2 * static_cast<size_t>(b) + 1] = digits[c & 15];
        }
      } else {
        std::memcpy(buf + off, raw, 8);
      }
    }
  }
}

// What one slot measured.
struct SlotStats {
  uint64_t requests = 0;
  uint64_t ok_requests = 0;
  uint64_t spans_sent = 0;
  uint64_t spans_accepted = 0;
  std::vector<uint32_t> latency_us;  // of successful requests
  std::map<std::string, uint64_t> errors;
};

// A sender for one slot: sends one serialised request and returns "" on success or an error code name.
class Sender {
 public:
  virtual ~Sender() = default;
  virtual std::string send(const std::string& body) = 0;
};

class GrpcSender final : public Sender {
 public:
  GrpcSender(const std::string& target, int slot, double timeout_s) : timeout_s_(timeout_s) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
    args.SetMaxSendMessageSize(-1);
    // A distinct argument per slot gives each slot its own connection.
    args.SetInt("otlpd.loadgen.slot", slot);
    stub_ = std::make_unique<grpc::GenericStub>(
        grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  }

  std::string send(const std::string& body) override {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                                            std::chrono::duration<double>(timeout_s_)));
    grpc::Slice slice(body.data(), body.size());
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    bool done = false;
    grpc::Status status;
    stub_->UnaryCall(&ctx, "/opentelemetry.proto.collector.trace.v1.TraceService/Export", grpc::StubOptions(), &request,
                     &response, [&](grpc::Status s) {
                       std::lock_guard lock(mu_);
                       status = std::move(s);
                       done = true;
                       cv_.notify_one();
                     });
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return done; });
    return status.ok() ? std::string() : std::string(otlpd::grpc_code_name(status.error_code()));
  }

 private:
  double timeout_s_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::mutex mu_;
  std::condition_variable cv_;
};

// One slot at the highest rate over gRPC: each completion sends the slot's next request from gRPC's callback
// thread, so no request costs a thread hand-off in the load generator (the synchronous path pays two).
class ChainedGrpcSlot {
 public:
  ChainedGrpcSlot(const std::string& target, int slot, double timeout_s, const std::vector<Template>& pool,
                  SlotStats& stats, int spans_per_request, Clock::time_point end, bool flood)
      : slot_(slot),
        timeout_s_(timeout_s),
        pool_(pool),
        stats_(stats),
        spans_(spans_per_request),
        end_(end),
        flood_(flood) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
    args.SetMaxSendMessageSize(-1);
    args.SetInt("otlpd.loadgen.slot", slot);
    stub_ = std::make_unique<grpc::GenericStub>(
        grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  }

  // Sends until the end time, then returns once the last call has completed.
  void run() {
    if (Clock::now() < end_)
      next();
    else
      return;
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return done_; });
  }

 private:
  void next() {
    const Template& t = pool_[(seq_ + static_cast<uint64_t>(slot_)) % pool_.size()];
    // One copy of the template, straight into the slice gRPC sends, then the ids stamped in place.
    grpc_slice raw = grpc_slice_malloc(t.bytes.size());
    auto* data = reinterpret_cast<char*>(GRPC_SLICE_START_PTR(raw));
    std::memcpy(data, t.bytes.data(), t.bytes.size());
    stamp_ids(t, data, false, static_cast<uint64_t>(slot_) + 1, seq_);
    ++seq_;
    ctx_ = std::make_unique<grpc::ClientContext>();
    ctx_->set_deadline(
        std::chrono::system_clock::now() +
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(timeout_s_)));
    grpc::Slice slice(raw, grpc::Slice::STEAL_REF);
    request_ = grpc::ByteBuffer(&slice, 1);
    response_.Clear();
    started_ = Clock::now();
    stub_->UnaryCall(ctx_.get(), "/opentelemetry.proto.collector.trace.v1.TraceService/Export", grpc::StubOptions(),
                     &request_, &response_, [this](grpc::Status st) { completed(st); });
  }

  void completed(const grpc::Status& st) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count();
    ++stats_.requests;
    stats_.spans_sent += static_cast<uint64_t>(spans_);
    if (st.ok()) {
      ++stats_.ok_requests;
      stats_.spans_accepted += static_cast<uint64_t>(spans_);
      stats_.latency_us.push_back(static_cast<uint32_t>(std::min<int64_t>(us, UINT32_MAX)));
    } else {
      ++stats_.errors[std::string(otlpd::grpc_code_name(st.error_code()))];
      if (!flood_) std::this_thread::sleep_for(std::chrono::milliseconds(5));  // do not spin on a refusing server
    }
    if (Clock::now() < end_) {
      next();
      return;
    }
    std::lock_guard lock(mu_);
    done_ = true;
    cv_.notify_one();
  }

  int slot_;
  double timeout_s_;
  const std::vector<Template>& pool_;
  SlotStats& stats_;
  int spans_;
  Clock::time_point end_;
  bool flood_;
  std::unique_ptr<grpc::GenericStub> stub_;
  uint64_t seq_ = 0;
  std::unique_ptr<grpc::ClientContext> ctx_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  Clock::time_point started_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
};

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// A keep-alive HTTP/1.1 client on one connection, reconnecting after errors.
class HttpSender final : public Sender {
 public:
  HttpSender(std::string host, std::string port, std::string target, bool json, double timeout_s)
      : host_(std::move(host)),
        port_(std::move(port)),
        target_(std::move(target)),
        json_(json),
        timeout_(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::duration<double>(timeout_s))) {}

  std::string send(const std::string& body) override {
    try {
      if (!stream_) {
        stream_ = std::make_unique<beast::tcp_stream>(io_);
        stream_->expires_after(timeout_);
        asio::ip::tcp::resolver resolver(io_);
        stream_->connect(resolver.resolve(host_, port_));
        stream_->socket().set_option(asio::ip::tcp::no_delay(true));
      }
      http::request<http::string_body> req{http::verb::post, target_, 11};
      req.set(http::field::host, host_);
      req.set(http::field::content_type, json_ ? "application/json" : "application/x-protobuf");
      req.keep_alive(true);
      req.body() = body;
      req.prepare_payload();
      stream_->expires_after(timeout_);
      http::write(*stream_, req);
      http::response<http::string_body> res;
      http::read(*stream_, buffer_, res);
      if (!res.keep_alive()) reset();
      unsigned code = res.result_int();
      if (code == 200) return {};
      return "http_" + std::to_string(code);
    } catch (const beast::system_error& e) {
      reset();
      return e.code() == beast::error::timeout ? "timeout" : "io_error";
    }
  }

 private:
  void reset() {
    if (stream_) {
      beast::error_code ec;
      stream_->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    }
    stream_.reset();
    buffer_.clear();
  }

  std::string host_, port_, target_;
  bool json_;
  std::chrono::milliseconds timeout_;
  asio::io_context io_;
  std::unique_ptr<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

// "host:port", "http://host:port" or "http://host:port/path" → host, port, path.
void split_endpoint(const std::string& endpoint, std::string& host, std::string& port, std::string& path) {
  std::string e = endpoint;
  if (e.starts_with("http://")) e = e.substr(7);
  auto slash = e.find('/');
  path = slash == std::string::npos ? "/v1/traces" : e.substr(slash);
  if (slash != std::string::npos) e = e.substr(0, slash);
  auto colon = e.rfind(':');
  if (colon == std::string::npos) usage("endpoint needs a port");
  host = e.substr(0, colon);
  port = e.substr(colon + 1);
  if (host.starts_with("[") && host.ends_with("]")) host = host.substr(1, host.size() - 2);
}

uint32_t percentile(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  // As in otlpd: Debian's Abseil tracks lock cycles on every absl::Mutex gRPC takes (bench/PROFILE.md).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  Options o = parse(argc, argv);
  std::vector<Template> pool = build_pool(o);
  bool json = o.protocol == Protocol::http_json;

  std::string host, port, path;
  if (o.protocol != Protocol::grpc) split_endpoint(o.endpoint, host, port, path);
  std::string grpc_target = o.endpoint.starts_with("http://") ? o.endpoint.substr(7) : o.endpoint;

  std::vector<SlotStats> stats(static_cast<size_t>(o.concurrency));
  std::vector<std::thread> threads;
  auto start = Clock::now() + std::chrono::milliseconds(50);
  auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration_s));
  // Each slot paces itself to rate/concurrency; it never bursts to catch up more than one request.
  Clock::duration interval = Clock::duration::zero();
  if (o.rate > 0)
    interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(o.spans_per_request * o.concurrency / o.rate));

  for (int slot = 0; slot < o.concurrency; ++slot) {
    threads.emplace_back([&, slot] {
      if (o.protocol == Protocol::grpc && interval == Clock::duration::zero()) {
        auto& st = stats[static_cast<size_t>(slot)];
        st.latency_us.reserve(1 << 16);
        ChainedGrpcSlot chained(grpc_target, slot, o.timeout_s, pool, st, o.spans_per_request, end, o.flood);
        std::this_thread::sleep_until(start);
        chained.run();
        return;
      }
      std::unique_ptr<Sender> sender;
      if (o.protocol == Protocol::grpc)
        sender = std::make_unique<GrpcSender>(grpc_target, slot, o.timeout_s);
      else
        sender = std::make_unique<HttpSender>(host, port, path, json, o.timeout_s);
      auto& st = stats[static_cast<size_t>(slot)];
      st.latency_us.reserve(1 << 16);
      std::string buf;
      // Slots start staggered across one interval so that paced load is smooth.
      auto next = start + interval * slot / o.concurrency;
      std::this_thread::sleep_until(start);
      for (uint64_t seq = 0;; ++seq) {
        if (interval > Clock::duration::zero()) {
          auto now = Clock::now();
          if (next > now) std::this_thread::sleep_until(next);
          next = std::max(next + interval, now - interval);
        }
        if (Clock::now() >= end) break;
        const Template& t = pool[(seq + static_cast<uint64_t>(slot)) % pool.size()];
        buf.assign(t.bytes);
        stamp_ids(t, buf.data(), json, static_cast<uint64_t>(slot) + 1, seq);
        auto t0 = Clock::now();
        std::string err = sender->send(buf);
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
        ++st.requests;
        st.spans_sent += static_cast<uint64_t>(o.spans_per_request);
        if (err.empty()) {
          ++st.ok_requests;
          st.spans_accepted += static_cast<uint64_t>(o.spans_per_request);
          st.latency_us.push_back(static_cast<uint32_t>(std::min<int64_t>(us, UINT32_MAX)));
        } else {
          ++st.errors[err];
          // Do not spin on a refusing or absent server.
          if (interval == Clock::duration::zero() && !o.flood)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(std::max(Clock::now(), end) - start).count();
  elapsed = std::min(elapsed, std::chrono::duration<double>(end - start).count() + o.timeout_s);

  SlotStats total;
  for (auto& s : stats) {
    total.requests += s.requests;
    total.ok_requests += s.ok_requests;
    total.spans_sent += s.spans_sent;
    total.spans_accepted += s.spans_accepted;
    total.latency_us.insert(total.latency_us.end(), s.latency_us.begin(), s.latency_us.end());
    for (const auto& [k, v] : s.errors) total.errors[k] += v;
  }
  double rate = static_cast<double>(total.spans_accepted) / elapsed;
  uint32_t p50 = percentile(total.latency_us, 0.50), p90 = percentile(total.latency_us, 0.90),
           p99 = percentile(total.latency_us, 0.99);
  const char* proto = o.protocol == Protocol::grpc ? "grpc" : json ? "http-json" : "http-proto";

  std::printf("protocol %s, endpoint %s, %d spans/request, %d attributes/span, concurrency %d, %.1f s\n", proto,
              o.endpoint.c_str(), o.spans_per_request, o.attributes_per_span, o.concurrency, elapsed);
  std::printf("requests %llu (ok %llu), spans sent %llu, accepted %llu: %.0f spans/s accepted\n",
              static_cast<unsigned long long>(total.requests), static_cast<unsigned long long>(total.ok_requests),
              static_cast<unsigned long long>(total.spans_sent), static_cast<unsigned long long>(total.spans_accepted),
              rate);
  std::printf("latency p50 %u us, p90 %u us, p99 %u us\n", p50, p90, p99);
  std::string errors_json = "{";
  for (const auto& [k, v] : total.errors) {
    std::printf("errors %s: %llu\n", k.c_str(), static_cast<unsigned long long>(v));
    if (errors_json.size() > 1) errors_json += ",";
    errors_json += "\"" + k + "\":" + std::to_string(v);
  }
  errors_json += "}";
  std::printf(
      "{\"protocol\":\"%s\",\"spans_per_request\":%d,\"attributes_per_span\":%d,\"concurrency\":%d,"
      "\"target_rate\":%.0f,\"duration_s\":%.3f,\"requests\":%llu,\"ok_requests\":%llu,\"spans_sent\":%llu,"
      "\"spans_accepted\":%llu,\"spans_per_s\":%.0f,\"p50_us\":%u,\"p90_us\":%u,\"p99_us\":%u,\"errors\":%s}\n",
      proto, o.spans_per_request, o.attributes_per_span, o.concurrency, o.rate, elapsed,
      static_cast<unsigned long long>(total.requests), static_cast<unsigned long long>(total.ok_requests),
      static_cast<unsigned long long>(total.spans_sent), static_cast<unsigned long long>(total.spans_accepted), rate,
      p50, p90, p99, errors_json.c_str());
  std::fflush(stdout);
  return total.spans_accepted > 0 ? 0 : 1;
}
