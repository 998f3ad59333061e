// Minimal GET endpoint server on Boost.Beast.
#include "platform/http_endpoint.h"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <optional>

#include <stdexcept>
#include <thread>

namespace otlpd {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// One request on a plain or a TLS stream.
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <typename... Args>
  Session(const HttpEndpoint::RequestHandler& h, Args&&... args) : stream_(std::forward<Args>(args)...), handler_(h) {}

  void run() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    if constexpr (kTls) {
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) self->read();
      });
    } else {
      read();
    }
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  void read() {
    parser_.header_limit(8 * 1024);
    parser_.body_limit(1024);
    http::async_read(stream_, buffer_, parser_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return;
      self->respond();
    });
  }

  void respond() {
    const auto& req = parser_.get();
    HttpEndpointRequest in;
    in.method = std::string(req.method_string());
    in.path = std::string(req.target());
    if (auto q = in.path.find('?'); q != std::string::npos) in.path.resize(q);
    in.accept = std::string(req[http::field::accept]);
    auto r = handler_(in);
    response_.version(req.version());
    response_.result(static_cast<http::status>(r.status));
    response_.set(http::field::content_type, r.content_type);
    response_.keep_alive(false);
    response_.body() = std::move(r.body);
    response_.prepare_payload();
    http::async_write(stream_, response_, [self = this->shared_from_this()](beast::error_code, size_t) {
      if constexpr (kTls) {
        self->stream_.async_shutdown([self](beast::error_code) {
          beast::error_code ignored;
          beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
        });
      } else {
        beast::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      }
    });
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  http::request_parser<http::empty_body> parser_;
  http::response<http::string_body> response_;
  const HttpEndpoint::RequestHandler& handler_;
};

}  // namespace

struct HttpEndpoint::Impl {
  NetEndpoint endpoint;
  RequestHandler handler;
  TlsSetup tls_setup;
  std::optional<ssl::context> tls;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed at stop()
      if (tls)
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(handler, std::move(socket), *tls)->run();
      else
        std::make_shared<Session<beast::tcp_stream>>(handler, std::move(socket))->run();
      accept();
    });
  }
};

HttpEndpoint::HttpEndpoint(NetEndpoint endpoint, Handler handler)
    : HttpEndpoint(std::move(endpoint),
                   [h = std::move(handler)](const HttpEndpointRequest& r) { return h(r.method, r.path); }) {}

HttpEndpoint::HttpEndpoint(NetEndpoint endpoint, RequestHandler handler, TlsSetup tls)
    : impl_(std::make_unique<Impl>()) {
  impl_->endpoint = std::move(endpoint);
  impl_->handler = std::move(handler);
  impl_->tls_setup = std::move(tls);
}

HttpEndpoint::~HttpEndpoint() { stop(); }

int HttpEndpoint::start() {
  auto& im = *impl_;
  try {
    if (im.endpoint.is_unix()) throw std::runtime_error("a unix socket is not supported here");
    if (im.tls_setup && !im.tls) {
      im.tls.emplace(ssl::context::tls_server);
      im.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3);
      im.tls_setup(im.tls->native_handle());
    }
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
