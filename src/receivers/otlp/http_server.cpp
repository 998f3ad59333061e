// OTLP/HTTP server on Boost.Beast: one coroutine per connection on its own strand, one io_context per I/O
// thread (one thread per usable CPU), connections spread over them. Protobuf bodies are checked on the wire
// and kept as bytes; JSON bodies are transcoded to protobuf bytes and kept the same way.
#include "receivers/otlp/http_server.h"

#include "core/tls.h"
#include "model/any_value.h"
#include "model/memory_budget.h"
#include "platform/cpus.h"
#include "platform/endpoints.h"
#include "platform/text.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <charconv>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "codec/compression.h"
#include "codec/otlp_json.h"
#include "codec/otlp_wire.h"
#include "core/auth.h"
#include "google/rpc/status.pb.h"
#include "model/batch.h"
#include "platform/telemetry.h"
#include "receivers/otlp/cors.h"

namespace otlpd::otlp_receiver {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
// Connections are TCP or unix stream sockets, one code path for both.
using StreamProtocol = asio::generic::stream_protocol;
using Socket = StreamProtocol::socket;
using PlainStream = beast::basic_stream<StreamProtocol>;
using Request = http::request<http::string_body>;

constexpr uint64_t kMaxReadChunk = 256 * 1024;
constexpr char kProtobuf[] = "application/x-protobuf";

// The body of a throttled request: counted through the parser and dropped, never copied or stored.
struct DiscardBody {
  struct value_type {};
  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(http::header<isRequest, Fields>&, value_type&) {}
    void init(const boost::optional<uint64_t>&, beast::error_code& ec) { ec = {}; }
    template <class ConstBufferSequence>
    size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
      ec = {};
      return asio::buffer_size(buffers);
    }
    void finish(beast::error_code& ec) { ec = {}; }
  };
};
constexpr char kJson[] = "application/json";

// google.rpc.Code values used in error bodies.
constexpr int kInvalidArgument = 3;
constexpr int kResourceExhausted = 8;
constexpr int kUnavailable = 14;
constexpr int kUnauthenticated = 16;

enum class Encoding { protobuf, json };

// A request handed to a consumer that answers later (Consumer::answers_async), and how to answer it then.
struct Deferred;

struct Reply {
  http::status status = http::status::ok;
  std::string content_type;
  std::string body;
  HeaderList headers;
  bool close = false;                  // close the connection after answering
  std::shared_ptr<Deferred> deferred;  // set: the answer is deferred->finish(the consumer's status)
};

struct Deferred {
  std::function<void(std::function<void(Status)>)> start;  // hands the batch on; its argument is called once
  std::function<Reply(const Status&)> finish;
};

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

Reply text_reply(http::status status, std::string body) {
  Reply r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

// An error answered with a google.rpc.Status in the request's encoding, as the Collector does.
Reply status_reply(http::status status, Encoding enc, int code, const std::string& message) {
  Reply r;
  r.status = status;
  if (enc == Encoding::json) {
    r.content_type = kJson;
    r.body = "{\"code\":" + std::to_string(code) + ",\"message\":";
    append_json_quoted(r.body, message);
    r.body += "}";
  } else {
    r.content_type = kProtobuf;
    google::rpc::Status st;
    st.set_code(code);
    st.set_message(message);
    r.body = st.SerializeAsString();
  }
  return r;
}

Reply bad_request(Encoding enc, const std::string& message) {
  return status_reply(http::status::bad_request, enc, kInvalidArgument, message);
}

// A retryable refusal: 429 for an exhausted resource (a rate limit), else 503; Retry-After in whole seconds
// (rounded up, at least 1).
Reply retry_later(Encoding enc, const Status& st) {
  Reply r = st.exhausted() ? status_reply(http::status::too_many_requests, enc, kResourceExhausted, st.message())
                           : status_reply(http::status::service_unavailable, enc, kUnavailable, st.message());
  auto ms = st.retry_after().count();
  r.headers.emplace_back("Retry-After", std::to_string(ms > 0 ? (ms + 999) / 1000 : 1));
  return r;
}

// The encoding of a request's error body: JSON for application/json, else protobuf.
Encoding error_encoding(std::string_view content_type) {
  return ascii_lower(trim(content_type.substr(0, content_type.find(';')))) == kJson ? Encoding::json
                                                                                    : Encoding::protobuf;
}

// A request's headers as a limiter reads them (Beast matches names case-insensitively).
class BeastHeaders final : public RequestHeaders {
 public:
  explicit BeastHeaders(const Request& req) : req_(req) {}
  std::optional<std::string_view> get(std::string_view lower_name) const override {
    auto it = req_.find(beast::string_view(lower_name.data(), lower_name.size()));
    if (it == req_.end()) return std::nullopt;
    return sv(it->value());
  }

 private:
  const Request& req_;
};

// The TCP endpoint a generic one holds; nullopt for a unix socket.
std::optional<tcp::endpoint> as_tcp(const StreamProtocol::endpoint& g) {
  if (g.protocol().family() != AF_INET && g.protocol().family() != AF_INET6) return std::nullopt;
  tcp::endpoint ep;
  if (g.size() > ep.capacity()) return std::nullopt;
  std::memcpy(ep.data(), g.data(), g.size());
  ep.resize(g.size());
  return ep;
}

std::string peer_of(const Socket& s) {
  beast::error_code ec;
  auto generic = s.remote_endpoint(ec);
  if (ec) return {};
  auto ep = as_tcp(generic);
  if (!ep) return "unix";  // a unix socket's client has no address
  auto addr = ep->address();
  return (addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string()) + ":" + std::to_string(ep->port());
}

}  // namespace

struct HttpServer::Impl {
  // Where a connection is: waiting between keep-alive requests, reading a request (a new connection starts
  // here), or handling it (the request is complete: it is being processed or answered).
  enum class Phase { idle, reading, handling };
  // Tracks a live connection so that shutdown, and shedding at max_connections, can close it on its own
  // strand.
  struct Conn {
    asio::any_io_executor strand;
    PlainStream* socket = nullptr;
    Phase phase = Phase::reading;
    std::chrono::steady_clock::time_point since;  // when `phase` began
    bool shed = false;                            // chosen to make room for a new connection
  };

  Impl(std::string id_, HttpServerConfig config_, Consumers next_)
      : id(std::move(id_)), config(std::move(config_)), next(next_), counters(id, "http") {
    if (config.cors) cors.emplace(*config.cors);
    max_body = config.max_request_body_size.bytes;
  }

  std::string id;
  HttpServerConfig config;
  Consumers next;
  ReceiverCounters counters;
  std::optional<CorsPolicy> cors;
  uint64_t max_body = 0;
  const ServerAuthenticator* authenticator = nullptr;  // set at start; null: every request may enter
  IngestLimiters limiters;                             // set at start
  Counter* unauthenticated = nullptr;

  std::optional<ssl::context> tls;
  // One event loop per I/O thread (core/cpus.h); connections are spread over them and stay on theirs.
  std::vector<std::unique_ptr<asio::io_context>> iocs;
  size_t next_ioc = 0;  // touched only by the accept loop
  // Keeps each loop running while it has no connection (run() returns when a loop has nothing to do).
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::unique_ptr<asio::basic_socket_acceptor<StreamProtocol>> acceptor;
  std::string socket_file;  // the unix socket this server created; removed at shutdown
  std::vector<std::thread> threads;
  // Where requests are handled when their signal's consumer may block and cannot answer later
  // (needs_pool); null: on the I/O thread.
  std::unique_ptr<asio::thread_pool> blocking;
  // Answers of asynchronous consumers still to come (await_answer); shutdown waits for them before it stops the
  // loops their answers are posted to. Guarded by mu.
  size_t answers_pending = 0;

  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable conns_changed;
  std::map<uint64_t, Conn> conns;  // guarded by mu
  uint64_t next_conn_id = 0;       // guarded by mu
  uint32_t shedding = 0;           // connections marked `shed` and not yet gone; guarded by mu
  std::atomic<uint32_t> active{0};
  Counter* shed_connections = nullptr;

  // ---- request handling (transport-independent) ----

  bool is_preflight(const Request& req) const {
    return cors && req.method() == http::verb::options && req.count(http::field::access_control_request_method);
  }

  // Adds the CORS headers of an actual (not preflight) request to its answer.
  void add_cors(const Request& req, Reply& r) const {
    std::string_view origin = sv(req[http::field::origin]);
    if (!cors || origin.empty()) return;
    auto extra = cors->actual(origin);
    r.headers.insert(r.headers.end(), extra.begin(), extra.end());
  }

  // Answers a complete request that was let in (see authenticate); `auth` is who the authenticator
  // found.
  Reply handle(const Request& req, const std::string& peer, AuthData auth) {
    if (is_preflight(req)) {
      Reply r;
      r.status = http::status::no_content;
      r.headers = cors->preflight(sv(req[http::field::origin]), sv(req[http::field::access_control_request_method]),
                                  sv(req[http::field::access_control_request_headers]));
      return r;
    }
    Reply r;
    try {
      r = route(req, peer, std::move(auth));
    } catch (const std::exception& e) {
      spdlog::error("receiver {} (http): request failed: {}", id, e.what());
      r = text_reply(http::status::internal_server_error, "internal error");
      r.close = true;
    }
    add_cors(req, r);
    return r;
  }

  // Called once the header is read, before any of the body: a 401 reply (closing the connection, so the body
  // is never read as a request) when the authenticator refuses the request, else nothing, with `auth`
  // set. CORS preflights are not authenticated. The error body is in the request's encoding, protobuf unless
  // JSON.
  std::optional<Reply> authenticate(const Request& req, const std::string& peer, AuthData& auth) {
    if (!authenticator || is_preflight(req)) return std::nullopt;
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& f : req) headers.emplace_back(ascii_lower(sv(f.name_string())), std::string(sv(f.value())));
    Status st = authenticator->authenticate(headers, auth);
    if (st.is_ok()) return std::nullopt;
    unauthenticated->add();
    spdlog::debug("receiver {} (http): unauthenticated request from {}: {}", id, peer, st.message());
    std::string_view ct = sv(req[http::field::content_type]);
    Encoding enc = ascii_lower(trim(ct.substr(0, ct.find(';')))) == kJson ? Encoding::json : Encoding::protobuf;
    Reply r = status_reply(http::status::unauthorized, enc, kUnauthenticated, st.message());
    r.headers.emplace_back("WWW-Authenticate", authenticator->challenge());
    r.close = true;
    add_cors(req, r);
    return r;
  }

  // Called once the header is read and authenticated, before any of the body: a 429 reply (closing the
  // connection, so that the body is never read) when a limiter of requests, or of bytes by Content-Length,
  // refuses the request. CORS preflights are not limited.
  std::optional<Reply> limit_early(const Request& req, const std::string& peer, const AuthData& auth) {
    if (limiters.empty() || is_preflight(req)) return std::nullopt;
    BeastHeaders headers(req);
    const LimitRequest lr{peer, auth.principal, &headers, 1, &auth};
    Status st = limiters.apply(RateLimiter::Strategy::requests, lr, 1);
    if (st.is_ok() && req.has_content_length())
      if (auto len = req.find(http::field::content_length); len != req.end()) {
        uint64_t n = 0;
        std::string_view v = sv(len->value());
        std::from_chars(v.data(), v.data() + v.size(), n);
        st = limiters.apply(RateLimiter::Strategy::bytes, lr, n);
      }
    if (st.is_ok()) return std::nullopt;
    spdlog::debug("receiver {} (http): throttled a request from {}: {}", id, peer, st.message());
    Reply r = retry_later(error_encoding(sv(req[http::field::content_type])), st);
    r.close = true;
    add_cors(req, r);
    return r;
  }

  // The signal a request's path posts to, if this server has a pipeline for it.
  std::optional<Signal> signal_of(const Request& req) const {
    std::string_view target = sv(req.target());
    target = target.substr(0, target.find('?'));
    if (target == config.traces_url_path && next.traces) return Signal::traces;
    if (target == config.metrics_url_path && next.metrics) return Signal::metrics;
    if (target == config.logs_url_path && next.logs) return Signal::logs;
    return std::nullopt;
  }

  // Whether a signal's consumer may wait and can only answer within the call: its requests are handled on the
  // blocking pool. A consumer that answers later (a persistent queue) is called from the I/O thread instead.
  bool needs_pool(Signal s) const { return next.may_block(s) && !next.answers_async(s); }
  bool on_pool(const Request& req) const {
    auto s = signal_of(req);
    return s && needs_pool(*s);
  }

  Reply route(const Request& req, const std::string& peer, AuthData auth) {
    std::optional<Signal> signal = signal_of(req);
    if (!signal) return text_reply(http::status::not_found, "404 page not found\n");
    if (req.method() != http::verb::post) {
      auto r = text_reply(http::status::method_not_allowed, "405 method not allowed, supported: [POST]");
      r.headers.emplace_back("Allow", "POST");
      return r;
    }
    std::string_view ct = sv(req[http::field::content_type]);
    std::string mime = ascii_lower(trim(ct.substr(0, ct.find(';'))));
    Encoding enc;
    if (mime == kProtobuf)
      enc = Encoding::protobuf;
    else if (mime == kJson)
      enc = Encoding::json;
    else
      return text_reply(http::status::unsupported_media_type,
                        "415 unsupported media type, supported: [application/json, application/x-protobuf]");

    std::string_view ce = sv(req[http::field::content_encoding]);
    ContentEncoding encoding;
    if (!parse_content_encoding(ce, encoding))
      return bad_request(enc,
                         "unsupported Content-Encoding \"" + std::string(ce) + "\"; supported: gzip, deflate, zstd");
    BeastHeaders headers(req);
    if (!req.has_content_length() && limiters.uses(RateLimiter::Strategy::bytes)) {
      // A chunked body: its wire size is known now, still before decompression.
      if (Status st = limiters.apply(RateLimiter::Strategy::bytes,
                                     LimitRequest{peer, auth.principal, &headers, 1, &auth}, req.body().size());
          !st.is_ok())
        return retry_later(enc, st);
    }
    auto admission = MemoryBudget::global().admit(req.body().size());  // the batch below holds these bytes
    if (!admission) {
      auto r = status_reply(http::status::service_unavailable, enc, kUnavailable, admission.refusal().message());
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    std::string inflated;
    std::string_view body(req.body());
    if (encoding != ContentEncoding::identity) {
      if (auto err = decompress(encoding, body, max_body, inflated); !err.empty()) return bad_request(enc, err);
      body = inflated;
    }

    RequestContext rc;
    rc.client_address = peer;
    rc.auth = std::move(auth);
    if (config.include_metadata)
      for (const auto& f : req) rc.metadata.emplace_back(ascii_lower(sv(f.name_string())), std::string(sv(f.value())));

    switch (*signal) {
      case Signal::traces:
        return export_batch(next.traces, body, enc, std::move(rc), req.body().size(), headers);
      case Signal::metrics:
        return export_batch(next.metrics, body, enc, std::move(rc), req.body().size(), headers);
      case Signal::logs:
        return export_batch(next.logs, body, enc, std::move(rc), req.body().size(), headers);
    }
    return text_reply(http::status::not_found, "404 page not found\n");
  }

  template <typename B>
  Reply export_batch(Consumer<B>* consumer, std::string_view body, Encoding enc, RequestContext rc, size_t wire_bytes,
                     const RequestHeaders& headers) {
    using Req = typename B::RequestType;
    std::string bytes;
    size_t counted = 0;
    if (enc == Encoding::protobuf) {
      // Checked and counted on the wire; the batch keeps the bytes and decodes them only if a processor reads
      // them.
      auto checked = otlp_wire::check<Req>(body);
      if (!checked.ok)
        return bad_request(
            enc, "cannot decode the body as a protobuf " + Req::descriptor()->full_name() + ": " + checked.error);
      bytes = std::string(body);
      counted = checked.items;
    } else {
      // Transcoded straight to protobuf bytes, kept like a protobuf body. OTLP/JSON ids are hex of exactly 16
      // or 8 bytes (or empty): the transcoder refuses any other length.
      if (auto err = otlp_json::decode_to_wire<Req>(body, bytes, counted); !err.empty())
        return bad_request(enc, "cannot decode the body as OTLP/JSON " + Req::descriptor()->full_name() + ": " + err);
    }
    if (limiters.uses(RateLimiter::Strategy::records)) {
      // Records as counted by the wire walk (or the transcoder), not decoded.
      if (Status st =
              limiters.apply(RateLimiter::Strategy::records,
                             LimitRequest{rc.client_address, rc.auth.principal, &headers, 1, &rc.auth}, counted);
          !st.is_ok()) {
        counters.record(B::signal, counted, st);
        return retry_later(enc, st);
      }
    }
    B batch = B::adopt_wire(std::move(bytes), counted, std::move(rc));
    batch.set_wire_bytes(wire_bytes);
    const size_t items = batch.item_count();
    if (items > 0 && consumer->may_block() && consumer->answers_async()) {
      // Answered when the consumer answers (a persistent queue: once the batch is written), without holding a
      // thread meanwhile: serve() awaits it.
      Reply r;
      r.deferred = std::make_shared<Deferred>();
      r.deferred->start = [consumer, held = std::make_shared<B>(std::move(batch))](std::function<void(Status)> done) {
        consumer->consume_async(std::move(*held), std::move(done));
      };
      r.deferred->finish = [this, items, enc](const Status& st) { return export_reply(B::signal, items, enc, st); };
      return r;
    }
    return export_reply(B::signal, items, enc, items == 0 ? Status::ok() : consumer->consume(std::move(batch)));
  }

  // Counts an export's outcome and answers it.
  Reply export_reply(Signal signal, size_t items, Encoding enc, const Status& st) {
    counters.record(signal, items, st);
    if (st.is_ok()) {
      Reply r;
      // An empty Export*ServiceResponse: no bytes in protobuf, {} in JSON.
      r.content_type = enc == Encoding::json ? kJson : kProtobuf;
      if (enc == Encoding::json) r.body = "{}";
      return r;
    }
    spdlog::debug("receiver {} (http): refused {} {}: {}", id, items, item_name(signal), st.message());
    if (st.is_permanent()) return bad_request(enc, st.message());
    return retry_later(enc, st);
  }

  // ---- transport ----

  http::response<http::string_body> make_response(const Reply& r, unsigned version, bool keep_alive) {
    http::response<http::string_body> res(r.status, version);
    res.set(http::field::server, "otlpd");
    if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res.insert(k, v);
    res.body() = r.body;
    res.keep_alive(keep_alive && !r.close);
    res.prepare_payload();
    return res;
  }

  // Answers a request that could not be read (malformed, too large) and marks the connection for closing.
  // `content_type`: the request's, when its header was read (the error body then uses its encoding).
  static Reply unreadable(const beast::error_code& ec, uint64_t max_body, std::string_view content_type) {
    Reply r;
    if (ec == http::error::body_limit) {
      std::string msg = "request body exceeds max_request_body_size (" + std::to_string(max_body) + " bytes)";
      std::string mime = ascii_lower(trim(content_type.substr(0, content_type.find(';'))));
      if (mime == kJson)
        r = bad_request(Encoding::json, msg);
      else if (mime == kProtobuf)
        r = bad_request(Encoding::protobuf, msg);
      else
        r = text_reply(http::status::bad_request, msg);
    } else if (ec == http::error::header_limit) {
      r = text_reply(http::status::request_header_fields_too_large, "431 request header fields too large");
    } else {
      r = text_reply(http::status::bad_request, "400 bad request: " + ec.message());
    }
    r.close = true;
    return r;
  }

  static bool is_disconnect(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
           ec == asio::error::eof || ec == asio::error::connection_reset || ec == http::error::partial_message ||
           ec == asio::ssl::error::stream_truncated;
  }

  void set_phase(uint64_t conn, Phase phase) {
    std::lock_guard lock(mu);
    if (auto it = conns.find(conn); it != conns.end()) {
      it->second.phase = phase;
      it->second.since = std::chrono::steady_clock::now();
    }
  }

  // Makes room for a new connection at max_connections: closes the connection that has been idle, or reading
  // its request, the longest (a slowloris or idle flood's oldest; a real client's request takes
  // milliseconds). Connections whose request is being handled are never chosen. Returns false when none can
  // be closed.
  bool shed_one() {
    std::lock_guard lock(mu);
    auto victim = conns.end();
    for (auto it = conns.begin(); it != conns.end(); ++it)
      if (!it->second.shed && it->second.phase != Phase::handling &&
          (victim == conns.end() || it->second.since < victim->second.since))
        victim = it;
    if (victim == conns.end()) return false;
    victim->second.shed = true;
    ++shedding;
    shed_connections->add();
    asio::post(victim->second.strand, [this, conn_id = victim->first] {
      std::lock_guard l(mu);
      auto it = conns.find(conn_id);
      if (it == conns.end()) return;
      if (it->second.phase == Phase::handling) {  // its request completed meanwhile: let it be answered
        it->second.shed = false;
        --shedding;
        return;
      }
      // Shutting down both directions ends a pending read at once (EOF), and the lingering close with it.
      beast::error_code ec;
      it->second.socket->socket().shutdown(Socket::shutdown_both, ec);
      it->second.socket->cancel();
    });
    return true;
  }

  template <typename Stream>
  asio::awaitable<void> serve(Stream& stream, uint64_t conn, std::string peer) {
    auto& socket = beast::get_lowest_layer(stream);
    beast::flat_buffer buffer;
    beast::error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    bool first = true;
    while (!stopping.load()) {
      if (!first && buffer.size() == 0) {
        // Between requests: wait up to idle_timeout for the first byte of the next one.
        set_phase(conn, Phase::idle);
        socket.expires_after(config.idle_timeout);
        size_t n = co_await stream.async_read_some(buffer.prepare(4096), token);
        if (ec) co_return;
        buffer.commit(n);
      }
      if (!first) set_phase(conn, Phase::reading);
      first = false;
      // read_header_timeout bounds the header, read_timeout the whole request, headers and body.
      auto request_start = std::chrono::steady_clock::now();
      socket.expires_after(std::min(config.read_header_timeout, config.read_timeout));
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(std::min<uint64_t>(config.max_header_size.bytes, UINT32_MAX)));
      parser.body_limit(max_body);
      co_await http::async_read_header(stream, buffer, parser, token);
      AuthData auth;
      std::optional<Reply> refused;
      if (!ec) {
        socket.expires_at(request_start + config.read_timeout);
        refused = authenticate(parser.get(), peer, auth);
        if (!refused) refused = limit_early(parser.get(), peer, auth);
      }
      bool drain_refused = false;
      if (!ec && refused && refused->status == http::status::too_many_requests &&
          !beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        // A throttled request whose body is on its way (its length known and within max_request_body_size, as
        // the header read checked): reading and dropping the body (never stored, decompressed or decoded) costs
        // less than the client's reconnect, and a lingering close would read it too, so the connection is kept.
        // A chunked body is answered at once and the connection closed.
        auto len = parser.content_length();
        drain_refused = len && *len <= max_body && parser.get().keep_alive();
      }
      unsigned refused_version = 11;
      if (drain_refused) {
        refused_version = parser.get().version();
        if (auto len = parser.content_length(); *len > buffer.capacity() - buffer.size())  // reads of up to 256 KiB
          buffer.reserve(static_cast<size_t>(std::min<uint64_t>(*len, kMaxReadChunk)) + buffer.size());
        http::request_parser<DiscardBody> drain(std::move(parser));
        drain.body_limit(max_body);
        co_await http::async_read(stream, buffer, drain, token);
        if (ec) co_return;  // the client went away, or sent less than it announced
        refused->close = false;
      }
      if (!ec && !refused && beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> cont(http::status::continue_, 11);
        co_await http::async_write(stream, cont, token);
      }
      if (!ec && !refused) {
        // Read the body in large pieces: the buffer's capacity bounds every read (4 KiB at first), and each
        // read is a system call, a reactor round and a timer update.
        auto len = parser.content_length();
        if (len && *len > buffer.capacity() - buffer.size())
          buffer.reserve(static_cast<size_t>(std::min<uint64_t>(*len, kMaxReadChunk)) + buffer.size());
        co_await http::async_read(stream, buffer, parser, token);
      }
      Reply reply;
      unsigned version = 11;
      bool keep_alive = false;
      if (ec) {
        if (is_disconnect(ec)) co_return;
        reply = unreadable(ec, max_body,
                           parser.is_header_done() ? sv(parser.get()[http::field::content_type]) : std::string_view());
      } else if (refused) {
        reply = std::move(*refused);
        version = drain_refused ? refused_version : parser.get().version();  // a drained parser was moved from
        keep_alive = drain_refused;
      } else {
        set_phase(conn, Phase::handling);
        Request req = parser.release();
        version = req.version();
        keep_alive = req.keep_alive();
        if (blocking && on_pool(req)) {
          // The consumer may wait on a backend: answer from the pool, keeping this loop's other connections
          // served meanwhile.
          reply = co_await asio::co_spawn(
              *blocking, [&]() -> asio::awaitable<Reply> { co_return handle(req, peer, std::move(auth)); },
              asio::use_awaitable);
        } else {
          reply = handle(req, peer, std::move(auth));
        }
        if (reply.deferred) {
          reply = co_await await_answer(std::move(reply));
          add_cors(req, reply);
        }
      }
      auto res = make_response(reply, version, keep_alive && !stopping.load());
      socket.expires_after(config.read_timeout);
      co_await http::async_write(stream, res, token);
      if (ec || !res.keep_alive()) break;
    }
    if constexpr (std::is_same_v<Stream, PlainStream>) {
      // Lingering close: a client may still be sending a body we refused; reading it (bounded in bytes and
      // time) lets it see our answer instead of a connection reset.
      stream.socket().shutdown(Socket::shutdown_send, ec);
      socket.expires_after(std::chrono::seconds(2));
      uint64_t drained = 0;
      while (!ec && drained < 2 * max_body + (1 << 20)) {
        buffer.clear();
        drained += co_await stream.async_read_some(buffer.prepare(64 * 1024), token);
      }
    } else {
      socket.expires_after(std::chrono::seconds(1));
      co_await stream.async_shutdown(token);
    }
  }

  // Registers the connection for shutdown, runs the TLS handshake if any, then serves requests.
  template <typename Stream>
  asio::awaitable<void> run(Stream& stream, std::string peer) {
    auto& socket = beast::get_lowest_layer(stream);
    uint64_t conn;
    {
      std::lock_guard lock(mu);
      conn = next_conn_id++;
      conns[conn] = Conn{socket.get_executor(), &socket, Phase::reading, std::chrono::steady_clock::now()};
    }
    // Deregisters however the coroutine ends (also when it is destroyed unfinished at shutdown).
    struct Guard {
      Impl* self;
      uint64_t conn;
      ~Guard() {
        {
          std::lock_guard lock(self->mu);
          if (auto it = self->conns.find(conn); it != self->conns.end()) {
            if (it->second.shed) --self->shedding;
            self->conns.erase(it);
          }
        }
        self->active.fetch_sub(1);
        self->conns_changed.notify_all();
      }
    } guard{this, conn};
    if constexpr (!std::is_same_v<Stream, PlainStream>) {
      beast::error_code ec;
      socket.expires_after(config.read_timeout);
      co_await stream.async_handshake(ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        spdlog::debug("receiver {} (http): TLS handshake with {} failed: {}", id, peer, ec.message());
        co_return;
      }
    }
    co_await serve(stream, conn, std::move(peer));
  }

  asio::awaitable<void> session(Socket s) {
    std::string peer = peer_of(s);
    try {
      if (tls) {
        beast::ssl_stream<PlainStream> stream(std::move(s), *tls);
        co_await run(stream, std::move(peer));
      } else {
        PlainStream stream(std::move(s));
        co_await run(stream, std::move(peer));
      }
    } catch (const std::exception& e) {
      spdlog::warn("receiver {} (http): connection from {} failed: {}", id, peer, e.what());
    }
  }

  uint32_t shedding_now() {
    std::lock_guard lock(mu);
    return shedding;
  }

  asio::awaitable<void> accept_loop() {
    while (true) {
      beast::error_code ec;
      auto& loop = *iocs[next_ioc++ % iocs.size()];
      Socket s =
          co_await acceptor->async_accept(asio::make_strand(loop), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor->is_open() || stopping.load()) co_return;
        spdlog::warn("receiver {} (http): accept failed: {}", id, ec.message());
        continue;
      }
      if (active.load() >= config.max_connections + shedding_now() && !shed_one()) {
        spdlog::debug("receiver {} (http): max_connections ({}) reached, every connection busy: closing a new one", id,
                      config.max_connections);
        s.close(ec);
        continue;
      }
      active.fetch_add(1);
      auto ex = s.get_executor();
      asio::co_spawn(ex, session(std::move(s)), asio::detached);
    }
  }

  // Cancels the pending operations of every connection (only the idle ones unless `force`), on its strand.
  // Hands a deferred request on and awaits the consumer's answer. Whichever thread answers posts it to this
  // connection's strand, which wakes the coroutine through a timer that never expires by itself.
  asio::awaitable<Reply> await_answer(Reply deferred_reply) {
    struct Answer {
      explicit Answer(const asio::any_io_executor& ex) : wake(ex, asio::steady_timer::time_point::max()) {}
      asio::steady_timer wake;
      Status outcome = Status::ok();
      bool answered = false;
    };
    std::shared_ptr<Deferred> d = std::move(deferred_reply.deferred);
    const asio::any_io_executor ex = co_await asio::this_coro::executor;
    auto answer = std::make_shared<Answer>(ex);
    {
      std::lock_guard lock(mu);
      ++answers_pending;
    }
    auto done = [this, ex, answer](Status st) {
      asio::post(ex, [answer, st = std::move(st)]() mutable {
        answer->outcome = std::move(st);
        answer->answered = true;
        answer->wake.cancel();
      });
      std::lock_guard lock(mu);  // after the post: shutdown stops the loops only once this is 0
      if (--answers_pending == 0) conns_changed.notify_all();
    };
    try {
      d->start(done);
    } catch (const std::exception& e) {  // refused before it was taken: done was not called
      spdlog::error("receiver {} (http): request failed: {}", id, e.what());
      done(Status::retryable(std::string("internal error: ") + e.what()));
    }
    while (!answer->answered) {
      beast::error_code ec;
      co_await answer->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return d->finish(answer->outcome);
  }

  void close_connections(bool force) {
    std::lock_guard lock(mu);
    for (auto& [conn_id, c] : conns) {
      asio::post(c.strand, [this, conn_id = conn_id, force] {
        std::lock_guard l(mu);
        auto it = conns.find(conn_id);
        if (it != conns.end() && (force || it->second.phase == Phase::idle)) it->second.socket->cancel();
      });
    }
  }
};

HttpServer::HttpServer(std::string receiver_id, HttpServerConfig config, Consumers next)
    : impl_(std::make_unique<Impl>(std::move(receiver_id), std::move(config), next)) {}

HttpServer::~HttpServer() { shutdown(std::chrono::steady_clock::now()); }

void HttpServer::start(const ServerAuthenticator* authenticator, std::shared_ptr<const ServerTls> loaded,
                       IngestLimiters limiters) {
  auto& im = *impl_;
  im.limiters = std::move(limiters);
  if (const NetEndpoint& where = im.config.endpoint; where.is_unix()) {
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::symlink_status(where.path, ec)))
      throw std::runtime_error("otlp receiver '" + im.id + "': cannot listen for HTTP on " + where.str() +
                               ": the file exists (remove it if it is a socket left by a stopped process)");
  }
  im.authenticator = authenticator;
  im.unauthenticated = &Telemetry::global().counter("otlpd_receiver_unauthenticated_requests",
                                                    {{"receiver", im.id}, {"transport", "http"}});
  im.shed_connections =
      &Telemetry::global().counter("otlpd_receiver_shed_connections", {{"receiver", im.id}, {"transport", "http"}});
  if (im.config.tls) {
    im.tls.emplace(ssl::context::tls_server);
    im.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::single_dh_use);
    try {
      if (!loaded) loaded = ServerTls::load(*im.config.tls);
      apply_tls_protocol(im.tls->native_handle(), loaded->settings);
      im.tls->use_certificate_chain(asio::buffer(loaded->cert_pem));
      im.tls->use_private_key(asio::buffer(loaded->key_pem), ssl::context::pem);
      if (!loaded->client_ca_pem.empty()) {
        im.tls->add_certificate_authority(asio::buffer(loaded->client_ca_pem));
        im.tls->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      }
    } catch (const std::exception& e) {
      throw std::runtime_error("otlp receiver '" + im.id + "': TLS setup failed: " + e.what());
    }
  }

  for (int i = io_threads(); i > 0; --i) im.iocs.push_back(std::make_unique<asio::io_context>(1));
  if (im.needs_pool(Signal::traces) || im.needs_pool(Signal::metrics) || im.needs_pool(Signal::logs))
    im.blocking = std::make_unique<asio::thread_pool>(kBlockingThreads);
  const NetEndpoint& where = im.config.endpoint;
  const std::string endpoint = where.str();
  beast::error_code ec;
  StreamProtocol::endpoint ep;
  if (where.is_unix()) {
    ep = asio::local::stream_protocol::endpoint(where.path);
  } else {
    tcp::resolver resolver(*im.iocs.front());
    auto results = resolver.resolve(where.bind_host(), std::to_string(where.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty())
      throw std::runtime_error("otlp receiver '" + im.id + "': cannot resolve " + endpoint + ": " + ec.message());
    // Prefer IPv4 for names such as localhost, like the Collector's listener does.
    tcp::endpoint tcp_ep = results.begin()->endpoint();
    for (const auto& r : results)
      if (r.endpoint().address().is_v4()) {
        tcp_ep = r.endpoint();
        break;
      }
    ep = tcp_ep;
  }
  im.acceptor = std::make_unique<asio::basic_socket_acceptor<StreamProtocol>>(asio::make_strand(*im.iocs.front()));
  auto fail = [&](const char* what) {
    std::string msg =
        "otlp receiver '" + im.id + "': cannot listen for HTTP on " + endpoint + " (" + what + "): " + ec.message();
    im.acceptor.reset();
    im.iocs.clear();
    if (!im.socket_file.empty()) {
      std::error_code ignored;
      std::filesystem::remove(im.socket_file, ignored);
      im.socket_file.clear();
    }
    throw std::runtime_error(msg);
  };
  im.acceptor->open(ep.protocol(), ec);
  if (ec) fail("open");
  if (!where.is_unix()) im.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  im.acceptor->bind(ep, ec);
  if (ec) fail("bind");
  if (where.is_unix()) im.socket_file = where.path;  // ours from here: removed at shutdown
  im.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail("listen");
  if (auto bound = as_tcp(im.acceptor->local_endpoint(ec)))
    port_ = bound->port();
  else
    port_ = 1;  // a unix socket has no port; nonzero: listening

  asio::co_spawn(im.acceptor->get_executor(), im.accept_loop(), asio::detached);
  for (auto& loop : im.iocs) {
    im.keep_running.push_back(asio::make_work_guard(*loop));
    im.threads.emplace_back([&loop] { loop->run(); });
  }
  record_listening(im.id, "http", where.is_unix() ? where : NetEndpoint::tcp(where.host, static_cast<uint16_t>(port_)));
}

void HttpServer::shutdown(Deadline deadline) {
  auto& im = *impl_;
  if (im.iocs.empty()) return;
  im.stopping.store(true);
  asio::post(im.acceptor->get_executor(), [&im] {
    beast::error_code ec;
    im.acceptor->close(ec);
  });
  im.close_connections(false);
  {
    std::unique_lock lock(im.mu);
    im.conns_changed.wait_until(lock, deadline, [&] { return im.conns.empty(); });
  }
  im.close_connections(true);
  {
    std::unique_lock lock(im.mu);
    im.conns_changed.wait_for(lock, std::chrono::milliseconds(500), [&] { return im.conns.empty(); });
  }
  {
    // Every deferred request is answered (its consumer always answers: a persistent queue once the batch is
    // written or refused), and its answer posted, before the loops stop.
    std::unique_lock lock(im.mu);
    im.conns_changed.wait(lock, [&] { return im.answers_pending == 0; });
  }
  im.keep_running.clear();
  for (auto& loop : im.iocs) loop->stop();
  for (auto& t : im.threads) t.join();
  im.threads.clear();
  if (im.blocking) im.blocking->join();
  // Destroys what is left (unfinished connections) while the members they refer to are still alive.
  im.acceptor.reset();
  im.iocs.clear();
  if (!im.socket_file.empty()) {
    std::error_code ignored;
    std::filesystem::remove(im.socket_file, ignored);
    im.socket_file.clear();
  }
}

}  // namespace otlpd::otlp_receiver
