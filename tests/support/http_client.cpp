// Blocking HTTP client for tests: Beast async operations driven to completion with a deadline each.
#include "support/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>

namespace otlpd::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (beast::iequals(k, beast::string_view(name.data(), name.size()))) return v;
  return {};
}

bool HttpResponse::has_header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (beast::iequals(k, beast::string_view(name.data(), name.size()))) return true;
  return false;
}

struct HttpConnection::Impl {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  std::string host;
  std::chrono::milliseconds timeout;

  // Runs the pending operation to completion; the stream's expiry bounds it.
  void run() {
    ioc.run();
    ioc.restart();
  }
};

HttpConnection::HttpConnection(const std::string& host, int port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = host;
  impl_->timeout = timeout;
  beast::error_code ec;
  tcp::endpoint ep(asio::ip::make_address(host, ec), static_cast<unsigned short>(port));
  if (ec) throw std::runtime_error("bad address " + host);
  impl_->stream.expires_after(timeout);
  impl_->stream.async_connect(ep, [&](beast::error_code e) { ec = e; });
  impl_->run();
  if (ec) throw std::runtime_error("connect to " + host + ":" + std::to_string(port) + ": " + ec.message());
}

HttpConnection::~HttpConnection() {
  beast::error_code ec;
  impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

HttpResponse HttpConnection::request(const std::string& path, const HttpHeaders& headers, std::string_view body,
                                     const HttpRequestOptions& options) {
  auto& im = *impl_;
  http::request<http::string_body> req(http::string_to_verb(options.method), path, 11);
  req.set(http::field::host, im.host);
  for (const auto& [k, v] : headers) req.insert(k, v);
  req.body().assign(body.data(), body.size());
  if (options.chunked)
    req.chunked(true);
  else
    req.prepare_payload();

  beast::error_code ec;
  im.stream.expires_after(options.timeout);
  http::async_write(im.stream, req, [&](beast::error_code e, size_t) { ec = e; });
  im.run();
  if (ec) throw std::runtime_error("write: " + ec.message());
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  if (options.method == "HEAD") parser.skip(true);
  im.stream.expires_after(options.timeout);
  http::async_read(im.stream, im.buffer, parser, [&](beast::error_code e, size_t) { ec = e; });
  im.run();
  if (ec) throw std::runtime_error("read: " + ec.message());
  auto res = parser.release();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  out.body = std::move(res.body());
  return out;
}

void HttpConnection::send_raw(std::string_view bytes) {
  beast::error_code ec;
  impl_->stream.expires_after(impl_->timeout);
  asio::async_write(impl_->stream, asio::buffer(bytes.data(), bytes.size()),
                    [&](beast::error_code e, size_t) { ec = e; });
  impl_->run();
  if (ec) throw std::runtime_error("write: " + ec.message());
}

bool HttpConnection::closed_by_peer(std::chrono::milliseconds timeout) {
  auto& im = *impl_;
  beast::error_code ec;
  char scratch[4096];
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    im.stream.expires_at(deadline);
    size_t n = 0;
    im.stream.async_read_some(asio::buffer(scratch), [&](beast::error_code e, size_t k) {
      ec = e;
      n = k;
    });
    im.run();
    if (ec == beast::error::timeout) return false;
    if (ec) return true;  // EOF or reset
    (void)n;              // data (e.g. an error answer) before the close: keep reading
  }
  return false;
}

HttpResponse http_request(const std::string& host, int port, const std::string& path, const HttpHeaders& headers,
                          std::string_view body, const HttpRequestOptions& options) {
  HttpConnection c(host, port, options.timeout);
  return c.request(path, headers, body, options);
}

HttpResponse post(const std::string& host, int port, const std::string& path, const HttpHeaders& headers,
                  std::string_view body) {
  return http_request(host, port, path, headers, body);
}

}  // namespace otlpd::test
