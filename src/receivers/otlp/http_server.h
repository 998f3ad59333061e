// The OTLP/HTTP server: POST /v1/traces, /v1/metrics and /v1/logs (protobuf or JSON), on Boost.Beast.
#pragma once

#include <memory>
#include <string>

#include "core/component.h"
#include "model/consumer.h"
#include "receivers/otlp/config.h"
#include "receivers/otlp/limiting.h"

namespace otlpd {
class ServerAuthenticator;
struct ServerTls;
}  // namespace otlpd

namespace otlpd::otlp_receiver {

// Serves only the signals `next` has a consumer for; the paths of the others answer 404, as in the Collector.
// At max_connections, a new connection makes room by closing the one that has been idle or reading its
// request the longest: a flood of idle or slowloris connections sheds its own oldest, while a real client,
// whose request takes milliseconds, is served. Only when every connection is handling a request is the new
// one closed at once. A body over max_request_body_size (by Content-Length, while reading a chunked body, or
// once decompressed) is answered 400, as the Collector does, and the connection is closed; oversized headers
// get 431. read_header_timeout bounds the header of a request (from the connection's start for the first
// one), read_timeout a whole request (headers and body), idle_timeout the wait between keep-alive requests.
class HttpServer {
 public:
  HttpServer(std::string receiver_id, HttpServerConfig config, Consumers next);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving, one event loop per usable CPU; throws std::runtime_error when the endpoint
  // cannot be bound or the TLS files cannot be loaded. With an `authenticator` (which must outlive the
  // server), a request it refuses is answered 401 with a google.rpc.Status (code 16) body and its
  // WWW-Authenticate challenge, as soon as the header is read (the body is never read as a request; the
  // connection is closed); CORS preflights are not authenticated. `tls` is the config's tls loaded already
  // (the receiver loads it once for both servers); null: loaded here when the config has tls.
  void start(const ServerAuthenticator* authenticator = nullptr, std::shared_ptr<const ServerTls> tls = nullptr,
             IngestLimiters limiters = {});
  // Stops accepting and closes idle keep-alive connections; requests in flight may finish until `deadline`,
  // then their connections are closed too.
  void shutdown(Deadline deadline);
  // The bound port (useful with port 0).
  int port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace otlpd::otlp_receiver
