// Test helper: a small blocking HTTP/1.1 client on Boost.Beast, with timeouts, for talking to otlpd.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otlpd::test {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
  // The first value of header `name` (case-insensitive), or empty.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

struct HttpRequestOptions {
  std::string method = "POST";
  bool chunked = false;  // send the body with Transfer-Encoding: chunked
  std::chrono::milliseconds timeout{10000};
};

// One request on a fresh connection. Throws std::runtime_error on connection or protocol errors.
HttpResponse http_request(const std::string& host, int port, const std::string& path, const HttpHeaders& headers,
                          std::string_view body, const HttpRequestOptions& options = {});
// POST `body` to http://host:port/path.
HttpResponse post(const std::string& host, int port, const std::string& path, const HttpHeaders& headers,
                  std::string_view body);

// A keep-alive connection for several requests, and for tests of connection limits and timeouts.
class HttpConnection {
 public:
  HttpConnection(const std::string& host, int port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpConnection();
  HttpResponse request(const std::string& path, const HttpHeaders& headers, std::string_view body,
                       const HttpRequestOptions& options = {});
  // Writes raw bytes (e.g. half a request).
  void send_raw(std::string_view bytes);
  // Whether the server closed the connection: waits up to `timeout` for EOF (or a reset).
  bool closed_by_peer(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace otlpd::test
