// The `otlphttp` exporter's senders: OTLP/HTTP POSTs on libcurl.
#pragma once

#include "exporters/helper/queued_exporter.h"
#include "exporters/otlphttp/config.h"

namespace otlpd::otlphttp_exporter {

// One sender per signal sharing a pool of libcurl handles. Throws std::runtime_error when libcurl cannot be
// loaded.
exporter_helper::Senders make_otlp_http_senders(const OtlpHttpConfig& cfg);

}  // namespace otlpd::otlphttp_exporter
