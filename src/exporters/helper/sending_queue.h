// A bounded in-memory queue of export requests drained by up to num_consumers worker threads, started on demand.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "exporters/helper/queued_exporter.h"
#include "exporters/helper/settings.h"
#include "platform/telemetry.h"

namespace otlpd::exporter_helper {

// What the queue holds: any request that knows how many items (spans, points, records) it carries.
class QueuedRequest {
 public:
  virtual ~QueuedRequest() = default;
  virtual size_t items() const = 0;
  virtual size_t bytes() const { return 0; }  // serialised size, for a batch sized in bytes
};
using QueuedRequestPtr = std::unique_ptr<QueuedRequest>;

class SendingQueue {
 public:
  struct Options {
    size_t capacity = 1000;  // in `sizer` units
    Sizer sizer = Sizer::requests;
    int num_consumers = 10;
    Gauge* size_gauge = nullptr;  // kept at size(), when given
    // sending_queue.batch: a worker takes requests until min_size (in batch_sizer units) is reached, max_size
    // would be passed, or flush_timeout has gone by since the first. Disabled: one request at a time.
    QueueBatchSettings batch;
  };
  // Called on a worker thread with the requests taken from the queue together (one without batching).
  using Handler = std::function<void(std::vector<QueuedRequestPtr>&)>;

  struct Remaining {
    size_t requests = 0;
    size_t items = 0;
  };

  SendingQueue(Options options, Handler handler);
  ~SendingQueue();  // closes and joins without draining
  SendingQueue(const SendingQueue&) = delete;
  SendingQueue& operator=(const SendingQueue&) = delete;

  // Lets workers run; they are started as requests arrive.
  void start();
  // Takes the request unless the queue is closed or it does not fit; on false the caller keeps nothing.
  bool offer(QueuedRequestPtr request);
  // Stops accepting; workers go on draining until the queue is empty or `deadline` has passed.
  void close(Deadline deadline);
  // Closes (if not yet), waits for the workers, and discards what is still queued, returning how much; with
  // `left`, what is still queued is moved there instead of discarded.
  Remaining join(Deadline deadline, std::vector<QueuedRequestPtr>* left = nullptr);

  size_t size() const;  // in `sizer` units
  size_t capacity() const { return options_.capacity; }

 private:
  size_t cost(const QueuedRequest& r) const;
  size_t batch_cost(const QueuedRequest& r) const;
  void take_batch(std::unique_lock<std::mutex>& lock, std::vector<QueuedRequestPtr>& taken);
  void add_worker();  // under mu_
  void work();

  Options options_;
  Handler handler_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<QueuedRequestPtr> queue_;
  size_t used_ = 0;
  bool closed_ = false;
  bool started_ = false;
  size_t idle_ = 0;      // workers waiting for a request
  size_t starting_ = 0;  // workers started that have not yet looked at the queue
  Deadline drain_deadline_ = Deadline::max();
  std::vector<std::thread> workers_;
};

}  // namespace otlpd::exporter_helper
