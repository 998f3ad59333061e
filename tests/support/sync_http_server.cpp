// SyncHttpServer: an accepting thread, a thread per connection, stop() by shutting the connections down.
#include "support/sync_http_server.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <mutex>
#include <thread>
#include <vector>

namespace otlpd::test {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

struct SyncHttpServer::Impl {
  Handler handler;
  size_t body_limit = 0;
  std::unique_ptr<net::ssl::context> tls;  // set: connections are TLS
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  int port = 0;
  std::thread accept_thread;

  std::mutex mu;
  bool stopping = false;
  std::vector<std::thread> conn_threads;
  std::vector<int> conn_fds;

  void serve(tcp::socket& sock) {
    if (!tls) return serve_stream(sock);
    net::ssl::stream<tcp::socket&> stream(sock, *tls);
    boost::system::error_code ec;
    stream.handshake(net::ssl::stream_base::server, ec);
    if (!ec) serve_stream(stream);
  }

  template <typename Stream>
  void serve_stream(Stream& sock) {
    boost::beast::flat_buffer buf;
    boost::system::error_code ec;
    while (true) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(body_limit);
      http::read(sock, buf, parser, ec);
      if (ec) return;
      const auto& req = parser.get();
      Response res;
      res.version(11);
      res.keep_alive(req.keep_alive());
      handler(req, res);
      res.prepare_payload();
      http::write(sock, res, ec);
      if (ec || !res.keep_alive()) return;
    }
  }

  // On 127.0.0.1:`at` (0: any free port), with a thread accepting.
  void listen(unsigned short at) {
    tcp::endpoint ep(net::ip::make_address("127.0.0.1"), at);
    acceptor.open(ep.protocol());
    // Not inherited by a daemon the test starts later: stop() must really close the port.
    ::fcntl(acceptor.native_handle(), F_SETFD, FD_CLOEXEC);
    acceptor.set_option(tcp::acceptor::reuse_address(true));  // a restart binds the port again at once
    acceptor.bind(ep);
    acceptor.listen();
    port = acceptor.local_endpoint().port();
    stopping = false;
    accept_thread = std::thread([this] {
      while (true) {
        tcp::socket sock(ioc);
        boost::system::error_code ec;
        acceptor.accept(sock, ec);
        std::lock_guard lock(mu);
        if (stopping) return;
        if (ec) continue;
        int fd = sock.native_handle();
        conn_fds.push_back(fd);
        conn_threads.emplace_back([this, fd, s = std::move(sock)]() mutable {
          serve(s);
          std::lock_guard l(mu);
          std::erase(conn_fds, fd);
        });
      }
    });
  }
};

SyncHttpServer::SyncHttpServer(Handler handler, size_t body_limit, Tls tls) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->body_limit = body_limit;
  if (!tls.cert_file.empty() && !tls.key_file.empty()) {
    impl_->tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    impl_->tls->use_certificate_chain_file(tls.cert_file);
    impl_->tls->use_private_key_file(tls.key_file, net::ssl::context::pem);
  }
  impl_->listen(0);
}

SyncHttpServer::~SyncHttpServer() { stop(); }

int SyncHttpServer::port() const { return impl_->port; }

std::string SyncHttpServer::url() const {
  return (impl_->tls ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(impl_->port);
}

void SyncHttpServer::stop() {
  auto& im = *impl_;
  if (!im.accept_thread.joinable()) return;
  {
    std::lock_guard lock(im.mu);
    im.stopping = true;
    // Unblock connection threads stuck in read; the sockets close when their threads end.
    for (int fd : im.conn_fds) ::shutdown(fd, SHUT_RDWR);
  }
  // Wake the accept() with one last connection.
  {
    boost::system::error_code ec;
    tcp::socket wake(im.ioc);
    wake.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(im.port)), ec);
  }
  im.accept_thread.join();
  std::vector<std::thread> conns;
  {
    std::lock_guard lock(im.mu);
    conns.swap(im.conn_threads);
  }
  for (auto& t : conns) t.join();
  boost::system::error_code ec;
  im.acceptor.close(ec);
}

void SyncHttpServer::restart() {
  if (!impl_->accept_thread.joinable()) impl_->listen(static_cast<unsigned short>(impl_->port));
}

}  // namespace otlpd::test
