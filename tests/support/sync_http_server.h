// A small HTTP/1.1 server for tests (optionally over TLS): Boost.Beast, synchronous, a thread per connection, on
// 127.0.0.1:<free port>; a handler answers each request. Fakes of backends and identity providers are built on it.
#pragma once

#include <boost/beast/http.hpp>
#include <functional>
#include <memory>
#include <string>

namespace otlpd::test {

class SyncHttpServer {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;
  // Fills the response (status, headers, body); it arrives with HTTP/1.1 and the request's keep-alive set.
  // Called from the connections' threads, concurrently.
  using Handler = std::function<void(const Request&, Response&)>;

  // HTTPS with this certificate and key (PEM files) when both are set; plain HTTP otherwise.
  struct Tls {
    std::string cert_file, key_file;
  };
  explicit SyncHttpServer(Handler handler, size_t body_limit = 64 * 1024 * 1024, Tls tls = {});
  ~SyncHttpServer();
  SyncHttpServer(const SyncHttpServer&) = delete;
  SyncHttpServer& operator=(const SyncHttpServer&) = delete;

  int port() const;
  std::string url() const;  // "http://127.0.0.1:<port>", or "https://" with TLS
  // Closes the port and every connection, as a server that went down; restart() listens on the same port again.
  void stop();
  void restart();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace otlpd::test
