// The sending queue: a mutex-guarded deque, workers that sleep on a condition variable. Workers are started on
// demand, up to num_consumers: one whenever more requests wait than workers are idle. An exporter at a low rate
// thus keeps one or two threads, not num_consumers, and an unused signal's queue none.
#include "exporters/helper/sending_queue.h"

namespace otlpd::exporter_helper {

SendingQueue::SendingQueue(Options options, Handler handler) : options_(options), handler_(std::move(handler)) {
  if (options_.num_consumers < 1) options_.num_consumers = 1;
  if (options_.size_gauge) options_.size_gauge->set(0);
}

SendingQueue::~SendingQueue() { join(std::chrono::steady_clock::now()); }

void SendingQueue::start() {
  std::lock_guard lock(mu_);
  if (started_ || closed_) return;
  started_ = true;
  while (queue_.size() > idle_ + starting_ && static_cast<int>(workers_.size()) < options_.num_consumers) add_worker();
}

void SendingQueue::add_worker() {
  ++starting_;
  workers_.emplace_back([this] { work(); });
}

size_t SendingQueue::cost(const QueuedRequest& r) const {
  return options_.sizer == Sizer::items ? r.items() : options_.sizer == Sizer::bytes ? r.bytes() : 1;
}

bool SendingQueue::offer(QueuedRequestPtr request) {
  size_t c = cost(*request);
  {
    std::lock_guard lock(mu_);
    if (closed_ || used_ + c > options_.capacity) return false;
    used_ += c;
    queue_.push_back(std::move(request));
    if (options_.size_gauge) options_.size_gauge->set(static_cast<int64_t>(used_));
    if (started_ && queue_.size() > idle_ + starting_ && static_cast<int>(workers_.size()) < options_.num_consumers) {
      add_worker();
      return true;
    }
  }
  cv_.notify_one();
  return true;
}

void SendingQueue::close(Deadline deadline) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    drain_deadline_ = deadline;
  }
  cv_.notify_all();
}

SendingQueue::Remaining SendingQueue::join(Deadline deadline, std::vector<QueuedRequestPtr>* left_over) {
  close(deadline);
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
  Remaining left;
  std::lock_guard lock(mu_);
  for (auto& r : queue_) {
    ++left.requests;
    left.items += r->items();
    if (left_over) left_over->push_back(std::move(r));
  }
  queue_.clear();
  used_ = 0;
  if (options_.size_gauge) options_.size_gauge->set(0);
  return left;
}

size_t SendingQueue::size() const {
  std::lock_guard lock(mu_);
  return used_;
}

size_t SendingQueue::batch_cost(const QueuedRequest& r) const {
  return options_.batch.sizer == Sizer::bytes ? r.bytes() : r.items();
}

void SendingQueue::take_batch(std::unique_lock<std::mutex>& lock, std::vector<QueuedRequestPtr>& taken) {
  const auto& b = options_.batch;
  auto flush_at = std::chrono::steady_clock::now() + std::chrono::duration_cast<Deadline::duration>(b.flush_timeout);
  size_t total = 0;
  while (true) {
    if (!queue_.empty()) {
      size_t c = batch_cost(*queue_.front());
      // A batch never passes max_size by taking another request (a first one larger than it is split later).
      if (!taken.empty() && b.max_size > 0 && total + c > static_cast<size_t>(b.max_size)) return;
      used_ -= cost(*queue_.front());
      taken.push_back(std::move(queue_.front()));
      queue_.pop_front();
      total += c;
      if (options_.size_gauge) options_.size_gauge->set(static_cast<int64_t>(used_));
      if (!b.enabled || total >= static_cast<size_t>(b.min_size)) return;
      continue;
    }
    // Waiting for more: until the flush timeout, or at shutdown not at all.
    if (closed_) return;
    ++idle_;
    bool more = cv_.wait_until(lock, flush_at, [&] { return closed_ || !queue_.empty(); });
    --idle_;
    if (!more) return;
  }
}

void SendingQueue::work() {
  std::unique_lock lock(mu_);
  --starting_;
  while (true) {
    // Wakes on a new request or on close; past the drain deadline what is left stays for join() to count.
    ++idle_;
    cv_.wait(lock, [&] { return closed_ || !queue_.empty(); });
    --idle_;
    if (closed_ && (queue_.empty() || std::chrono::steady_clock::now() >= drain_deadline_)) return;
    if (queue_.empty()) continue;
    std::vector<QueuedRequestPtr> taken;
    take_batch(lock, taken);
    lock.unlock();
    handler_(taken);
    taken.clear();
    lock.lock();
  }
}

}  // namespace otlpd::exporter_helper
