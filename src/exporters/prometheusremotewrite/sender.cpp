// The `prometheusremotewrite` exporter's sender (see sender.h).
#include <snappy.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <set>

#include "exporters/otlphttp/http_client.h"
#include "exporters/prometheusremotewrite/sender.h"
#include "exporters/prometheusremotewrite/write_request.h"

namespace otlpd::prometheusremotewrite_exporter {

namespace {

using exporter_helper::SendOutcome;

class RemoteWriteSender final : public exporter_helper::BatchSender<MetricBatch> {
 public:
  RemoteWriteSender(std::string id, const RemoteWriteConfig& cfg)
      : id_(std::move(id)),
        url_(cfg.client.endpoint),
        max_bytes_(static_cast<size_t>(cfg.max_batch_size_bytes)),
        client_(cfg.client) {
    options_.namespace_ = cfg.namespace_;
    options_.external_labels = cfg.external_labels;
    options_.resource_to_telemetry_conversion = cfg.resource_to_telemetry_conversion;
    options_.target_info = cfg.target_info;
    options_.add_metric_suffixes = cfg.add_metric_suffixes;
    options_.send_metadata = cfg.send_metadata;
  }

  void start(const Host& host) override { client_.start(host); }
  void check(const Host& host) const override { client_.check(host); }
  void cancel() override { client_.cancel(); }

  SendOutcome send(const MetricBatch& batch, Deadline deadline) override {
    if (client_.cancelled()) return SendOutcome::retryable("exporter is shutting down");
    const auto now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    Translated t = translate(batch, options_, now_ms);
    warn_dropped(t);
    static const std::vector<std::string> headers = {"Content-Type: application/x-protobuf", "Content-Encoding: snappy",
                                                     "X-Prometheus-Remote-Write-Version: 0.1.0"};
    for (const auto& request : split_requests(t, max_bytes_)) {
      std::string body;
      snappy::Compress(request.data(), request.size(), &body);
      otlphttp_exporter::HttpResult r = client_.post(url_, headers, body, deadline);
      if (r.transport_error) return r.permanent ? SendOutcome::permanent(r.error) : SendOutcome::retryable(r.error);
      if (r.status >= 200 && r.status < 300) continue;
      std::string msg = "POST " + url_ + ": HTTP " + std::to_string(r.status);
      if (!r.body.empty()) {
        std::string text = r.body.substr(0, 256);
        for (char& c : text)
          if (static_cast<unsigned char>(c) < 32) c = ' ';
        msg += ": " + text;
      }
      if (r.status == 429 || (r.status >= 500 && r.status < 600)) return SendOutcome::retryable(msg, r.retry_after);
      return SendOutcome::permanent(msg);
    }
    return SendOutcome::ok();
  }

 private:
  // Warns once per metric name (up to 100 names) about metrics that were not sent.
  void warn_dropped(const Translated& t) {
    if (t.dropped.empty()) return;
    std::lock_guard lock(mu_);
    for (const auto& [name, why] : t.dropped) {
      if (warned_.size() >= 100 || !warned_.insert(name).second) continue;
      spdlog::warn("exporter {}: metric {} is not sent: {}", id_, name, why);
    }
  }

  std::string id_;
  std::string url_;
  size_t max_bytes_;
  TranslateOptions options_;
  otlphttp_exporter::HttpClient client_;
  std::mutex mu_;
  std::set<std::string> warned_;
};

}  // namespace

std::unique_ptr<exporter_helper::BatchSender<MetricBatch>> make_remote_write_sender(std::string id,
                                                                                    const RemoteWriteConfig& cfg) {
  return std::make_unique<RemoteWriteSender>(std::move(id), cfg);
}

}  // namespace otlpd::prometheusremotewrite_exporter
