// Components registered only in the test binary: a receiver tests can push through, a processor that tags
// what passes, an exporter that captures or refuses — all recording their lifecycle in one event log.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "model/consumer.h"

namespace otlpd::test {

// "start receiver r1", "shutdown exporter e/x", ... in call order, process-wide.
class EventLog {
 public:
  static EventLog& instance();
  void add(std::string e);
  std::vector<std::string> events();
  void clear();

 private:
  std::mutex mu_;
  std::vector<std::string> events_;
};

// The consumers a `test_receiver` instance was created with, by receiver id.
Consumers test_receiver_consumers(const std::string& id);

// What a `capture` exporter instance received, by exporter id.
struct Captured {
  std::vector<TraceBatch> traces;
  std::vector<MetricBatch> metrics;
  std::vector<LogBatch> logs;
};
// Runs `f(Captured&)` under the capture's lock.
template <typename F>
void with_captured(const std::string& exporter_id, F&& f);
void clear_captured();

// Implementation detail of with_captured.
std::mutex& captured_mutex();
Captured& captured(const std::string& exporter_id);

template <typename F>
void with_captured(const std::string& exporter_id, F&& f) {
  std::lock_guard lock(captured_mutex());
  f(captured(exporter_id));
}

}  // namespace otlpd::test
