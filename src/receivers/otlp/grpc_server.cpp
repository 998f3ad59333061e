// OTLP/gRPC server. Requests are taken as bytes, checked and counted on the wire, and handed on undecoded.
#include "receivers/otlp/grpc_server.h"

#include <grpcpp/grpcpp.h>

#include <utility>  // before Boost.Asio (GCC 12)

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <climits>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "codec/compression.h"
#include "codec/otlp_wire.h"
#include "core/auth.h"
#include "core/tls_grpc.h"
#include "google/rpc/status.pb.h"
#include "model/batch.h"
#include "model/memory_budget.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "platform/cpus.h"
#include "platform/endpoints.h"

namespace grpc::internal {
// The accessor ByteBuffer declares as its friend (gRPC's own tests define it so): the core buffer records the
// message's grpc-encoding when gRPC is told not to decompress.
class GrpcByteBufferPeer {
 public:
  explicit GrpcByteBufferPeer(ByteBuffer* buffer) : buffer_(buffer) {}
  grpc_byte_buffer* c_buffer() { return buffer_->c_buffer(); }

 private:
  ByteBuffer* buffer_;
};
}  // namespace grpc::internal

namespace otlpd::otlp_receiver {

namespace {

// The grpc-encoding of a message that gRPC handed over compressed: gzip and deflate are the ones gRPC 1.51
// recognises (it drops any other value, so that message arrives marked uncompressed).
ContentEncoding encoding_of(grpc::ByteBuffer& message) {
  grpc_byte_buffer* raw = grpc::internal::GrpcByteBufferPeer(&message).c_buffer();
  if (raw == nullptr || raw->type != GRPC_BB_RAW) return ContentEncoding::identity;
  switch (raw->data.raw.compression) {
    case GRPC_COMPRESS_GZIP:
      return ContentEncoding::gzip;
    case GRPC_COMPRESS_DEFLATE:
      return ContentEncoding::deflate;
    default:
      return ContentEncoding::identity;
  }
}

std::string peer_address(const std::string& peer) {
  // "ipv4:127.0.0.1:1234" / "ipv6:[::1]:1234"
  auto colon = peer.find(':');
  if (colon != std::string::npos && (peer.starts_with("ipv4:") || peer.starts_with("ipv6:")))
    return peer.substr(colon + 1);
  return peer;
}

// gRPC metadata as a limiter reads it (keys arrive lower-cased).
class MetadataHeaders final : public RequestHeaders {
 public:
  explicit MetadataHeaders(const std::multimap<grpc::string_ref, grpc::string_ref>& m) : m_(m) {}
  std::optional<std::string_view> get(std::string_view lower_name) const override {
    auto it = m_.find(grpc::string_ref(lower_name.data(), lower_name.size()));
    if (it == m_.end()) return std::nullopt;
    return std::string_view(it->second.data(), it->second.size());
  }

 private:
  const std::multimap<grpc::string_ref, grpc::string_ref>& m_;
};

grpc::Status to_grpc(const Status& s) {
  if (s.is_ok()) return grpc::Status::OK;
  if (s.is_permanent()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, s.message());
  auto code = s.exhausted() ? grpc::StatusCode::RESOURCE_EXHAUSTED : grpc::StatusCode::UNAVAILABLE;
  if (s.retry_after().count() <= 0) return grpc::Status(code, s.message());
  // Attach google.rpc.RetryInfo so that clients back off as long as we asked.
  google::rpc::Status details;
  details.set_code(static_cast<int>(code));
  details.set_message(s.message());
  google::rpc::RetryInfo info;
  auto ms = s.retry_after().count();
  info.mutable_retry_delay()->set_seconds(ms / 1000);
  info.mutable_retry_delay()->set_nanos(static_cast<int>((ms % 1000) * 1000000));
  details.add_details()->PackFrom(info);
  return grpc::Status(code, s.message(), details.SerializeAsString());
}

// One signal's Export method, registered raw on gRPC's asynchronous API: the request arrives as gRPC's byte buffer
// and is checked and counted on the wire (otlp_wire), not decoded; the batch keeps the bytes, so a pipeline that
// does not read fields never decodes them and exporters forward them as they came.
template <typename RawService, typename B>
class Handler final : public RawService {
 public:
  using Req = typename B::RequestType;

  // `blocking_pool`: where calls run when `next` may block (Consumer::may_block); null: on the completion
  // queue's thread.
  // `max_message_size`: the largest message once decompressed.
  Handler(Consumer<B>* next, ReceiverCounters* counters, bool include_metadata, size_t max_message_size,
          const ServerAuthenticator* authenticator, Counter* unauthenticated, boost::asio::thread_pool* blocking_pool,
          const IngestLimiters* limiters)
      : next_(next),
        counters_(counters),
        include_metadata_(include_metadata),
        max_message_size_(max_message_size),
        authenticator_(authenticator),
        unauthenticated_(unauthenticated),
        blocking_pool_(blocking_pool),
        limiters_(limiters) {}

  boost::asio::thread_pool* blocking_pool() const { return blocking_pool_; }

  // Asks gRPC for the next call of this method; it completes on `cq` with `tag`.
  void request(grpc::ServerContext* ctx, grpc::ByteBuffer* request,
               grpc::ServerAsyncResponseWriter<grpc::ByteBuffer>* writer, grpc::ServerCompletionQueue* cq, void* tag) {
    this->RequestExport(ctx, request, writer, cq, cq, tag);
  }

  // Handles one call; `response` is set when the status is OK. gRPC hands the message over as it arrived
  // (per-message decompression is off): the caller is authenticated first, then the message is decompressed
  // here within max_recv_msg_size_mib, so neither an unauthenticated caller nor a bomb makes gRPC inflate
  // anything. `request` is emptied as soon as its bytes are copied or decompressed.
  grpc::Status handle(grpc::ServerContext* ctx, grpc::ByteBuffer& request, grpc::ByteBuffer* response) {
    Prepared p = prepare(ctx, request);
    if (!p.batch) return p.status.ok() ? answer(0, Status::ok(), response) : p.status;
    return answer(p.items, next_->consume(std::move(*p.batch)), response);
  }

  // The same, answered through `done(status, response)` when the consumer answers (consume_async); `done` may run
  // on another thread, after this returns.
  template <typename Done>
  void handle_async(grpc::ServerContext* ctx, grpc::ByteBuffer& request, Done done) {
    Prepared p = prepare(ctx, request);
    request.Clear();
    if (!p.batch) {
      grpc::ByteBuffer response;
      if (p.status.ok()) p.status = answer(0, Status::ok(), &response);
      return done(p.status, response);
    }
    next_->consume_async(std::move(*p.batch), [this, items = p.items, done = std::move(done)](Status st) mutable {
      grpc::ByteBuffer response;
      grpc::Status status = answer(items, st, &response);
      done(status, response);
    });
  }

  // Whether handle_async() answers without waiting (Consumer::answers_async).
  bool answers_async() const { return next_->answers_async(); }

 private:
  // A call's request as a batch to hand on, or the answer when it is refused before (or is empty: OK).
  struct Prepared {
    Prepared() = default;
    Prepared(grpc::Status s) : status(std::move(s)) {}  // NOLINT: refusals convert implicitly
    grpc::Status status;
    std::optional<B> batch;
    size_t items = 0;
  };

  // Counts the outcome and sets `response` when it is OK.
  grpc::Status answer(size_t items, const Status& st, grpc::ByteBuffer* response) {
    counters_->record(B::signal, items, st);
    if (!st.is_ok()) spdlog::debug("otlp grpc: refused {} {}: {}", items, item_name(B::signal), st.message());
    if (st.is_ok()) {
      grpc::Slice empty;  // Export*ServiceResponse with no partial_success: zero bytes
      *response = grpc::ByteBuffer(&empty, 1);
    }
    return to_grpc(st);
  }

  Prepared prepare(grpc::ServerContext* ctx, grpc::ByteBuffer& request) {
    RequestContext rc;
    rc.client_address = peer_address(ctx->peer());
    if (authenticator_) {
      std::vector<std::pair<std::string, std::string>> headers;
      for (const auto& [k, v] : ctx->client_metadata())  // keys arrive lower-cased
        headers.emplace_back(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
      if (Status st = authenticator_->authenticate(headers, rc.auth); !st.is_ok()) {
        // The message is neither decompressed, checked nor counted: nothing of an unauthenticated caller is
        // parsed.
        unauthenticated_->add();
        spdlog::debug("otlp grpc: unauthenticated call from {}: {}", rc.client_address, st.message());
        return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, st.message());
      }
    }
    // Rate limits on the message as received: per call and per wire byte, before anything is decompressed.
    MetadataHeaders headers(ctx->client_metadata());
    const LimitRequest limit_request{rc.client_address, rc.auth.principal, &headers, 1, &rc.auth};
    if (!limiters_->empty()) {
      Status st = limiters_->apply(RateLimiter::Strategy::requests, limit_request, 1);
      if (st.is_ok()) st = limiters_->apply(RateLimiter::Strategy::bytes, limit_request, request.Length());
      if (!st.is_ok()) return to_grpc(st);
    }
    // Admitted on the bytes as received, before any decompression (the decompressed size is bounded by
    // max_recv_msg_size_mib).
    auto admission = MemoryBudget::global().admit(request.Length());  // the batch below holds these bytes
    if (!admission) return to_grpc(admission.refusal());
    std::string bytes;
    if (grpc::Status st = message_bytes(request, bytes, rc.client_address); !st.ok()) return st;
    auto checked = otlp_wire::check<Req>(bytes);
    // gRPC 1.51 drops a grpc-encoding it does not know (zstd) and hands such a message over as uncompressed;
    // a message that is not OTLP protobuf but a zstd frame is decompressed here, as a Collector would.
    if (!checked.ok && starts_like_zstd(bytes)) {
      std::string inflated;
      const std::string_view frame(bytes);
      if (grpc::Status st = decompress_message(ContentEncoding::zstd, {&frame, 1}, inflated, rc.client_address);
          !st.ok())
        return st;
      bytes = std::move(inflated);
      checked = otlp_wire::check<Req>(bytes);
    }
    if (!checked.ok) {
      spdlog::debug("otlp grpc: malformed {} request from {}: {}", to_string(B::signal), rc.client_address,
                    checked.error);
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "cannot decode the request as " + Req::descriptor()->full_name() + ": " + checked.error);
    }
    if (limiters_->uses(RateLimiter::Strategy::records)) {
      // Records as counted by the wire walk: the message is checked, not decoded.
      if (Status st = limiters_->apply(RateLimiter::Strategy::records, limit_request, checked.items); !st.is_ok()) {
        counters_->record(B::signal, checked.items, st);
        return to_grpc(st);
      }
    }
    if (include_metadata_) {
      for (const auto& [k, v] : ctx->client_metadata()) {
        std::string key(k.data(), k.size());
        if (key.ends_with("-bin")) continue;
        rc.metadata.emplace_back(std::move(key), std::string(v.data(), v.size()));
      }
    }
    Prepared p;
    p.items = checked.items;
    if (p.items > 0) p.batch.emplace(B::adopt_wire(std::move(bytes), p.items, std::move(rc)));
    return p;
  }

  // The message in one contiguous string, decompressed per its grpc-encoding (which gRPC records in the
  // buffer); `request` is emptied once read, so that at most the compressed and the decompressed message are
  // held.
  grpc::Status message_bytes(grpc::ByteBuffer& request, std::string& out, const std::string& peer) const {
    ContentEncoding encoding = encoding_of(request);
    std::vector<grpc::Slice> slices;
    if (!request.Dump(&slices).ok()) return grpc::Status(grpc::StatusCode::INTERNAL, "cannot read the message");
    std::vector<std::string_view> pieces;
    pieces.reserve(slices.size());
    for (const auto& s : slices) pieces.emplace_back(reinterpret_cast<const char*>(s.begin()), s.size());
    request.Clear();
    return decompress_message(encoding, pieces, out, peer);
  }

  grpc::Status decompress_message(ContentEncoding encoding, std::span<const std::string_view> pieces, std::string& out,
                                  const std::string& peer) const {
    std::string error;
    DecompressStatus st = decompress(encoding, pieces, max_message_size_, "max_recv_msg_size_mib", out, error);
    if (st == DecompressStatus::ok) return grpc::Status::OK;
    spdlog::debug("otlp grpc: refused a compressed {} request from {}: {}", to_string(B::signal), peer, error);
    // As gRPC answers a message over the limit; data that does not decompress is the caller's error.
    return grpc::Status(
        st == DecompressStatus::too_large ? grpc::StatusCode::RESOURCE_EXHAUSTED : grpc::StatusCode::INVALID_ARGUMENT,
        error);
  }

  Consumer<B>* next_;
  ReceiverCounters* counters_;
  bool include_metadata_;
  size_t max_message_size_;
  const ServerAuthenticator* authenticator_;
  Counter* unauthenticated_;
  boost::asio::thread_pool* blocking_pool_;
  const IngestLimiters* limiters_;
};

// One call of one method, from request to finish. Its address is its completion-queue tag.
class Call {
 public:
  virtual ~Call() = default;
  // The call's next event has completed with `ok`; returns false when the call is over (delete it).
  virtual bool proceed(bool ok) = 0;
};

// Counts the calls being handled, so that shutdown shuts the completion queues down only once no handler can
// still start an operation on them (gRPC aborts on an operation started on a queue that is shut down).
class CallGate {
 public:
  // A call starts being handled; false once closed (the call is then dropped: the server has cancelled it).
  bool enter() {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    ++handling_;
    return true;
  }
  // The call's last operation has been started.
  void leave() {
    std::lock_guard lock(mu_);
    if (--handling_ == 0) idle_.notify_all();
  }
  // Refuses further calls and waits for the ones being handled (after Server::Shutdown, whose deadline has
  // cancelled them by then; a consumer that blocks still returns when its exporter gives up).
  void close() {
    std::unique_lock lock(mu_);
    closed_ = true;
    idle_.wait(lock, [&] { return handling_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable idle_;
  int handling_ = 0;
  bool closed_ = false;
};

template <typename H>
class CallOf final : public Call {
 public:
  CallOf(H* handler, grpc::ServerCompletionQueue* cq, CallGate* gate)
      : handler_(handler), cq_(cq), gate_(gate), writer_(&ctx_) {
    handler_->request(&ctx_, &request_, &writer_, cq_, this);
  }

  bool proceed(bool ok) override {
    if (finishing_ || !ok) return false;  // finished, or the server is shutting down
    if (!gate_->enter()) return false;
    new CallOf(handler_, cq_, gate_);  // keep a call requested while this one is handled
    finishing_ = true;
    if (handler_->answers_async())
      answer_async();
    else if (auto* pool = handler_->blocking_pool())
      boost::asio::post(*pool, [this] { answer(); });
    else
      answer();
    return true;
  }

 private:
  // Hands the request on from the queue's thread; the answer starts when the consumer answers, on whichever thread
  // that is (a persistent queue's writer, once the data is on disk).
  void answer_async() {
    handler_->handle_async(&ctx_, request_, [this](const grpc::Status& status, const grpc::ByteBuffer& response) {
      finish(status, response);
    });
  }

  // Starts the answer. The queue's thread may then complete and delete this call: nothing of it is touched
  // afterwards.
  void finish(const grpc::Status& status, const grpc::ByteBuffer& response) {
    CallGate* gate = gate_;
    if (status.ok())
      writer_.Finish(response, status, this);
    else
      writer_.FinishWithError(status, this);
    gate->leave();
  }

  // Handles the request and starts the answer; the call completes on its queue once the answer is sent.
  void answer() {
    grpc::ByteBuffer response;
    grpc::Status status = handler_->handle(&ctx_, request_, &response);
    request_.Clear();
    finish(status, response);
  }

  H* handler_;
  grpc::ServerCompletionQueue* cq_;
  CallGate* gate_;
  grpc::ServerContext ctx_;
  grpc::ByteBuffer request_;
  grpc::ServerAsyncResponseWriter<grpc::ByteBuffer> writer_;
  bool finishing_ = false;
};

namespace tsvc = opentelemetry::proto::collector::trace::v1;
namespace msvc = opentelemetry::proto::collector::metrics::v1;
namespace lsvc = opentelemetry::proto::collector::logs::v1;

using TraceHandler = Handler<tsvc::TraceService::WithRawMethod_Export<tsvc::TraceService::Service>, TraceBatch>;
using MetricHandler = Handler<msvc::MetricsService::WithRawMethod_Export<msvc::MetricsService::Service>, MetricBatch>;
using LogHandler = Handler<lsvc::LogsService::WithRawMethod_Export<lsvc::LogsService::Service>, LogBatch>;

// Calls kept requested per method and completion queue: gRPC hands a new call to a requested one at once.
constexpr int kRequestedCalls = 8;

// Serves a completion queue's events until it is shut down and empty.
void drain(grpc::ServerCompletionQueue& cq) {
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
    auto* call = static_cast<Call*>(tag);
    if (!call->proceed(ok)) delete call;
  }
}

}  // namespace

struct GrpcServer::Impl {
  Impl(std::string receiver_id, GrpcServerConfig cfg, Consumers consumers)
      : id(receiver_id), config(std::move(cfg)), next(consumers), counters(std::move(receiver_id), "grpc") {}

  std::string id;
  GrpcServerConfig config;
  Consumers next;
  ReceiverCounters counters;
  std::unique_ptr<TraceHandler> traces;
  std::unique_ptr<MetricHandler> metrics;
  std::unique_ptr<LogHandler> logs;
  std::unique_ptr<grpc::Server> server;
  // One completion queue per I/O thread (core/cpus.h); the thread polls it and handles its calls itself, so a
  // call is not handed between threads.
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> cqs;
  std::vector<std::thread> threads;
  std::unique_ptr<boost::asio::thread_pool> blocking;  // only when some consumer may block
  CallGate gate;
  IngestLimiters limiters;
};

GrpcServer::GrpcServer(std::string receiver_id, GrpcServerConfig config, Consumers next)
    : impl_(std::make_unique<Impl>(std::move(receiver_id), std::move(config), next)) {}

GrpcServer::~GrpcServer() {
  if (impl_->server) shutdown(std::chrono::steady_clock::now());
}

namespace {

// keepalive: gRPC C++'s channel arguments for the Go server options the Collector sets; zero keeps gRPC's
// default.
void apply_keepalive(grpc::ServerBuilder& builder, const KeepaliveServerConfig& k) {
  const auto arg = [&](const char* name, Duration d) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    if (ms > 0) builder.AddChannelArgument(name, static_cast<int>(std::min<int64_t>(ms, INT_MAX)));
  };
  if (const auto& p = k.server_parameters) {
    arg(GRPC_ARG_MAX_CONNECTION_IDLE_MS, p->max_connection_idle);
    arg(GRPC_ARG_MAX_CONNECTION_AGE_MS, p->max_connection_age);
    arg(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, p->max_connection_age_grace);
    arg(GRPC_ARG_KEEPALIVE_TIME_MS, p->time);
    arg(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, p->timeout);
  }
  if (const auto& e = k.enforcement_policy) {
    arg(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, e->min_time);
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, e->permit_without_stream ? 1 : 0);
  }
}

}  // namespace

void GrpcServer::start(const ServerAuthenticator* authenticator, std::shared_ptr<const ServerTls> tls,
                       IngestLimiters limiters) {
  auto& im = *impl_;
  im.limiters = std::move(limiters);
  const NetEndpoint& endpoint = im.config.endpoint;
  if (endpoint.is_unix()) {
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::symlink_status(endpoint.path, ec)))
      throw std::runtime_error("otlp receiver '" + im.id + "': cannot listen for gRPC on " + endpoint.str() +
                               ": the file exists (remove it if it is a socket left by a stopped process)");
  }
  if (im.config.tls && !tls) tls = ServerTls::load(*im.config.tls);
  Counter* unauthenticated = &Telemetry::global().counter("otlpd_receiver_unauthenticated_requests",
                                                          {{"receiver", im.id}, {"transport", "grpc"}});
  grpc::ServerBuilder builder;
  std::shared_ptr<grpc::ServerCredentials> creds =
      tls ? make_grpc_server_credentials(*tls) : grpc::InsecureServerCredentials();
  builder.AddListeningPort(endpoint.grpc_address(), creds, &port_);
  // gRPC enables SO_REUSEPORT by default, which lets a second daemon silently share the port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // gRPC applies the limit to the message as received; decompression is left to the handlers, which apply it
  // again to the decompressed message, after authentication. (gRPC 1.51 would inflate a message whole before
  // checking its size, and before any handler runs.)
  const size_t max_message = im.config.max_recv_msg_size_mib * 1024 * 1024;
  builder.SetMaxReceiveMessageSize(static_cast<int>(max_message));
  builder.AddChannelArgument(GRPC_ARG_ENABLE_PER_MESSAGE_DECOMPRESSION, 0);
  if (im.config.max_concurrent_streams > 0)
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, static_cast<int>(im.config.max_concurrent_streams));
  if (im.config.keepalive) apply_keepalive(builder, *im.config.keepalive);
  // The pool for signals whose consumer may block and answers only by returning, created only when one does.
  auto needs_pool = [&](Signal s) { return im.next.may_block(s) && !im.next.answers_async(s); };
  if (needs_pool(Signal::traces) || needs_pool(Signal::metrics) || needs_pool(Signal::logs))
    im.blocking = std::make_unique<boost::asio::thread_pool>(kBlockingThreads);
  auto pool_for = [&](Signal s) { return needs_pool(s) ? im.blocking.get() : nullptr; };
  if (im.next.traces) {
    im.traces = std::make_unique<TraceHandler>(im.next.traces, &im.counters, im.config.include_metadata, max_message,
                                               authenticator, unauthenticated, pool_for(Signal::traces), &im.limiters);
    builder.RegisterService(im.traces.get());
  }
  if (im.next.metrics) {
    im.metrics =
        std::make_unique<MetricHandler>(im.next.metrics, &im.counters, im.config.include_metadata, max_message,
                                        authenticator, unauthenticated, pool_for(Signal::metrics), &im.limiters);
    builder.RegisterService(im.metrics.get());
  }
  if (im.next.logs) {
    im.logs = std::make_unique<LogHandler>(im.next.logs, &im.counters, im.config.include_metadata, max_message,
                                           authenticator, unauthenticated, pool_for(Signal::logs), &im.limiters);
    builder.RegisterService(im.logs.get());
  }
  for (int i = io_threads(); i > 0; --i) im.cqs.push_back(builder.AddCompletionQueue());
  im.server = builder.BuildAndStart();
  if (!im.server || port_ == 0) {
    im.server.reset();
    for (auto& cq : im.cqs) {
      cq->Shutdown();
      drain(*cq);
    }
    im.cqs.clear();
    throw std::runtime_error("otlp receiver '" + im.id + "': cannot listen for gRPC on " + endpoint.str());
  }
  for (auto& cq : im.cqs) {
    for (int i = 0; i < kRequestedCalls; ++i) {
      if (im.traces) new CallOf<TraceHandler>(im.traces.get(), cq.get(), &im.gate);
      if (im.metrics) new CallOf<MetricHandler>(im.metrics.get(), cq.get(), &im.gate);
      if (im.logs) new CallOf<LogHandler>(im.logs.get(), cq.get(), &im.gate);
    }
    im.threads.emplace_back([q = cq.get()] { drain(*q); });
  }
  record_listening(im.id, "grpc", endpoint.is_unix() ? endpoint : NetEndpoint::tcp(endpoint.host, port_));
}

void GrpcServer::shutdown(Deadline deadline) {
  auto& im = *impl_;
  if (!im.server) return;
  auto system_deadline = std::chrono::system_clock::now() + (deadline - std::chrono::steady_clock::now());
  // Refuses new calls, lets the running ones finish until the deadline (the queues' threads still serve them),
  // then cancels the rest; every requested call then completes with ok = false.
  im.server->Shutdown(system_deadline);
  im.gate.close();
  for (auto& cq : im.cqs) cq->Shutdown();
  for (auto& t : im.threads) t.join();
  im.threads.clear();
  im.server->Wait();
  im.server.reset();
  im.cqs.clear();
  if (im.blocking) im.blocking->join();
  im.blocking.reset();
  if (im.config.endpoint.is_unix()) {
    std::error_code ignored;  // gRPC may have removed it already
    std::filesystem::remove(im.config.endpoint.path, ignored);
  }
}

}  // namespace otlpd::otlp_receiver
