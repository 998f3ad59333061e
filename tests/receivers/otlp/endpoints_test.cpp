// The OTLP servers on their typed endpoints: unix sockets (gRPC and HTTP), IPv6, keepalive, TLS loaded once.
#include <grpcpp/grpcpp.h>

#include <utility>  // before Boost.Asio (GCC 12)

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "core/tls.h"
#include "receivers/otlp/grpc_server.h"
#include "receivers/otlp/http_server.h"
#include "support/daemon.h"
#include "support/otlp_client.h"
#include "support/test_certs.h"

namespace otlpd::test {
namespace {

using Catch::Contains;
using otlp_receiver::GrpcServer;
using otlp_receiver::GrpcServerConfig;
using otlp_receiver::HttpServer;
using otlp_receiver::HttpServerConfig;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct CapturingTraces : TraceConsumer {
  std::mutex mu;
  std::vector<TraceBatch> got;
  Status consume(TraceBatch b) override {
    std::lock_guard lock(mu);
    got.push_back(std::move(b));
    return Status::ok();
  }
  size_t count() {
    std::lock_guard lock(mu);
    return got.size();
  }
};

// POSTs `body` as protobuf over the unix socket at `path`; returns the status code.
int post_over_unix(const std::string& path, const std::string& target, const std::string& body) {
  asio::io_context io;
  asio::local::stream_protocol::socket s(io);
  s.connect(asio::local::stream_protocol::endpoint(path));
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, "localhost");
  req.set(http::field::content_type, "application/x-protobuf");
  req.body() = body;
  req.prepare_payload();
  http::write(s, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  return static_cast<int>(res.result_int());
}

bool ipv6_loopback_available() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io);
  beast::error_code ec;
  a.open(asio::ip::tcp::v6(), ec);
  if (!ec) a.bind({asio::ip::address_v6::loopback(), 0}, ec);
  return !ec;
}

}  // namespace

TEST_CASE("an OTLP/gRPC export over a unix socket reaches the pipeline, and the socket goes at shutdown",
          "[grpc][endpoint]") {
  TempDir dir;
  const std::string path = dir.file("otlp.sock");
  CapturingTraces traces;
  GrpcServerConfig cfg;
  cfg.endpoint = NetEndpoint::unix_socket(path);
  GrpcServer server("otlp/unix", cfg, Consumers{&traces, nullptr, nullptr});
  server.start();
  CHECK(std::filesystem::is_socket(path));
  auto request = full_traces(3, 7);
  REQUIRE(export_traces("unix:" + path, request).ok());
  REQUIRE(traces.count() == 1);
  CHECK(traces.got[0].item_count() == 3);
  server.shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("an OTLP/HTTP export over a unix socket reaches the pipeline, and the socket goes at shutdown",
          "[http][endpoint]") {
  TempDir dir;
  const std::string path = dir.file("otlp-http.sock");
  CapturingTraces traces;
  HttpServerConfig cfg;
  cfg.endpoint = NetEndpoint::unix_socket(path);
  HttpServer server("otlp/unix", cfg, Consumers{&traces, nullptr, nullptr});
  server.start();
  CHECK(std::filesystem::is_socket(path));
  CHECK(post_over_unix(path, "/v1/traces", full_traces(2, 3).SerializeAsString()) == 200);
  REQUIRE(traces.count() == 1);
  CHECK(traces.got[0].item_count() == 2);
  server.shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("a file where the socket goes is refused and kept, as the Collector's listener does",
          "[grpc][http][endpoint]") {
  TempDir dir;
  const std::string path = dir.write("stale.sock", "not a socket");
  CapturingTraces traces;
  GrpcServerConfig g;
  g.endpoint = NetEndpoint::unix_socket(path);
  GrpcServer grpc_server("otlp/stale", g, Consumers{&traces, nullptr, nullptr});
  CHECK_THROWS_WITH(grpc_server.start(),
                    Contains("cannot listen for gRPC on unix://" + path) && Contains("the file exists"));
  HttpServerConfig h;
  h.endpoint = NetEndpoint::unix_socket(path);
  HttpServer http_server("otlp/stale", h, Consumers{&traces, nullptr, nullptr});
  CHECK_THROWS_WITH(http_server.start(),
                    Contains("cannot listen for HTTP on unix://" + path) && Contains("the file exists"));
  CHECK(std::filesystem::is_regular_file(path));
}

TEST_CASE("both servers listen on IPv6 [::1]:0", "[grpc][http][endpoint]") {
  if (!ipv6_loopback_available()) {
    WARN("no IPv6 loopback here: skipped");
    return;
  }
  CapturingTraces traces;
  GrpcServerConfig g;
  g.endpoint = NetEndpoint::tcp("::1", 0);
  GrpcServer grpc_server("otlp/v6", g, Consumers{&traces, nullptr, nullptr});
  grpc_server.start();
  REQUIRE(grpc_server.port() > 0);
  REQUIRE(export_traces("[::1]:" + std::to_string(grpc_server.port()), full_traces(1, 1)).ok());
  CHECK(traces.count() == 1);
  HttpServerConfig h;
  h.endpoint = NetEndpoint::tcp("::1", 0);
  HttpServer http_server("otlp/v6", h, Consumers{&traces, nullptr, nullptr});
  http_server.start();
  REQUIRE(http_server.port() > 0);
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::address_v6::loopback(), static_cast<uint16_t>(http_server.port())});
  CHECK(s.is_open());
}

TEST_CASE("keepalive.server_parameters take effect: an idle connection is closed after max_connection_idle",
          "[grpc][endpoint]") {
  CapturingTraces traces;
  GrpcServerConfig cfg;
  cfg.endpoint = NetEndpoint::tcp("127.0.0.1", 0);
  cfg.keepalive.emplace();
  cfg.keepalive->server_parameters.emplace();
  cfg.keepalive->server_parameters->max_connection_idle = std::chrono::milliseconds(200);
  GrpcServer server("otlp/idle", cfg, Consumers{&traces, nullptr, nullptr});
  server.start();
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server.port()), grpc::InsecureChannelCredentials());
  auto stub = otlp_trace::TraceService::NewStub(channel);
  grpc::ClientContext ctx;
  otlp_trace::ExportTraceServiceResponse response;
  REQUIRE(stub->Export(&ctx, full_traces(1, 1), &response).ok());
  REQUIRE(channel->GetState(false) == GRPC_CHANNEL_READY);
  // The server's GOAWAY moves the channel out of READY; without the setting it would stay connected.
  CHECK(channel->WaitForStateChange(GRPC_CHANNEL_READY, std::chrono::system_clock::now() + std::chrono::seconds(10)));
  CHECK(channel->GetState(false) != GRPC_CHANNEL_READY);
}

TEST_CASE("server TLS is loaded once: the servers use the loaded certificate, not the files", "[grpc][http][tls]") {
  TempDir dir;
  const auto certs = make_self_signed_cert(dir);
  TlsSettings settings;
  settings.cert_file = certs.cert;
  settings.key_file = certs.key;
  auto loaded = ServerTls::load(settings);
  CHECK_FALSE(loaded->cert_pem.empty());
  // The files go: a server that read them again could not start.
  std::filesystem::remove(certs.cert);
  std::filesystem::remove(certs.key);
  CapturingTraces traces;
  GrpcServerConfig g;
  g.endpoint = NetEndpoint::tcp("127.0.0.1", 0);
  g.tls = settings;
  GrpcServer grpc_server("otlp/tls", g, Consumers{&traces, nullptr, nullptr});
  HttpServerConfig h;
  h.endpoint = NetEndpoint::tcp("127.0.0.1", 0);
  h.tls = settings;
  HttpServer http_server("otlp/tls", h, Consumers{&traces, nullptr, nullptr});
  CHECK_THROWS_WITH(ServerTls::load(settings), Contains(certs.cert));
  REQUIRE_NOTHROW(grpc_server.start(nullptr, loaded));
  REQUIRE_NOTHROW(http_server.start(nullptr, loaded));
  CHECK(grpc_server.port() > 0);
  CHECK(http_server.port() > 0);
}

}  // namespace otlpd::test
