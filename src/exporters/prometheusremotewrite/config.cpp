// The `prometheusremotewrite` exporter's config schema.
#include "exporters/prometheusremotewrite/config.h"

namespace otlpd::prometheusremotewrite_exporter {

namespace {

struct Conversion {
  bool enabled = false;
};

const Schema<Conversion>& conversion_schema() {
  static const auto s = Schema<Conversion>().key("enabled", &Conversion::enabled,
                                                 "every resource attribute becomes a label of every series");
  return s;
}

struct TargetInfo {
  bool enabled = true;
};

const Schema<TargetInfo>& target_info_schema() {
  static const auto s = Schema<TargetInfo>().key(
      "enabled", &TargetInfo::enabled, "a target_info series carries the other resource attributes of each job");
  return s;
}

struct RemoteWriteQueue {
  bool enabled = true;
  int64_t queue_size = 10000;
  int num_consumers = 5;
};

const Schema<RemoteWriteQueue>& queue_schema() {
  static const auto s =
      Schema<RemoteWriteQueue>()
          .key("enabled", &RemoteWriteQueue::enabled, "requests wait in a queue; false: sent on the caller's thread")
          .key("queue_size", &RemoteWriteQueue::queue_size, "requests the queue holds",
               at_least(static_cast<int64_t>(1)))
          .key("num_consumers", &RemoteWriteQueue::num_consumers, "workers sending from the queue at once",
               at_least(1));
  return s;
}

}  // namespace

const Schema<RemoteWriteConfig>& schema() {
  static const auto s =
      Schema<RemoteWriteConfig>()
          .embed(&RemoteWriteConfig::client, exporter_helper::http_client_schema(RemoteWriteConfig{}.client))
          .embed(&RemoteWriteConfig::settings, exporter_helper::exporter_settings_schema(RemoteWriteConfig{}.settings))
          .block("remote_write_queue", "map",
                 "the Collector's queue keys for this exporter, mapped onto the shared sending queue", queue_schema(),
                 [](const ConfigNode& n, RemoteWriteConfig& c) {
                   auto& queue = c.settings.queue;
                   RemoteWriteQueue q{queue.enabled, queue.queue_size, queue.num_consumers};
                   queue_schema().parse_into(n, q);
                   queue.enabled = q.enabled;
                   queue.queue_size = q.queue_size;
                   queue.num_consumers = q.num_consumers;
                 })
          .key("namespace", &RemoteWriteConfig::namespace_, "prefix of every metric name (namespace_name)")
          .key("external_labels", &RemoteWriteConfig::external_labels, "labels added to every series")
          .block("resource_to_telemetry_conversion", "map", "resource attributes as labels", conversion_schema(),
                 [](const ConfigNode& n, RemoteWriteConfig& c) {
                   c.resource_to_telemetry_conversion = conversion_schema().parse(n)->enabled;
                 })
          .block(
              "target_info", "map", "the target_info series", target_info_schema(),
              [](const ConfigNode& n, RemoteWriteConfig& c) { c.target_info = target_info_schema().parse(n)->enabled; })
          .key("add_metric_suffixes", &RemoteWriteConfig::add_metric_suffixes,
               "unit and _total suffixes on metric names (the specification's translation)")
          .key("send_metadata", &RemoteWriteConfig::send_metadata,
               "each request also carries the type, help and unit of its metric families")
          .key("max_batch_size_bytes", &RemoteWriteConfig::max_batch_size_bytes,
               "a batch is split into remote-write requests of at most this many bytes (before compression)",
               at_least(static_cast<int64_t>(1024)))
          .ignored("max_batch_request_parallelism", "the requests of one batch are sent one after another")
          .ignored("export_created_metric", "no _created series are sent")
          .unsupported("wal", "use sending_queue.storage (a persistent queue) instead")
          .unsupported("protobuf_message", "only remote write 1.0 (prometheus.WriteRequest) is sent")
          .validate([](RemoteWriteConfig& c, const SchemaInput& in) {
            if (c.client.endpoint.empty())
              in.fail("endpoint", "'endpoint' is required (the receiver's URL, e.g. http://host:9090/api/v1/write)");
            if (c.client.compression != ContentEncoding::identity)
              in.fail("compression", "remote write bodies are always snappy-compressed; remove 'compression'");
          })
          .note(
              "Delta sums and histograms are dropped with a warning, as the Collector does (put the "
              "deltatocumulative processor in front, use a cumulative temporality, or the prometheus exporter).")
          .note(
              "Cumulative exponential histograms are sent as native histograms (Prometheus needs "
              "--enable-feature=native-histograms to store them).");
  return s;
}

}  // namespace otlpd::prometheusremotewrite_exporter

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::exporter, "prometheusremotewrite", ::otlpd::prometheusremotewrite_exporter::schema)
