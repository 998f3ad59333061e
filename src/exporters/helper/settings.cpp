// Parsing `sending_queue`, `retry_on_failure` and `timeout` with the Collector's keys and checks.
#include "exporters/helper/queued_exporter.h"

namespace otlpd::exporter_helper {

namespace {

void parse_queue(const ConfigNode& node, QueueSettings& q) {
  MapReader r(node);
  r.get("enabled", q.enabled);
  r.get("num_consumers", q.num_consumers);
  r.get("queue_size", q.queue_size);
  std::string sizer;
  if (r.get("sizer", sizer)) {
    if (sizer == "requests")
      q.sizer = QueueSettings::Sizer::requests;
    else if (sizer == "items")
      q.sizer = QueueSettings::Sizer::items;
    else
      r.child("sizer")->fail("unknown sizer '" + sizer + "'; valid: requests, items");
  }
  r.get("block_on_overflow", q.block_on_overflow);
  r.get("blocking", q.block_on_overflow);  // the Collector's older name
  r.get("storage", q.storage);
  r.finish();
  if (q.enabled && q.num_consumers < 1) node.fail("num_consumers must be positive");
  if (q.enabled && q.queue_size < 1) node.fail("queue_size must be positive");
  if (!q.storage.empty())
    r.child("storage")->fail("persistent sending queues (storage) are not supported by otlpd; remove 'storage'");
}

void parse_retry(const ConfigNode& node, RetrySettings& s) {
  MapReader r(node);
  r.get("enabled", s.enabled);
  r.get("initial_interval", s.initial_interval);
  r.get("max_interval", s.max_interval);
  r.get("max_elapsed_time", s.max_elapsed_time);
  r.get("multiplier", s.multiplier);
  r.get("randomization_factor", s.randomization_factor);
  r.finish();
  if (!s.enabled) return;
  if (s.initial_interval <= Duration::zero()) node.fail("initial_interval must be positive");
  if (s.max_interval < s.initial_interval) node.fail("max_interval must not be less than initial_interval");
  if (s.max_elapsed_time < Duration::zero()) node.fail("max_elapsed_time must not be negative");
  if (!(s.multiplier >= 1.0)) node.fail("multiplier must be at least 1");
  if (!(s.randomization_factor >= 0.0 && s.randomization_factor <= 1.0))
    node.fail("randomization_factor must be between 0 and 1");
}

}  // namespace

void parse_exporter_settings(MapReader& r, ExporterSettings& out) {
  if (auto q = r.child("sending_queue")) parse_queue(*q, out.queue);
  if (auto s = r.child("retry_on_failure")) parse_retry(*s, out.retry);
  if (auto t = r.child("timeout"); t && !t->is_null()) {
    out.timeout = t->as<Duration>();
    if (out.timeout <= Duration::zero()) t->fail("timeout must be positive");
  }
}

}  // namespace otlpd::exporter_helper
