// The schemas of `sending_queue`, `retry_on_failure` and `timeout`, with the Collector's keys and checks.
#include "exporters/helper/settings.h"

namespace otlpd::exporter_helper {

namespace {

const std::vector<std::pair<std::string, Sizer>>& sizers() {
  static const std::vector<std::pair<std::string, Sizer>> s = {
      {"requests", Sizer::requests}, {"items", Sizer::items}, {"bytes", Sizer::bytes}};
  return s;
}

const Schema<QueueBatchSettings>& batch_schema() {
  static const auto s =
      Schema<QueueBatchSettings>()
          .key("flush_timeout", &QueueBatchSettings::flush_timeout,
               "time after which a batch is sent whatever its size (must be positive)")
          .key("min_size", &QueueBatchSettings::min_size, "size at which a batch is sent at once")
          .key("max_size", &QueueBatchSettings::max_size, "largest batch; larger ones are split; 0: no limit")
          .choice("sizer", &QueueBatchSettings::sizer, {{"items", Sizer::items}, {"bytes", Sizer::bytes}},
                  "what min_size and max_size count: items (spans, data points, log records) or serialised bytes",
                  {{"requests", "batches are sized in items or bytes"}})
          .validate([](QueueBatchSettings& b, const SchemaInput& in) {
            b.enabled = true;
            if (b.flush_timeout <= Duration::zero()) in.fail("flush_timeout", "flush_timeout must be positive");
            if (b.min_size < 0) in.fail("min_size", "min_size must not be negative");
            if (b.max_size < 0) in.fail("max_size", "max_size must not be negative");
            if (b.max_size > 0 && b.max_size < b.min_size)
              in.fail("max_size", "max_size must be greater than or equal to min_size");
          });
  return s;
}

const Schema<QueueSettings>& queue_schema() {
  static const auto s =
      Schema<QueueSettings>()
          .key("enabled", &QueueSettings::enabled,
               "queue requests and send them from workers; false: send on the "
               "caller's thread")
          .key("num_consumers", &QueueSettings::num_consumers, "workers sending from the queue at once")
          .key("queue_size", &QueueSettings::queue_size, "capacity, in requests or items (see sizer)")
          .choice("sizer", &QueueSettings::sizer, sizers(),
                  "what queue_size counts: requests, items (spans, data points, log records), or serialised bytes "
                  "(bytes: with storage only)")
          .key("storage", &QueueSettings::storage,
               "a storage extension (file_storage/<name>) listed in service.extensions: the queue is kept on disk "
               "and a request is acknowledged once written there (docs/durability.md)")
          .block("batch", "map", "batch after the queue: requests are merged into batches before sending",
                 batch_schema(), [](const ConfigNode& n, QueueSettings& q) { batch_schema().parse_into(n, q.batch); })
          .ignored("block_on_overflow",
                   "a full queue answers retryable upstream (the client retries) instead of blocking")
          .ignored("blocking", "the Collector's older name of block_on_overflow; a full queue answers retryable")
          .ignored("wait_for_result", "a request is acknowledged when it is in the queue (on disk with storage)")
          .validate([](QueueSettings& q, const SchemaInput& in) {
            if (q.enabled && q.num_consumers < 1) in.fail("num_consumers", "num_consumers must be positive");
            if (q.enabled && q.queue_size < 1) in.fail("queue_size", "queue_size must be positive");
            if (q.enabled && q.sizer == Sizer::bytes && q.storage.empty())
              in.fail("sizer", "sizer: bytes is supported for persistent queues (with storage) only");
            if (!q.enabled && !q.storage.empty())
              in.fail("storage", "storage needs the queue: remove storage or set enabled: true");
          });
  return s;
}

const Schema<RetrySettings>& retry_schema() {
  static const auto s =
      Schema<RetrySettings>()
          .key("enabled", &RetrySettings::enabled, "retry retryable failures with exponential back-off")
          .key("initial_interval", &RetrySettings::initial_interval, "first wait after a failure")
          .key("max_interval", &RetrySettings::max_interval, "upper bound of a wait")
          .key("max_elapsed_time", &RetrySettings::max_elapsed_time,
               "time after the first attempt when retries stop and the data is dropped; 0: never")
          .key("multiplier", &RetrySettings::multiplier, "growth of the wait after each failure")
          .key("randomization_factor", &RetrySettings::randomization_factor,
               "each wait is drawn from interval x [1 - factor, 1 + factor]")
          .validate([](RetrySettings& s, const SchemaInput& in) {
            if (!s.enabled) return;
            if (s.initial_interval <= Duration::zero())
              in.fail("initial_interval", "initial_interval must be positive");
            if (s.max_interval < s.initial_interval)
              in.fail("max_interval", "max_interval must not be less than initial_interval");
            if (s.max_elapsed_time < Duration::zero())
              in.fail("max_elapsed_time", "max_elapsed_time must not be negative");
            if (!(s.multiplier >= 1.0)) in.fail("multiplier", "multiplier must be at least 1");
            if (!(s.randomization_factor >= 0.0 && s.randomization_factor <= 1.0))
              in.fail("randomization_factor", "randomization_factor must be between 0 and 1");
          });
  return s;
}

}  // namespace

Schema<ExporterSettings> exporter_settings_schema(const ExporterSettings& defaults) {
  return Schema<ExporterSettings>()
      .block("sending_queue", "map", "the bounded queue drained by workers", queue_schema(),
             [](const ConfigNode& n, ExporterSettings& s) { queue_schema().parse_into(n, s.queue); })
      .block("retry_on_failure", "map", "retries of retryable failures", retry_schema(),
             [](const ConfigNode& n, ExporterSettings& s) { retry_schema().parse_into(n, s.retry); })
      .custom("timeout", "duration (greater than 0)", schema_detail::show(defaults.timeout),
              "deadline of each attempt to send", [](const ConfigNode& n, ExporterSettings& s) {
                s.timeout = n.as<Duration>();
                if (s.timeout <= Duration::zero()) n.fail("timeout must be positive");
              });
}

}  // namespace otlpd::exporter_helper
