// The queued exporter: per signal, a sending queue whose workers deliver with retry and back-off.
#include "exporters/helper/queued_exporter.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "core/telemetry.h"
#include "exporters/helper/retry_policy.h"
#include "exporters/helper/sending_queue.h"

namespace otlpd::exporter_helper {

namespace {

using Clock = std::chrono::steady_clock;

// The exporter's shutdown deadline, shared by every signal, and the wait that it cuts short.
class StopSignal {
 public:
  void begin(Deadline deadline) {
    {
      std::lock_guard lock(mu_);
      if (deadline < deadline_) deadline_ = deadline;
      accepting_ = false;
    }
    cv_.notify_all();
  }
  Deadline deadline() const {
    std::lock_guard lock(mu_);
    return deadline_;
  }
  bool accepting() const {
    std::lock_guard lock(mu_);
    return accepting_;
  }
  // Sleeps for `delay`; returns false (early) when the shutdown deadline comes first.
  bool sleep(Duration delay) {
    auto wake = Clock::now() + std::chrono::duration_cast<Clock::duration>(delay);
    std::unique_lock lock(mu_);
    while (true) {
      auto now = Clock::now();
      if (now >= deadline_) return false;
      if (now >= wake) return true;
      cv_.wait_until(lock, std::min(wake, deadline_));
    }
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Deadline deadline_ = Deadline::max();
  bool accepting_ = true;
};

std::string ms(Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + "ms";
}

// Logs a warning at most once a second (a full queue under load would flood the log otherwise).
class RateLimitedLog {
 public:
  bool allow() {
    auto now = Clock::now().time_since_epoch().count();
    auto last = last_.load(std::memory_order_relaxed);
    if (now - last < std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(1)).count())
      return false;
    return last_.compare_exchange_strong(last, now, std::memory_order_relaxed);
  }

 private:
  std::atomic<Clock::rep> last_{std::numeric_limits<Clock::rep>::min() / 2};
};

// Everything one signal of the exporter needs: its sender, queue, counters.
template <typename B>
class SignalPipe final : public Consumer<B> {
 public:
  SignalPipe(const std::string& id, const ExporterSettings& settings, std::unique_ptr<BatchSender<B>> sender,
             StopSignal& stop)
      : id_(id), settings_(settings), sender_(std::move(sender)), stop_(stop) {
    auto& t = Telemetry::global();
    std::string item(item_name(B::signal));
    Labels labels{{"exporter", id}};
    sent_ = &t.counter("otelcol_exporter_sent_" + item, labels);
    send_failed_ = &t.counter("otelcol_exporter_send_failed_" + item, labels);
    enqueue_failed_ = &t.counter("otelcol_exporter_enqueue_failed_" + item, labels);
    if (settings.queue.enabled) {
      Labels ql{{"exporter", id}, {"data_type", std::string(to_string(B::signal))}};
      auto& capacity = t.gauge("otelcol_exporter_queue_capacity", ql);
      capacity.set(settings.queue.queue_size);
      SendingQueue::Options o;
      o.capacity = static_cast<size_t>(settings.queue.queue_size);
      o.sizer = settings.queue.sizer;
      o.num_consumers = settings.queue.num_consumers;
      o.size_gauge = &t.gauge("otelcol_exporter_queue_size", ql);
      queue_ = std::make_unique<SendingQueue>(o, [this](QueuedRequest& r) {
        auto& q = static_cast<Queued&>(r);
        deliver(q.batch, q.count);
      });
    }
  }

  void start() {
    sender_->start();
    if (queue_) queue_->start();
  }
  void close(Deadline deadline) {
    if (queue_) queue_->close(deadline);
  }
  void cancel() { sender_->cancel(); }
  void join(Deadline deadline) {
    if (queue_) {
      auto left = queue_->join(deadline);
      if (left.items > 0 || left.requests > 0) {
        send_failed_->add(left.items);
        spdlog::error(
            "exporter {}: shutdown deadline reached with {} {} in {} queued requests; dropped {} {}", id_,
            left.items, item_name(B::signal), left.requests, left.items, item_name(B::signal));
      }
    }
    sender_->shutdown();
  }

  // Without a sending queue the batch is sent, with its retries, within consume().
  bool may_block() const override { return !queue_; }

  Status consume(B batch) override {
    size_t items = batch.item_count();
    if (!stop_.accepting()) {
      enqueue_failed_->add(items);
      return Status::retryable("exporter " + id_ + " is shutting down");
    }
    if (!queue_) {
      SendOutcome out = deliver(batch, items);
      if (out.kind == SendOutcome::Kind::ok) return Status::ok();
      if (out.kind == SendOutcome::Kind::permanent) return Status::permanent(out.message);
      return Status::retryable(out.message,
                               std::chrono::duration_cast<std::chrono::milliseconds>(out.retry_after));
    }
    auto q = std::make_unique<Queued>();
    q->batch = std::move(batch);
    q->count = items;
    if (!queue_->offer(std::move(q))) {
      enqueue_failed_->add(items);
      if (full_log_.allow())
        spdlog::warn("exporter {}: sending queue is full ({} of {}); refusing {} {} with a retryable error",
                     id_, queue_->size(), queue_->capacity(), items, item_name(B::signal));
      return Status::retryable("sending queue of exporter " + id_ + " is full");
    }
    return Status::ok();
  }

 private:
  struct Queued final : QueuedRequest {
    B batch;
    size_t count = 0;
    size_t items() const override { return count; }
  };

  void drop(size_t items, const std::string& why) {
    send_failed_->add(items);
    spdlog::error("exporter {}: exporting failed, dropped {} {}: {}", id_, items, item_name(B::signal), why);
  }

  // Sends with retry until success, a permanent error, retries run out or the shutdown deadline passes.
  SendOutcome deliver(const B& batch, size_t items) {
    auto started = Clock::now();
    RetryPolicy policy(settings_.retry);
    while (true) {
      auto now = Clock::now();
      auto stop_at = stop_.deadline();
      if (now >= stop_at) {
        drop(items, "shutdown deadline reached");
        return SendOutcome::retryable("shutdown deadline reached");
      }
      auto attempt_deadline =
          std::min<Deadline>(now + std::chrono::duration_cast<Clock::duration>(settings_.timeout), stop_at);
      SendOutcome out = sender_->send(batch, attempt_deadline);
      if (out.kind == SendOutcome::Kind::ok) {
        auto rejected =
            static_cast<size_t>(std::clamp<int64_t>(out.rejected_items, 0, static_cast<int64_t>(items)));
        sent_->add(items - rejected);
        if (rejected > 0 || !out.partial_message.empty()) {
          send_failed_->add(rejected);
          spdlog::warn("exporter {}: partial success: the backend rejected {} of {} {}: {}", id_, rejected,
                       items, item_name(B::signal), out.partial_message);
        }
        return out;
      }
      if (out.kind == SendOutcome::Kind::permanent) {
        drop(items, "not retryable: " + out.message);
        return out;
      }
      if (!settings_.retry.enabled) {
        drop(items, "retry_on_failure is disabled: " + out.message);
        return out;
      }
      auto delay = policy.next_delay(Clock::now() - started, out.retry_after);
      if (!delay) {
        drop(items, "no more retries left (max_elapsed_time " + ms(settings_.retry.max_elapsed_time) +
                        "): " + out.message);
        return out;
      }
      spdlog::info("exporter {}: exporting {} {} failed, will retry after {}: {}", id_, items,
                   item_name(B::signal), ms(*delay), out.message);
      if (!stop_.sleep(*delay)) {
        drop(items, "shutdown deadline reached while waiting to retry: " + out.message);
        return out;
      }
    }
  }

  std::string id_;
  ExporterSettings settings_;
  std::unique_ptr<BatchSender<B>> sender_;
  StopSignal& stop_;
  std::unique_ptr<SendingQueue> queue_;
  Counter* sent_;
  Counter* send_failed_;
  Counter* enqueue_failed_;
  RateLimitedLog full_log_;
};

class QueuedExporter final : public Exporter {
 public:
  QueuedExporter(std::string id, ExporterSettings settings, Senders senders) : id_(std::move(id)) {
    if (senders.traces)
      traces_ = std::make_unique<SignalPipe<TraceBatch>>(id_, settings, std::move(senders.traces), stop_);
    if (senders.metrics)
      metrics_ = std::make_unique<SignalPipe<MetricBatch>>(id_, settings, std::move(senders.metrics), stop_);
    if (senders.logs)
      logs_ = std::make_unique<SignalPipe<LogBatch>>(id_, settings, std::move(senders.logs), stop_);
  }
  ~QueuedExporter() override {
    if (started_ && !stopped_) shutdown(Clock::now());
  }

  void start(Host&) override {
    started_ = true;
    each([](auto& p) { p.start(); });
  }

  void shutdown(Deadline deadline) override {
    if (stopped_) return;
    stopped_ = true;
    stop_.begin(deadline);
    if (!started_) return;
    // Close every queue first so that all signals drain at once, then wait for them. A watchdog cancels
    // attempts still in flight at the deadline, so that shutdown returns on time.
    each([&](auto& p) { p.close(deadline); });
    std::mutex mu;
    std::condition_variable cv;
    bool joined = false;
    std::thread watchdog([&] {
      std::unique_lock lock(mu);
      if (!cv.wait_until(lock, deadline, [&] { return joined; })) each([](auto& p) { p.cancel(); });
    });
    each([&](auto& p) { p.join(deadline); });
    {
      std::lock_guard lock(mu);
      joined = true;
    }
    cv.notify_one();
    watchdog.join();
  }

  Consumers consumers() override { return {traces_.get(), metrics_.get(), logs_.get()}; }

 private:
  template <typename F>
  void each(F f) {
    if (traces_) f(*traces_);
    if (metrics_) f(*metrics_);
    if (logs_) f(*logs_);
  }

  std::string id_;
  StopSignal stop_;
  std::unique_ptr<SignalPipe<TraceBatch>> traces_;
  std::unique_ptr<SignalPipe<MetricBatch>> metrics_;
  std::unique_ptr<SignalPipe<LogBatch>> logs_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace

ExporterPtr make_queued_exporter(std::string id, ExporterSettings settings, Senders senders) {
  return std::make_unique<QueuedExporter>(std::move(id), std::move(settings), std::move(senders));
}

}  // namespace otlpd::exporter_helper
