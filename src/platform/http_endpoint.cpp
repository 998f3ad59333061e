// Minimal GET endpoint server on Boost.Beast.
#include "platform/http_endpoint.h"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <stdexcept>
#include <thread>

namespace otlpd {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpEndpoint::Handler& h) : stream_(std::move(socket)), handler_(h) {}

  void run() {
    stream_.expires_after(std::chrono::seconds(5));
    parser_.header_limit(8 * 1024);
    parser_.body_limit(1024);
    http::async_read(stream_, buffer_, parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return;
      self->respond();
    });
  }

 private:
  void respond() {
    const auto& req = parser_.get();
    std::string path(req.target());
    if (auto q = path.find('?'); q != std::string::npos) path.resize(q);
    auto r = handler_(std::string(req.method_string()), path);
    response_.version(req.version());
    response_.result(static_cast<http::status>(r.status));
    response_.set(http::field::content_type, r.content_type);
    response_.keep_alive(false);
    response_.body() = std::move(r.body);
    response_.prepare_payload();
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code, size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request_parser<http::empty_body> parser_;
  http::response<http::string_body> response_;
  const HttpEndpoint::Handler& handler_;
};

}  // namespace

struct HttpEndpoint::Impl {
  NetEndpoint endpoint;
  Handler handler;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed at stop()
      std::make_shared<Session>(std::move(socket), handler)->run();
      accept();
    });
  }
};

HttpEndpoint::HttpEndpoint(NetEndpoint endpoint, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->endpoint = std::move(endpoint);
  impl_->handler = std::move(handler);
}

HttpEndpoint::~HttpEndpoint() { stop(); }

int HttpEndpoint::start() {
  auto& im = *impl_;
  try {
    if (im.endpoint.is_unix()) throw std::runtime_error("a unix socket is not supported here");
    tcp::resolver resolver(im.io);
    tcp::endpoint ep = *resolver.resolve(im.endpoint.bind_host(), std::to_string(im.endpoint.port)).begin();
    im.acceptor.open(ep.protocol());
    im.acceptor.set_option(asio::socket_base::reuse_address(true));
    im.acceptor.bind(ep);
    im.acceptor.listen();
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + im.endpoint.str() + ": " + e.what());
  }
  int port = im.acceptor.local_endpoint().port();
  im.accept();
  im.thread = std::thread([&im] { im.io.run(); });
  return port;
}

void HttpEndpoint::stop() {
  auto& im = *impl_;
  if (!im.thread.joinable()) return;
  asio::post(im.io, [&im] {
    beast::error_code ignored;
    im.acceptor.close(ignored);
  });
  im.io.stop();
  im.thread.join();
}

}  // namespace otlpd
