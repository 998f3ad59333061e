// OTLP/HTTP senders on the shared libcurl client (http_client.h): bodies in protobuf or OTLP/JSON, compressed as
// configured (codec/compression.h).
#include "exporters/otlphttp/http_sender.h"

#include "codec/compression.h"
#include "codec/otlp_json.h"
#include "core/auth.h"
#include "exporters/helper/partial_success.h"
#include "exporters/otlphttp/http_client.h"
#include "google/rpc/status.pb.h"

namespace otlpd::otlphttp_exporter {

namespace {

using exporter_helper::SendOutcome;

bool is_json(const std::string& content_type) { return content_type.find("json") != std::string::npos; }

// What the backend said about a failure: google.rpc.Status's message, or the (shortened) body.
std::string describe(const HttpResult& r) {
  if (r.body.empty()) return {};
  if (!is_json(r.content_type) && r.content_type.find("protobuf") != std::string::npos) {
    google::rpc::Status st;
    if (st.ParseFromString(r.body)) return st.message();
  }
  std::string text = r.body.substr(0, 256);
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 32) c = ' ';
  return text;
}

template <typename B, typename Resp>
class HttpSender final : public exporter_helper::BatchSender<B> {
 public:
  HttpSender(std::shared_ptr<HttpClient> client, std::string url, const OtlpHttpConfig& cfg)
      : client_(std::move(client)), url_(std::move(url)), cfg_(cfg) {
    bool json = cfg.encoding == OtlpHttpConfig::Encoding::json;
    header_lines_.push_back(json ? "Content-Type: application/json" : "Content-Type: application/x-protobuf");
    if (cfg.client.compression != ContentEncoding::identity)
      header_lines_.push_back("Content-Encoding: " + std::string(content_encoding_token(cfg.client.compression)));
  }

  void cancel() override { client_->cancel(); }
  void start(const Host& host) override { client_->start(host); }

  void check(const Host& host) const override { client_->check(host); }

  SendOutcome send(const B& batch, Deadline deadline) override {
    if (client_->cancelled()) return SendOutcome::retryable("exporter is shutting down");
    std::string body = compress(cfg_.client.compression, encode(batch));
    HttpResult r = client_->post(url_, header_lines_, body, deadline, &batch.context());
    if (r.transport_error) return r.permanent ? SendOutcome::permanent(r.error) : SendOutcome::retryable(r.error);
    if (r.status >= 200 && r.status < 300) return success(r);
    std::string msg = "POST " + url_ + ": HTTP " + std::to_string(r.status);
    if (auto d = describe(r); !d.empty()) msg += ": " + d;
    if (r.status == 429 || r.status == 502 || r.status == 503 || r.status == 504)
      return SendOutcome::retryable(msg, r.retry_after);
    return SendOutcome::permanent(msg);
  }

 private:
  std::string encode(const B& batch) const {
    if (cfg_.encoding == OtlpHttpConfig::Encoding::proto) return batch.serialize();
    // JSON has no concatenation: several parts become one merged request.
    if (batch.read_parts().size() == 1) return otlp_json::encode(*batch.read_parts().front().request);
    auto one = batch.merged();
    return otlp_json::encode(one.first());
  }

  SendOutcome success(const HttpResult& r) const {
    SendOutcome out = SendOutcome::ok();
    if (r.body.empty() || r.truncated) return out;
    Resp resp;
    bool parsed = is_json(r.content_type) ? otlp_json::decode(r.body, resp).empty() : resp.ParseFromString(r.body);
    if (parsed && resp.has_partial_success()) {
      out.rejected_items = exporter_helper::rejected(resp);
      out.partial_message = resp.partial_success().error_message();
    }
    return out;
  }

  std::shared_ptr<HttpClient> client_;
  std::string url_;
  OtlpHttpConfig cfg_;
  std::vector<std::string> header_lines_;
};

}  // namespace

exporter_helper::Senders make_otlp_http_senders(const OtlpHttpConfig& cfg) {
  auto client = std::make_shared<HttpClient>(cfg.client);
  exporter_helper::Senders s;
  s.traces = std::make_unique<HttpSender<TraceBatch, otlp_trace::ExportTraceServiceResponse>>(client,
                                                                                              cfg.traces_endpoint, cfg);
  s.metrics = std::make_unique<HttpSender<MetricBatch, otlp_metrics::ExportMetricsServiceResponse>>(
      client, cfg.metrics_endpoint, cfg);
  s.logs = std::make_unique<HttpSender<LogBatch, otlp_logs::ExportLogsServiceResponse>>(client, cfg.logs_endpoint, cfg);
  return s;
}

}  // namespace otlpd::otlphttp_exporter
