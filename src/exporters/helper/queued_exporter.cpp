// The queued exporter: per signal, a sending queue whose workers deliver with retry and back-off.
#include "exporters/helper/queued_exporter.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "core/storage.h"
#include "exporters/helper/retry_policy.h"
#include "exporters/helper/sending_queue.h"
#include "model/batch.h"
#include "model/split.h"
#include "platform/disk_queue.h"
#include "platform/telemetry.h"

namespace otlpd::exporter_helper {

namespace {

using Clock = std::chrono::steady_clock;

// While the backend fails, how often at most one waiting request probes it: the longest its return can go
// unnoticed. A smaller initial_interval probes at that interval.
constexpr Duration kMaxProbeInterval = std::chrono::seconds(1);

// The exporter's shutdown deadline, shared by every signal.
class StopSignal {
 public:
  void begin(Deadline deadline) {
    std::lock_guard lock(mu_);
    if (deadline < deadline_) deadline_ = deadline;
    accepting_ = false;
  }
  Deadline deadline() const {
    std::lock_guard lock(mu_);
    return deadline_;
  }
  bool accepting() const {
    std::lock_guard lock(mu_);
    return accepting_;
  }

 private:
  mutable std::mutex mu_;
  Deadline deadline_ = Deadline::max();
  bool accepting_ = true;
};

// Paces the retries of one signal's queue workers. Every request keeps its own back-off schedule, but a
// worker waiting in back-off also wakes early when
//  - an attempt of another worker succeeded while the backend was failing: it is back, so retry now;
//  - shutdown began: retry now, once, instead of sleeping past the deadline;
//  - a probe is due: while the backend fails, one waiting request is tried every probe interval (never before
//    a server's retry_after), so that its return is noticed within that interval however long the single
//    back-offs have grown, with at most one probe in flight.
class Recovery {
 public:
  explicit Recovery(Duration probe_interval) : probe_interval_(probe_interval) {}

  enum class Wake { scheduled, recovered, shutdown, probe, deadline };

  // Waits until `until`, or less (see above). `epoch` is what report() returned for the caller's failed
  // attempt; `shutdown_retry` says whether the caller may still take its one early retry at shutdown.
  Wake wait(Clock::time_point until, uint64_t epoch, bool shutdown_retry) {
    std::unique_lock lock(mu_);
    while (true) {
      auto now = Clock::now();
      if (now >= deadline_) return Wake::deadline;
      if (recoveries_ != epoch) return Wake::recovered;
      if (stopping_ && shutdown_retry) return Wake::shutdown;
      if (now >= until) return Wake::scheduled;
      auto wake = std::min<Clock::time_point>(until, deadline_);
      if (failing_ && !probing_) {
        if (now >= next_probe_) {
          probing_ = true;
          return Wake::probe;
        }
        wake = std::min(wake, next_probe_);
      }
      cv_.wait_until(lock, wake);
    }
  }

  // Reports an attempt's outcome (`probe`: it was made after Wake::probe); returns the recovery epoch after
  // it.
  uint64_t report(const SendOutcome& out, bool probe) {
    bool recovered = false;
    uint64_t epoch = 0;
    {
      std::lock_guard lock(mu_);
      if (probe) probing_ = false;
      if (out.kind == SendOutcome::Kind::ok) {
        recovered = failing_;
        failing_ = false;
        if (recovered) ++recoveries_;
      } else if (out.kind == SendOutcome::Kind::retryable) {
        failing_ = true;
        next_probe_ = std::max(next_probe_, Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                               std::max<Duration>(probe_interval_, out.retry_after)));
      }
      epoch = recoveries_;
    }
    // A released probe lets another waiting worker take the next one.
    if (recovered || probe) cv_.notify_all();
    return epoch;
  }

  void stop(Deadline deadline) {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      deadline_ = std::min(deadline_, deadline);
    }
    cv_.notify_all();
  }

 private:
  const Duration probe_interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool failing_ = false;  // the last attempt answered retryable
  bool probing_ = false;  // a probe is in flight
  Clock::time_point next_probe_{};
  uint64_t recoveries_ = 0;  // successes that followed a failure
  bool stopping_ = false;
  Deadline deadline_ = Deadline::max();
};

// What batch.serialize().size() would return, without building the bytes: received parts by their bytes,
// decoded ones by the message's encoded size.
template <typename B>
size_t serialized_size(const B& batch) {
  size_t n = 0;
  for (const auto& p : batch.raw_parts()) n += p.wire ? p.wire->size() : p.request ? p.request->ByteSizeLong() : 0;
  return n;
}

std::string ms(Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + "ms";
}

// Logs a warning at most once a second (a full queue under load would flood the log otherwise).
class RateLimitedLog {
 public:
  bool allow() {
    auto now = Clock::now().time_since_epoch().count();
    auto last = last_.load(std::memory_order_relaxed);
    if (now - last < std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(1)).count()) return false;
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
             StopSignal& stop, Consumer<B>* handoff)
      : id_(id),
        settings_(settings),
        sender_(std::move(sender)),
        stop_(stop),
        handoff_(handoff),
        recovery_(std::min<Duration>(settings.retry.initial_interval, kMaxProbeInterval)) {
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
      size_gauge_ = &t.gauge("otelcol_exporter_queue_size", ql);
      if (!settings.queue.storage.empty()) {
        damaged_ = &t.counter("otlpd_exporter_queue_damaged_bytes", ql);
        redelivered_ = &t.counter("otlpd_exporter_queue_redelivered_" + item, labels);
        return;  // the persistent queue is opened at start, when its storage extension is there
      }
      SendingQueue::Options o;
      o.capacity = static_cast<size_t>(settings.queue.queue_size);
      o.sizer = settings.queue.sizer;
      o.num_consumers = settings.queue.num_consumers;
      o.size_gauge = size_gauge_;
      o.batch = settings.queue.batch;
      queue_ = std::make_unique<SendingQueue>(o, [this](std::vector<QueuedRequestPtr>& taken) {
        B batch = std::move(static_cast<Queued&>(*taken.front()).batch);  // its context goes with it
        for (size_t i = 1; i < taken.size(); ++i) batch.append(std::move(static_cast<Queued&>(*taken[i]).batch));
        Fate fate;
        send_batched(std::move(batch), fate);
      });
    }
  }

  void start(Host& host) {
    if (!settings_.queue.storage.empty()) open_disk_queue(host);
    sender_->start(host);
    if (queue_) queue_->start();
    // Workers start with the first data: at once when the last run left some, else on the first write (a
    // signal no pipeline sends keeps no threads).
    if (disk_ && disk_->size().records > 0) start_disk_workers();
  }
  void start_disk_workers() {
    std::call_once(workers_started_, [this] {
      std::lock_guard lock(workers_mu_);
      for (int i = 0; i < settings_.queue.num_consumers; ++i) disk_workers_.emplace_back([this] { disk_work(); });
    });
  }
  void close(Deadline deadline) {
    recovery_.stop(deadline);
    if (queue_) queue_->close(deadline);
    if (disk_) disk_->close();
  }
  void cancel() { sender_->cancel(); }
  void check(const Host& host) const { sender_->check(host); }
  void join(Deadline deadline) {
    if (queue_) {
      std::vector<QueuedRequestPtr> left_over;
      auto left = queue_->join(deadline, handoff_ ? &left_over : nullptr);
      for (auto& r : left_over) {
        auto& q = static_cast<Queued&>(*r);
        hand_off(std::move(q.batch), q.count);
      }
      if (!handoff_ && (left.items > 0 || left.requests > 0)) {
        send_failed_->add(left.items);
        spdlog::error("exporter {}: shutdown deadline reached with {} {} in {} queued requests; dropped {} {}", id_,
                      left.items, item_name(B::signal), left.requests, left.items, item_name(B::signal));
      }
    }
    std::vector<std::thread> workers;
    {
      std::lock_guard lock(workers_mu_);
      workers.swap(disk_workers_);
    }
    for (auto& w : workers) w.join();
    if (handed_ > 0)
      spdlog::info("exporter {}: shutdown deadline reached; {} {} not yet delivered were handed on", id_,
                   handed_.load(), item_name(B::signal));
    if (disk_) {
      auto left = disk_->size();
      if (left.records > 0)
        spdlog::info("exporter {}: {} {} in {} requests stay in the persistent queue {} for the next start", id_,
                     left.items, item_name(B::signal), left.records, disk_->options().directory.string());
      disk_.reset();  // releases the directory's lock
    }
    sender_->shutdown();
  }

  // Without a sending queue the batch is sent, with its retries, within consume(); a persistent queue waits
  // for its write (and fsync).
  bool may_block() const override { return !queue_; }
  // A persistent queue answers once the write (and fsync) is done, from its writer threads.
  bool answers_async() const override { return !settings_.queue.storage.empty() || !may_block(); }

  void consume_async(B batch, typename Consumer<B>::Done done) override {
    if (settings_.queue.storage.empty()) return done(consume(std::move(batch)));
    size_t items = batch.item_count();
    if (!stop_.accepting()) return done(shutting_down(items));
    if (!disk_) return done(not_started(items));
    // The record is written from the batch's received bytes as they are (decoded parts are serialised first); the
    // batch, with its share of the memory budget, lives until the write is answered.
    auto keep = std::make_shared<std::pair<B, std::string>>(std::move(batch), std::string());
    std::vector<std::string_view> pieces;
    for (const auto& part : keep->first.raw_parts()) {
      if (!part.wire) {
        keep->second = keep->first.serialize();
        pieces.assign(1, keep->second);
        break;
      }
      pieces.emplace_back(*part.wire);
    }
    // The answer may come while join() destroys the queue (it waits for its writers): it names the queue itself.
    DiskQueue* q = disk_.get();
    q->push_async(std::move(pieces), keep, static_cast<uint32_t>(std::min<size_t>(items, UINT32_MAX)),
                  [this, q, items, done = std::move(done)](DiskQueue::PushResult r) { done(persisted(*q, r, items)); });
  }

  Status consume(B batch) override {
    size_t items = batch.item_count();
    if (!stop_.accepting()) return shutting_down(items);
    if (!settings_.queue.storage.empty()) return persist(batch, items);
    if (!queue_) {
      Fate fate;
      SendOutcome out = deliver(batch, items, fate);
      if (fate == Fate::handed) return hand_off(std::move(batch), items);
      if (out.kind == SendOutcome::Kind::ok) return Status::ok();
      if (out.kind == SendOutcome::Kind::permanent) return Status::permanent(out.message);
      return Status::retryable(out.message, std::chrono::duration_cast<std::chrono::milliseconds>(out.retry_after));
    }
    auto q = std::make_unique<Queued>();
    if (settings_.queue.sizer == Sizer::bytes ||
        (settings_.queue.batch.enabled && settings_.queue.batch.sizer == Sizer::bytes))
      q->size = serialized_size(batch);
    q->batch = std::move(batch);
    q->count = items;
    if (!queue_->offer(std::move(q))) {
      enqueue_failed_->add(items);
      if (full_log_.allow())
        spdlog::warn("exporter {}: sending queue is full ({} of {}); refusing {} {} with a retryable error", id_,
                     queue_->size(), queue_->capacity(), items, item_name(B::signal));
      return Status::retryable("sending queue of exporter " + id_ + " is full");
    }
    return Status::ok();
  }

 private:
  struct Queued final : QueuedRequest {
    B batch;
    size_t count = 0;
    size_t size = 0;
    size_t items() const override { return count; }
    size_t bytes() const override { return size; }
  };

  // What became of a request: sent (or partly rejected by the backend), dropped (permanent error, retries
  // exhausted), or stopped: the shutdown deadline came first (a persistent queue keeps it for the next start),
  // or handed: the deadline came first and the caller gives it to the handoff consumer.
  enum class Fate { sent, dropped, stopped, handed };

  bool persistent() const { return !settings_.queue.storage.empty(); }

  void open_disk_queue(Host& host) {
    const StorageExtension& storage = find_storage(host, settings_.queue.storage);
    ComponentId cid;
    ComponentId::parse(id_, cid);
    QueueStorage where = storage.queue_storage(cid, B::signal);
    DiskQueueOptions o;
    o.directory = where.directory;
    o.fsync = where.fsync;
    o.lock_timeout = where.lock_timeout;
    o.capacity = static_cast<uint64_t>(settings_.queue.queue_size);
    o.sizer = settings_.queue.sizer == Sizer::items   ? DiskQueueOptions::Sizer::items
              : settings_.queue.sizer == Sizer::bytes ? DiskQueueOptions::Sizer::bytes
                                                      : DiskQueueOptions::Sizer::requests;
    DiskQueue::Recovered r;
    disk_ = DiskQueue::open(o, &r);
    for (const auto& d : r.damage)
      spdlog::error("exporter {}: persistent queue damaged: {}; what came before it is delivered", id_, d);
    damaged_->add(r.damaged_bytes);
    if (r.records > 0)
      spdlog::info(
          "exporter {}: persistent queue {} holds {} {} in {} requests from the last run; {} {} of them were "
          "being sent when it stopped and are sent again (the backend may have them already)",
          id_, o.directory.string(), r.items, item_name(B::signal), r.records, r.redelivered_items,
          item_name(B::signal));
    size_gauge_->set(static_cast<int64_t>(disk_->used()));
  }

  Status shutting_down(size_t items) {
    enqueue_failed_->add(items);
    return Status::retryable("exporter " + id_ + " is shutting down");
  }
  Status not_started(size_t items) {
    enqueue_failed_->add(items);
    return Status::retryable("exporter " + id_ + " is not started", std::chrono::seconds(1));
  }

  // With a persistent queue: acknowledged once the request is written (see file_storage's fsync).
  Status persist(B& batch, size_t items) {
    if (!disk_) return not_started(items);
    std::string bytes = batch.serialize();
    return persisted(*disk_, disk_->push(bytes, static_cast<uint32_t>(std::min<size_t>(items, UINT32_MAX))), items);
  }

  // What a caller hears of a push: ok, or a refusal counted in enqueue_failed.
  Status persisted(const DiskQueue& q, const DiskQueue::PushResult& r, size_t items) {
    size_gauge_->set(static_cast<int64_t>(q.used()));
    switch (r.outcome) {
      case DiskQueue::Outcome::ok:
        start_disk_workers();
        return Status::ok();
      case DiskQueue::Outcome::full:
        enqueue_failed_->add(items);
        if (full_log_.allow())
          spdlog::warn("exporter {}: persistent queue is full ({} of {}); refusing {} {} with a retryable error", id_,
                       q.used(), settings_.queue.queue_size, items, item_name(B::signal));
        return Status::retryable("sending queue of exporter " + id_ + " is full", std::chrono::seconds(1));
      case DiskQueue::Outcome::too_large:
        enqueue_failed_->add(items);
        return Status::permanent("exporter " + id_ + ": " + r.error);
      case DiskQueue::Outcome::failed:
        break;
    }
    enqueue_failed_->add(items);
    if (full_log_.allow())
      spdlog::error("exporter {}: cannot write the persistent queue, refusing {} {} with a retryable error: {}", id_,
                    items, item_name(B::signal), r.error);
    return Status::retryable("exporter " + id_ + " cannot write its persistent queue: " + r.error,
                             std::chrono::seconds(1));
  }

  // A persistent queue's worker: takes records (a batch of them with sending_queue.batch), sends them, and
  // acknowledges them on the disk once sent or dropped; at the shutdown deadline they stay for the next start.
  void disk_work() {
    const auto& b = settings_.queue.batch;
    while (true) {
      auto stop_at = stop_.deadline();
      if (Clock::now() >= stop_at) return;
      auto first = disk_->take(std::min<Deadline>(stop_at, Clock::now() + std::chrono::seconds(1)));
      if (!first) {
        if (!stop_.accepting() && disk_->size().records == 0) return;
        if (!stop_.accepting()) {
          // Closed: what is left is taken by other workers or stays; nothing more will arrive.
          std::optional<DiskQueue::Record> again = disk_->take(Clock::now());
          if (!again) return;
          first = std::move(again);
        } else {
          continue;
        }
      }
      std::vector<DiskQueue::Record> taken;
      taken.push_back(std::move(*first));
      if (b.enabled) {
        auto flush_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(b.flush_timeout);
        uint64_t total = record_cost(taken.back());
        while (total < static_cast<uint64_t>(b.min_size) &&
               (b.max_size == 0 || total < static_cast<uint64_t>(b.max_size))) {
          auto more = disk_->take(std::min<Deadline>(flush_at, stop_.deadline()));
          if (!more) break;
          total += record_cost(*more);
          taken.push_back(std::move(*more));
        }
      }
      B batch;
      for (auto& r : taken) {
        if (r.redelivery) redelivered_->add(r.items);
        batch.append(B::adopt_wire(std::move(r.bytes), r.items));
      }
      Fate fate;
      send_batched(std::move(batch), fate);
      if (fate != Fate::stopped)
        for (auto& r : taken) disk_->ack(r);
      size_gauge_->set(static_cast<int64_t>(disk_->used()));
      auto seen = damaged_seen_.load();
      if (auto d = disk_->damaged_bytes_read(); d > seen && damaged_seen_.compare_exchange_strong(seen, d)) {
        damaged_->add(d - seen);
        spdlog::error("exporter {}: persistent queue: {} damaged bytes skipped while reading", id_, d - seen);
      }
    }
  }

  uint64_t record_cost(const DiskQueue::Record& r) const {
    return settings_.queue.batch.sizer == Sizer::bytes ? r.bytes.size() : r.items;
  }

  // Sends `batch`, split into pieces of at most sending_queue.batch.max_size first. `fate` is the worst of the
  // pieces' (stopped before dropped before sent).
  void send_batched(B batch, Fate& fate) {
    fate = Fate::sent;
    const auto& b = settings_.queue.batch;
    size_t items = batch.item_count();
    size_t limit = 0;
    if (b.enabled && b.max_size > 0) {
      if (b.sizer == Sizer::items) {
        limit = static_cast<size_t>(b.max_size);
      } else {
        size_t bytes = serialized_size(batch);
        if (bytes > static_cast<size_t>(b.max_size) && items > 0)
          limit = std::max<size_t>(1, items * static_cast<size_t>(b.max_size) / bytes);
      }
    }
    if (limit == 0 || items <= limit) {
      deliver(batch, items, fate);
      if (fate == Fate::handed) hand_off(std::move(batch), items);
      return;
    }
    B whole = batch.merged();
    auto& src = whole.first();
    size_t left = items;
    while (left > 0) {
      B piece = B::make();
      size_t moved = move_front(src, limit, piece.first());
      if (moved == 0) break;
      left -= std::min(left, moved);
      Fate f;
      deliver(piece, moved, f);
      if (f == Fate::handed) {
        hand_off(std::move(piece), moved);
        if (left > 0) hand_off(std::move(whole), left);
        fate = Fate::handed;
        return;
      }
      if (f == Fate::stopped) {
        fate = Fate::stopped;
        return;
      }
      if (f == Fate::dropped) fate = Fate::dropped;
    }
  }

  void drop(size_t items, const std::string& why) {
    send_failed_->add(items);
    spdlog::error("exporter {}: exporting failed, dropped {} {}: {}", id_, items, item_name(B::signal), why);
  }

  // At the shutdown deadline, with a handoff consumer: `batch` goes there instead of being dropped.
  Status hand_off(B batch, size_t items) {
    Status st = handoff_->consume(std::move(batch));
    if (st.is_ok())
      handed_ += items;
    else
      drop(items, "shutdown deadline reached and handing on failed: " + st.message());
    return st;
  }

  // Sends with retry until success, a permanent error, retries run out or the shutdown deadline passes.
  // Attempts made early (see Recovery) do not advance the request's back-off schedule.
  SendOutcome deliver(const B& batch, size_t items, Fate& fate) {
    fate = Fate::dropped;
    auto started = Clock::now();
    RetryPolicy policy(settings_.retry);
    std::optional<Clock::time_point> retry_at;  // the next scheduled attempt
    bool probe = false;
    bool shutdown_retry = true;
    while (true) {
      auto now = Clock::now();
      auto stop_at = stop_.deadline();
      if (now >= stop_at) {
        if (persistent()) {
          fate = Fate::stopped;
        } else if (handoff_) {
          fate = Fate::handed;
        } else {
          drop(items, "shutdown deadline reached");
        }
        return SendOutcome::retryable("shutdown deadline reached");
      }
      auto attempt_deadline =
          std::min<Deadline>(now + std::chrono::duration_cast<Clock::duration>(settings_.timeout), stop_at);
      SendOutcome out = sender_->send(batch, attempt_deadline);
      const uint64_t epoch = recovery_.report(out, probe);
      probe = false;
      if (out.kind == SendOutcome::Kind::ok) {
        fate = Fate::sent;
        auto rejected = static_cast<size_t>(std::clamp<int64_t>(out.rejected_items, 0, static_cast<int64_t>(items)));
        sent_->add(items - rejected);
        if (rejected > 0 || !out.partial_message.empty()) {
          send_failed_->add(rejected);
          spdlog::warn("exporter {}: partial success: the backend rejected {} of {} {}: {}", id_, rejected, items,
                       item_name(B::signal), out.partial_message);
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
      now = Clock::now();
      if (!retry_at || now >= *retry_at) {
        auto delay = policy.next_delay(now - started, out.retry_after);
        if (!delay) {
          drop(items,
               "no more retries left (max_elapsed_time " + ms(settings_.retry.max_elapsed_time) + "): " + out.message);
          return out;
        }
        retry_at = now + std::chrono::duration_cast<Clock::duration>(*delay);
        spdlog::info("exporter {}: exporting {} {} failed, will retry after {}: {}", id_, items, item_name(B::signal),
                     ms(*delay), out.message);
      } else {
        // An early attempt failed: keep the schedule, but not before the server's retry_after.
        retry_at = std::max(*retry_at, now + std::chrono::duration_cast<Clock::duration>(out.retry_after));
        auto max_elapsed = settings_.retry.max_elapsed_time;
        if (max_elapsed > Duration::zero() && *retry_at - started > max_elapsed) {
          drop(items, "no more retries left (max_elapsed_time " + ms(max_elapsed) + "): " + out.message);
          return out;
        }
      }
      switch (recovery_.wait(*retry_at, epoch, shutdown_retry)) {
        case Recovery::Wake::deadline:
          if (persistent())
            fate = Fate::stopped;
          else if (handoff_)
            fate = Fate::handed;
          else
            drop(items, "shutdown deadline reached while waiting to retry: " + out.message);
          return out;
        case Recovery::Wake::shutdown:
          shutdown_retry = false;
          break;
        case Recovery::Wake::probe:
          probe = true;
          break;
        case Recovery::Wake::scheduled:
        case Recovery::Wake::recovered:
          break;
      }
    }
  }

  std::string id_;
  ExporterSettings settings_;
  std::unique_ptr<BatchSender<B>> sender_;
  StopSignal& stop_;
  Consumer<B>* handoff_;             // see make_queued_exporter; null: drop at the deadline
  std::atomic<uint64_t> handed_{0};  // items given to handoff_
  Recovery recovery_;
  std::unique_ptr<SendingQueue> queue_;
  std::unique_ptr<DiskQueue> disk_;
  std::vector<std::thread> disk_workers_;
  std::mutex workers_mu_;
  std::once_flag workers_started_;
  Gauge* size_gauge_ = nullptr;
  Counter* damaged_ = nullptr;
  Counter* redelivered_ = nullptr;
  std::atomic<uint64_t> damaged_seen_{0};  // of disk_->damaged_bytes_read(), already counted
  Counter* sent_;
  Counter* send_failed_;
  Counter* enqueue_failed_;
  RateLimitedLog full_log_;
};

class QueuedExporter final : public Exporter {
 public:
  QueuedExporter(std::string id, ExporterSettings settings, Senders senders, Consumers handoff)
      : id_(std::move(id)), storage_(settings.queue.enabled ? settings.queue.storage : std::string()) {
    if (senders.traces)
      traces_ =
          std::make_unique<SignalPipe<TraceBatch>>(id_, settings, std::move(senders.traces), stop_, handoff.traces);
    if (senders.metrics)
      metrics_ =
          std::make_unique<SignalPipe<MetricBatch>>(id_, settings, std::move(senders.metrics), stop_, handoff.metrics);
    if (senders.logs)
      logs_ = std::make_unique<SignalPipe<LogBatch>>(id_, settings, std::move(senders.logs), stop_, handoff.logs);
  }
  ~QueuedExporter() override {
    if (started_ && !stopped_) shutdown(Clock::now());
  }

  void start(Host& host) override {
    started_ = true;
    each([&](auto& p) { p.start(host); });
  }

  void check(const Host& host) const override {
    if (!storage_.empty()) find_storage(host, storage_);
    if (traces_) traces_->check(host);
    if (metrics_) metrics_->check(host);
    if (logs_) logs_->check(host);
  }

  std::string queue_storage() const override { return storage_; }

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
  std::string storage_;
  StopSignal stop_;
  std::unique_ptr<SignalPipe<TraceBatch>> traces_;
  std::unique_ptr<SignalPipe<MetricBatch>> metrics_;
  std::unique_ptr<SignalPipe<LogBatch>> logs_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace

ExporterPtr make_queued_exporter(std::string id, ExporterSettings settings, Senders senders, Consumers handoff) {
  return std::make_unique<QueuedExporter>(std::move(id), std::move(settings), std::move(senders), handoff);
}

}  // namespace otlpd::exporter_helper
