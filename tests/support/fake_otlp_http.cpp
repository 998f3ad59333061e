// The fake OTLP/HTTP backend, on SyncHttpServer.
#include "support/fake_otlp_http.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <mutex>

#include "codec/otlp_json.h"
#include "support/sync_http_server.h"

namespace otlpd::test {

namespace http = boost::beast::http;

namespace {

constexpr size_t kMaxBody = 256 * 1024 * 1024;

// gzip (window_bits 15 + 16) or HTTP's deflate, the zlib format (15).
std::string inflate_body(const std::string& in, int window_bits) {
  z_stream z{};
  if (inflateInit2(&z, window_bits) != Z_OK) throw std::runtime_error("inflateInit2");
  std::string out;
  char buf[65536];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() > kMaxBody) break;
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("bad gzip or deflate body");
  return out;
}

std::string unzstd(const std::string& in) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> d(ZSTD_createDCtx(), ZSTD_freeDCtx);
  std::string out;
  std::vector<char> buf(ZSTD_DStreamOutSize());
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  while (ib.pos < ib.size) {
    ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
    size_t rc = ZSTD_decompressStream(d.get(), &ob, &ib);
    if (ZSTD_isError(rc)) throw std::runtime_error("bad zstd body");
    out.append(buf.data(), ob.pos);
    if (out.size() > kMaxBody) throw std::runtime_error("zstd body too large");
  }
  return out;
}

template <typename Req>
bool decode(const FakeOtlpHttpServer::Request& r, Req& out) {
  auto ct = r.headers.find("content-type");
  if (ct != r.headers.end() && ct->second.find("json") != std::string::npos)
    return otlp_json::decode(r.body, out).empty();
  return out.ParseFromString(r.body);
}

}  // namespace

struct FakeOtlpHttpServer::Impl {
  mutable std::mutex mu;
  std::chrono::steady_clock::time_point fail_until{};
  int fail_count = 0;
  int fail_status = 503;
  std::string retry_after;
  size_t attempts = 0;
  size_t spans = 0;
  std::vector<Request> accepted;
  std::unique_ptr<SyncHttpServer> server;  // last: stopped before the state its handler uses goes

  void handle(const SyncHttpServer::Request& req, SyncHttpServer::Response& res) {
    Request r;
    r.path = std::string(req.target());
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = std::string(f.value());
    }
    try {
      auto enc = r.headers.find("content-encoding");
      if (enc == r.headers.end())
        r.body = req.body();
      else if (enc->second == "gzip")
        r.body = inflate_body(req.body(), 15 + 16);
      else if (enc->second == "deflate")
        r.body = inflate_body(req.body(), 15);
      else if (enc->second == "zstd")
        r.body = unzstd(req.body());
      else if (enc->second == "snappy") {  // Prometheus remote write
        if (!snappy::Uncompress(req.body().data(), req.body().size(), &r.body))
          throw std::runtime_error("bad snappy body");
      } else
        throw std::runtime_error("unknown content-encoding");
      std::lock_guard lock(mu);
      ++attempts;
      bool failing = fail_count > 0 || std::chrono::steady_clock::now() < fail_until;
      if (failing) {
        if (fail_count > 0) --fail_count;
        res.result(static_cast<unsigned>(fail_status));
        if (!retry_after.empty()) res.set(http::field::retry_after, retry_after);
        res.set(http::field::content_type, "text/plain");
        res.body() = "injected failure";
      } else {
        res.result(http::status::ok);
        auto ct = r.headers.find("content-type");
        bool json = ct != r.headers.end() && ct->second.find("json") != std::string::npos;
        res.set(http::field::content_type, json ? "application/json" : "application/x-protobuf");
        res.body() = json ? "{}" : "";
        if (r.path == "/v1/traces") {
          otlp_trace::ExportTraceServiceRequest t;
          if (decode(r, t)) spans += SignalTraits<otlp_trace::ExportTraceServiceRequest>::count_items(t);
        }
        accepted.push_back(std::move(r));
      }
    } catch (const std::exception& e) {
      res.result(http::status::bad_request);
      res.body() = e.what();
    }
  }
};

FakeOtlpHttpServer::FakeOtlpHttpServer() : impl_(std::make_unique<Impl>()) {
  impl_->server = std::make_unique<SyncHttpServer>(
      [im = impl_.get()](const SyncHttpServer::Request& req, SyncHttpServer::Response& res) { im->handle(req, res); });
}

FakeOtlpHttpServer::~FakeOtlpHttpServer() { stop(); }

void FakeOtlpHttpServer::stop() { impl_->server->stop(); }

void FakeOtlpHttpServer::restart() { impl_->server->restart(); }

std::string FakeOtlpHttpServer::url() const { return impl_->server->url(); }

void FakeOtlpHttpServer::fail_for(std::chrono::milliseconds d, int status, std::string retry_after) {
  std::lock_guard lock(impl_->mu);
  impl_->fail_until = std::chrono::steady_clock::now() + d;
  impl_->fail_status = status;
  impl_->retry_after = std::move(retry_after);
}

void FakeOtlpHttpServer::fail_requests(int n, int status, std::string retry_after) {
  std::lock_guard lock(impl_->mu);
  impl_->fail_count = n;
  impl_->fail_status = status;
  impl_->retry_after = std::move(retry_after);
}

std::vector<FakeOtlpHttpServer::Request> FakeOtlpHttpServer::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->accepted;
}

size_t FakeOtlpHttpServer::attempts() const {
  std::lock_guard lock(impl_->mu);
  return impl_->attempts;
}

template <typename Req>
static std::vector<Req> decode_all(const std::vector<FakeOtlpHttpServer::Request>& rs, std::string_view path) {
  std::vector<Req> out;
  for (const auto& r : rs) {
    if (r.path != path) continue;
    Req req;
    if (!decode(r, req)) throw std::runtime_error("fake OTLP HTTP server: undecodable body on " + r.path);
    out.push_back(std::move(req));
  }
  return out;
}

std::vector<otlp_trace::ExportTraceServiceRequest> FakeOtlpHttpServer::traces() const {
  return decode_all<otlp_trace::ExportTraceServiceRequest>(requests(), "/v1/traces");
}
std::vector<otlp_metrics::ExportMetricsServiceRequest> FakeOtlpHttpServer::metrics() const {
  return decode_all<otlp_metrics::ExportMetricsServiceRequest>(requests(), "/v1/metrics");
}
std::vector<otlp_logs::ExportLogsServiceRequest> FakeOtlpHttpServer::logs() const {
  return decode_all<otlp_logs::ExportLogsServiceRequest>(requests(), "/v1/logs");
}
size_t FakeOtlpHttpServer::spans() const {
  std::lock_guard lock(impl_->mu);
  return impl_->spans;
}

}  // namespace otlpd::test
