// A minimal HTTP/1.1 server for small GET endpoints (health checks, /metrics): one thread, one request per
// connection, tight size and time limits. Not for the OTLP receiver, which has its own server.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "platform/net_endpoint.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace otlpd {

struct HttpEndpointResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

struct HttpEndpointRequest {
  std::string method;
  std::string path;    // query removed
  std::string accept;  // the Accept header, for content negotiation
};

class HttpEndpoint {
 public:
  // `handler` gets the method and the path (query removed).
  using Handler = std::function<HttpEndpointResponse(const std::string& method, const std::string& path)>;
  using RequestHandler = std::function<HttpEndpointResponse(const HttpEndpointRequest&)>;
  // Sets up the server's OpenSSL context (certificate, key, client CA, versions); throws std::runtime_error.
  using TlsSetup = std::function<void(ssl_ctx_st*)>;

  HttpEndpoint(NetEndpoint endpoint, Handler handler);
  // Serves TLS when `tls` is set (it runs at start()).
  HttpEndpoint(NetEndpoint endpoint, RequestHandler handler, TlsSetup tls = {});
  ~HttpEndpoint();

  // Binds the endpoint (a TCP one; an empty host means every interface) and serves on a thread; returns the
  // bound port.
  // Throws std::runtime_error when the endpoint cannot be bound.
  int start();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace otlpd
