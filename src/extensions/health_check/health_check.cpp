// The `health_check` extension: an HTTP endpoint that answers 200 while every pipeline runs, 503 otherwise.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "config/node.h"
#include "core/endpoints.h"
#include "core/registry.h"

namespace otlpd::health_check {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HealthCheckConfig : ComponentConfig {
  std::string endpoint = "localhost:13133";
  std::string path = "/";
};

std::string rfc3339(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// One request per connection; requests are tiny and probes are rare, so a single thread serves them all.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::function<http::response<http::string_body>(const http::request<http::string_body>&)> h)
      : stream_(std::move(socket)), handler_(std::move(h)) {}

  void run() {
    stream_.expires_after(std::chrono::seconds(5));
    parser_.header_limit(8 * 1024);
    parser_.body_limit(1024);
    http::async_read(stream_, buffer_, parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return;
      self->response_ = self->handler_(self->parser_.get());
      self->response_.prepare_payload();
      http::async_write(self->stream_, self->response_, [self](beast::error_code, size_t) {
        beast::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      });
    });
  }

 private:
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request_parser<http::string_body> parser_;
  http::response<http::string_body> response_;
  std::function<http::response<http::string_body>(const http::request<http::string_body>&)> handler_;
};

class HealthCheck final : public Extension {
 public:
  HealthCheck(std::string id, HealthCheckConfig cfg) : id_(std::move(id)), cfg_(std::move(cfg)) {}
  ~HealthCheck() override { stop(); }

  void start(Host&) override {
    auto colon = cfg_.endpoint.rfind(':');
    std::string host = cfg_.endpoint.substr(0, colon);
    if (host.empty()) host = "0.0.0.0";
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    auto port = static_cast<uint16_t>(std::stoi(cfg_.endpoint.substr(colon + 1)));
    tcp::resolver resolver(io_);
    auto results = resolver.resolve(host, std::to_string(port));
    tcp::endpoint ep = *results.begin();
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    record_listening(id_, "http", host, acceptor_.local_endpoint().port(), "extension");
    since_ = std::chrono::system_clock::now();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  void shutdown(Deadline) override { stop(); }
  void ready() override { ready_ = true; }
  void not_ready() override { ready_ = false; }

 private:
  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed at shutdown
      std::make_shared<Session>(std::move(socket), [this](const auto& req) { return answer(req); })->run();
      accept();
    });
  }

  http::response<http::string_body> answer(const http::request<http::string_body>& req) {
    http::response<http::string_body> res;
    res.version(req.version());
    res.set(http::field::content_type, "application/json");
    std::string target(req.target());
    if (auto q = target.find('?'); q != std::string::npos) target.resize(q);
    if (target != cfg_.path) {
      res.result(http::status::not_found);
      res.body() = R"({"status":"Not found"})";
      return res;
    }
    bool up = ready_.load();
    auto uptime = std::chrono::duration<double>(std::chrono::system_clock::now() - since_).count();
    res.result(up ? http::status::ok : http::status::service_unavailable);
    res.body() = fmt::format(R"({{"status":"{}","upSince":"{}","uptime":"{:.3f}s"}})",
                             up ? "Server available" : "Server not available", rfc3339(since_), uptime);
    return res;
  }

  void stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    io_.stop();
    thread_.join();
  }

  std::string id_;
  HealthCheckConfig cfg_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::thread thread_;
  std::atomic<bool> ready_{false};
  std::chrono::system_clock::time_point since_;
};

class HealthCheckFactory final : public ExtensionFactory {
 public:
  std::string_view type() const override { return "health_check"; }
  ComponentConfigPtr parse(const ConfigNode& node) const override {
    auto c = std::make_unique<HealthCheckConfig>();
    MapReader r(node);
    r.get("endpoint", c->endpoint);
    r.get("path", c->path);
    if (auto n = r.child("check_collector_pipeline"); n && !n->is_null()) {
      MapReader cr(*n);
      bool enabled = false;
      cr.get("enabled", enabled);
      cr.child("interval");
      cr.child("exporter_failure_threshold");
      cr.finish();
      if (enabled) n->fail("check_collector_pipeline is not supported by otlpd (the Collector deprecated it)");
    }
    r.finish();
    if (c->endpoint.rfind(':') == std::string::npos) r.child("endpoint")->fail("endpoint must be host:port");
    if (c->path.empty() || c->path.front() != '/') c->path = "/" + c->path;
    return c;
  }
  ExtensionPtr create(const CreateSettings& s, const ComponentConfig& c) const override {
    return std::make_unique<HealthCheck>(s.id.str(), config_as<HealthCheckConfig>(c));
  }
};

}  // namespace

}  // namespace otlpd::health_check

using otlpd::health_check::HealthCheckFactory;
OTLPD_REGISTER_FACTORY(HealthCheckFactory)
