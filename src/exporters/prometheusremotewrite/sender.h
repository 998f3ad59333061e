// The `prometheusremotewrite` exporter's sender: one attempt to deliver a batch as remote-write requests.
#pragma once

#include <memory>
#include <string>

#include "exporters/helper/queued_exporter.h"
#include "exporters/prometheusremotewrite/config.h"

namespace otlpd::prometheusremotewrite_exporter {

// Translates each batch (write_request.h), splits it by max_batch_size_bytes and POSTs every request
// (protobuf, snappy) in turn: a transport failure, 429 or 5xx is retryable (with Retry-After), another status
// outside 2xx permanent. A retried batch is sent whole again (Prometheus ignores a sample it already has).
// Throws std::runtime_error when libcurl cannot be loaded.
std::unique_ptr<exporter_helper::BatchSender<MetricBatch>> make_remote_write_sender(std::string id,
                                                                                    const RemoteWriteConfig& cfg);

}  // namespace otlpd::prometheusremotewrite_exporter
