// The shared delivery path: back-off schedule, sending queue, retry, shutdown.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "core/storage.h"
#include "exporters/helper/queued_exporter.h"
#include "exporters/helper/retry_policy.h"
#include "platform/telemetry.h"
#include "support/daemon.h"
#include "support/otlp_client.h"

using namespace otlpd;
using namespace otlpd::exporter_helper;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

class NullHost final : public Host {
 public:
  Extension* extension(const ComponentId&) const override { return nullptr; }
};

TraceBatch spans(int n, uint64_t seed = 1) {
  auto b = TraceBatch::make();
  b.first().CopyFrom(test::full_traces(n, seed));
  return b;
}

// A sender whose answers a test scripts; it can hold every call until released.
class ScriptedSender final : public BatchSender<TraceBatch> {
 public:
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    bool hold = false;
    std::vector<SendOutcome> script;  // answers in order; ok once exhausted
    std::vector<Clock::time_point> calls;
    std::set<std::thread::id> threads;  // the workers that called send()
    size_t items_ok = 0;
    std::vector<size_t> sent_sizes;  // items of each successful call
    bool cancelled = false;
  };
  explicit ScriptedSender(std::shared_ptr<Shared> s) : s_(std::move(s)) {}

  SendOutcome send(const TraceBatch& b, Deadline) override {
    std::unique_lock lock(s_->mu);
    s_->calls.push_back(Clock::now());
    s_->threads.insert(std::this_thread::get_id());
    s_->cv.notify_all();
    s_->cv.wait(lock, [&] { return !s_->hold || s_->cancelled; });
    if (s_->cancelled) return SendOutcome::retryable("cancelled");
    SendOutcome out = SendOutcome::ok();
    if (!s_->script.empty()) {
      out = s_->script.front();
      s_->script.erase(s_->script.begin());
    }
    if (out.kind == SendOutcome::Kind::ok) {
      s_->items_ok += b.item_count();
      s_->sent_sizes.push_back(b.item_count());
    }
    return out;
  }

  void cancel() override {
    std::lock_guard lock(s_->mu);
    s_->cancelled = true;
    s_->cv.notify_all();
  }

 private:
  std::shared_ptr<Shared> s_;
};

struct Harness {
  explicit Harness(std::string id, ExporterSettings settings, Host* with_host = nullptr) : id_(std::move(id)) {
    shared = std::make_shared<ScriptedSender::Shared>();
    Senders senders;
    senders.traces = std::make_unique<ScriptedSender>(shared);
    exporter = make_queued_exporter(id_, settings, std::move(senders));
    exporter->start(with_host ? *with_host : host);
  }
  ~Harness() {
    release();
    exporter->shutdown(Clock::now() + 5s);
  }
  Status consume(int n, uint64_t seed = 1) { return exporter->consumers().traces->consume(spans(n, seed)); }
  void hold() {
    std::lock_guard lock(shared->mu);
    shared->hold = true;
  }
  void release() {
    {
      std::lock_guard lock(shared->mu);
      shared->hold = false;
    }
    shared->cv.notify_all();
  }
  // The next `n` attempts answer retryable.
  void fail_next(int n, std::chrono::milliseconds retry_after = {}) {
    std::lock_guard lock(shared->mu);
    for (int i = 0; i < n; ++i) shared->script.push_back(SendOutcome::retryable("down", retry_after));
  }
  size_t calls() {
    std::lock_guard lock(shared->mu);
    return shared->calls.size();
  }
  size_t threads() {
    std::lock_guard lock(shared->mu);
    return shared->threads.size();
  }
  size_t items_ok() {
    std::lock_guard lock(shared->mu);
    return shared->items_ok;
  }
  std::vector<size_t> sent_sizes() {
    std::lock_guard lock(shared->mu);
    return shared->sent_sizes;
  }
  uint64_t counter(const std::string& name) { return Telemetry::global().counter_value(name, {{"exporter", id_}}); }

  std::string id_;
  NullHost host;
  std::shared_ptr<ScriptedSender::Shared> shared;
  ExporterPtr exporter;
};

ExporterSettings fast_settings() {
  ExporterSettings s;
  s.queue.num_consumers = 1;
  s.queue.queue_size = 10;
  s.retry.initial_interval = 10ms;
  s.retry.max_interval = 50ms;
  s.retry.max_elapsed_time = 10s;
  s.timeout = 1s;
  return s;
}

// Back-offs (10-30 s) far longer than the tests wait, retried for ever: only an early wake-up retries in
// time.
ExporterSettings long_backoff(int num_consumers) {
  auto s = fast_settings();
  s.queue.num_consumers = num_consumers;
  s.retry.initial_interval = 20s;
  s.retry.max_interval = 30s;
  s.retry.max_elapsed_time = 0s;
  return s;
}

}  // namespace

TEST_CASE("back-off grows by the multiplier within the randomisation bounds up to max_interval", "[exporters]") {
  RetrySettings s;  // the Collector's defaults: 5s, x1.5, +-50%, max 30s, give up after 300s
  RetryPolicy p(s, 42);
  double interval = 5.0;
  Duration elapsed{};
  int waits = 0;
  while (auto d = p.next_delay(elapsed)) {
    double secs = std::chrono::duration<double>(*d).count();
    CHECK(secs >= interval * 0.5 - 1e-6);
    CHECK(secs <= interval * 1.5 + 1e-6);
    interval = std::min(interval * 1.5, 30.0);
    elapsed += *d;
    ++waits;
    REQUIRE(waits < 100);
  }
  // Given up only because the next wait would pass max_elapsed_time.
  CHECK(elapsed <= 300s);
  CHECK(elapsed > 300s - 45s);
  CHECK(p.current_interval() == 30s);
}

TEST_CASE("back-off without randomisation is exactly exponential and capped", "[exporters]") {
  RetrySettings s;
  s.initial_interval = 1s;
  s.max_interval = 4s;
  s.multiplier = 2;
  s.randomization_factor = 0;
  s.max_elapsed_time = 0s;  // for ever
  RetryPolicy p(s);
  std::vector<Duration> got;
  for (int i = 0; i < 5; ++i) got.push_back(*p.next_delay(1000h));
  CHECK(got == std::vector<Duration>{1s, 2s, 4s, 4s, 4s});
  // A server's hint raises the wait; max_elapsed_time still applies to it.
  CHECK(*p.next_delay(0s, 20s) == 20s);
  s.max_elapsed_time = 10s;
  RetryPolicy q(s);
  CHECK_FALSE(q.next_delay(0s, 20s));
  CHECK(*q.next_delay(8s) == 2s);  // 2s: the interval grew after the refused wait
  CHECK_FALSE(q.next_delay(9s));
}

TEST_CASE("a full queue answers retryable and counts enqueue_failed", "[exporters]") {
  auto s = fast_settings();
  s.queue.queue_size = 2;
  Harness h("test/queue_full", s);
  h.hold();
  REQUIRE(h.consume(3).is_ok());
  REQUIRE(test::wait_until([&] { return h.calls() == 1; }, 5s));  // the worker holds the first request
  CHECK(h.consume(3).is_ok());
  CHECK(h.consume(3).is_ok());
  CHECK(Telemetry::global().gauge_value("otelcol_exporter_queue_size",
                                        {{"exporter", "test/queue_full"}, {"data_type", "traces"}}) == 2);
  auto st = h.consume(7);
  CHECK(st.is_retryable());
  CHECK(h.counter("otelcol_exporter_enqueue_failed_spans") == 7);
  h.release();
  REQUIRE(test::wait_until([&] { return h.counter("otelcol_exporter_sent_spans") == 9; }, 5s));
  CHECK(h.items_ok() == 9);
}

TEST_CASE("queue workers start on demand, up to num_consumers", "[exporters]") {
  auto s = fast_settings();
  s.queue.num_consumers = 4;
  s.queue.queue_size = 100;
  Harness h("test/elastic", s);
  // One request at a time: one worker serves them all.
  for (int i = 1; i <= 5; ++i) {
    REQUIRE(h.consume(1).is_ok());
    REQUIRE(test::wait_until([&] { return h.items_ok() == static_cast<size_t>(i); }, 5s));
  }
  CHECK(h.threads() == 1);
  // Requests that wait bring more workers, never more than num_consumers.
  h.hold();
  for (int i = 0; i < 10; ++i) REQUIRE(h.consume(1).is_ok());
  REQUIRE(test::wait_until([&] { return h.calls() == 5 + 4; }, 5s));
  CHECK(h.threads() == 4);
  h.release();
  REQUIRE(test::wait_until([&] { return h.items_ok() == 15; }, 5s));
  CHECK(h.threads() == 4);
}

TEST_CASE("the items sizer bounds the queue by spans", "[exporters]") {
  auto s = fast_settings();
  s.queue.queue_size = 10;
  s.queue.sizer = QueueSettings::Sizer::items;
  Harness h("test/items", s);
  h.hold();
  REQUIRE(h.consume(1).is_ok());
  REQUIRE(test::wait_until([&] { return h.calls() == 1; }, 5s));
  CHECK(h.consume(6).is_ok());
  CHECK(h.consume(6).is_retryable());
  CHECK(h.consume(4).is_ok());
  CHECK(h.consume(1).is_retryable());
  CHECK(h.counter("otelcol_exporter_enqueue_failed_spans") == 7);
}

TEST_CASE("shutdown drains the queue before the deadline", "[exporters]") {
  auto s = fast_settings();
  s.queue.queue_size = 100;
  s.queue.num_consumers = 2;
  Harness h("test/drain", s);
  h.hold();
  for (int i = 0; i < 20; ++i) REQUIRE(h.consume(5, i).is_ok());
  h.release();
  h.exporter->shutdown(Clock::now() + 10s);
  CHECK(h.items_ok() == 100);
  CHECK(h.counter("otelcol_exporter_sent_spans") == 100);
  // After shutdown nothing is accepted.
  CHECK(h.consume(1).is_retryable());
}

TEST_CASE("at the shutdown deadline retries stop and what remains is counted as dropped", "[exporters]") {
  auto s = fast_settings();
  s.retry.initial_interval = 1s;  // workers sleep in back-off when shutdown comes
  s.retry.max_interval = 1s;
  s.queue.queue_size = 100;
  Harness h("test/deadline", s);
  {
    std::lock_guard lock(h.shared->mu);
    for (int i = 0; i < 1000; ++i) h.shared->script.push_back(SendOutcome::retryable("down"));
  }
  for (int i = 0; i < 4; ++i) REQUIRE(h.consume(5, i).is_ok());
  REQUIRE(test::wait_until([&] { return h.calls() >= 1; }, 5s));
  auto t0 = Clock::now();
  h.exporter->shutdown(t0 + 200ms);
  auto took = Clock::now() - t0;
  CHECK(took < 800ms);  // the back-off sleep was cut short
  CHECK(h.counter("otelcol_exporter_send_failed_spans") == 20);
  CHECK(h.counter("otelcol_exporter_sent_spans") == 0);
}

TEST_CASE("a permanent error is not retried", "[exporters]") {
  Harness h("test/permanent", fast_settings());
  {
    std::lock_guard lock(h.shared->mu);
    h.shared->script.push_back(SendOutcome::permanent("HTTP 400"));
  }
  REQUIRE(h.consume(4).is_ok());
  REQUIRE(test::wait_until([&] { return h.counter("otelcol_exporter_send_failed_spans") == 4; }, 5s));
  REQUIRE(h.consume(2, 2).is_ok());  // FIFO with one worker: once this is sent, a retry would have come first
  REQUIRE(test::wait_until([&] { return h.counter("otelcol_exporter_sent_spans") == 2; }, 5s));
  CHECK(h.calls() == 2);
}

TEST_CASE("retryable errors are retried and the server's retry_after is honoured", "[exporters]") {
  Harness h("test/retry_after", fast_settings());
  {
    std::lock_guard lock(h.shared->mu);
    h.shared->script.push_back(SendOutcome::retryable("slow down", 300ms));
    h.shared->script.push_back(SendOutcome::retryable("again"));
  }
  REQUIRE(h.consume(3).is_ok());
  REQUIRE(test::wait_until([&] { return h.counter("otelcol_exporter_sent_spans") == 3; }, 5s));
  std::lock_guard lock(h.shared->mu);
  REQUIRE(h.shared->calls.size() == 3);
  CHECK(h.shared->calls[1] - h.shared->calls[0] >= 300ms);
  CHECK(h.shared->calls[2] - h.shared->calls[1] < 300ms);  // initial_interval 10ms +-50%
}

TEST_CASE("retries end after max_elapsed_time and the data is counted as failed", "[exporters]") {
  auto s = fast_settings();
  s.retry.max_elapsed_time = 100ms;
  Harness h("test/elapsed", s);
  {
    std::lock_guard lock(h.shared->mu);
    for (int i = 0; i < 1000; ++i) h.shared->script.push_back(SendOutcome::retryable("down"));
  }
  REQUIRE(h.consume(3).is_ok());
  REQUIRE(test::wait_until([&] { return h.counter("otelcol_exporter_send_failed_spans") == 3; }, 5s));
  CHECK(h.calls() >= 3);
  CHECK(h.calls() < 30);
}

TEST_CASE("without a queue consume() sends on the caller's thread and reports the outcome", "[exporters]") {
  auto s = fast_settings();
  s.queue.enabled = false;
  s.retry.enabled = false;
  Harness h("test/noqueue", s);
  {
    std::lock_guard lock(h.shared->mu);
    h.shared->script.push_back(SendOutcome::permanent("bad"));
    h.shared->script.push_back(SendOutcome::retryable("down"));
  }
  CHECK(h.consume(1).is_permanent());
  CHECK(h.consume(1).is_retryable());
  CHECK(h.consume(1).is_ok());
  CHECK(h.calls() == 3);
}

TEST_CASE("an attempt still in flight at the shutdown deadline is cancelled so that shutdown returns on time",
          "[exporters]") {
  Harness h("test/cancel", fast_settings());
  h.hold();  // the backend never answers
  REQUIRE(h.consume(6).is_ok());
  REQUIRE(h.consume(4, 2).is_ok());
  REQUIRE(test::wait_until([&] { return h.calls() == 1; }, 5s));
  auto t0 = Clock::now();
  h.exporter->shutdown(t0 + 200ms);
  CHECK(Clock::now() - t0 < 1s);
  CHECK(h.counter("otelcol_exporter_send_failed_spans") == 10);
}

TEST_CASE("shutdown retries a request waiting in back-off at once and returns as soon as the queue is empty",
          "[exporters]") {
  Harness h("test/shutdown_retry", long_backoff(2));  // back-offs longer than the shutdown deadline
  h.fail_next(2);
  REQUIRE(h.consume(3, 1).is_ok());
  REQUIRE(h.consume(4, 2).is_ok());
  REQUIRE(h.consume(5, 3).is_ok());  // queued behind the two in back-off
  REQUIRE(test::wait_until([&] { return h.calls() == 2; }, 5s));
  auto t0 = Clock::now();
  h.exporter->shutdown(t0 + 10s);
  CHECK(Clock::now() - t0 < 2s);
  CHECK(h.items_ok() == 12);
  CHECK(h.counter("otelcol_exporter_sent_spans") == 12);
  CHECK(h.counter("otelcol_exporter_send_failed_spans") == 0);
}

TEST_CASE("one success wakes every worker waiting in back-off", "[exporters]") {
  Harness h("test/wake", long_backoff(5));
  h.fail_next(4);
  for (int i = 0; i < 4; ++i) REQUIRE(h.consume(2, i).is_ok());
  REQUIRE(test::wait_until([&] { return h.calls() == 4; }, 5s));
  // A request arriving now, taken by a fifth worker, succeeds; the four in their 10-30 s back-off follow it.
  auto t0 = Clock::now();
  REQUIRE(h.consume(1, 9).is_ok());
  REQUIRE(test::wait_until([&] { return h.items_ok() == 9; }, 10s));
  CHECK(Clock::now() - t0 < 5s);
  CHECK(h.calls() == 9);
}

TEST_CASE("while the backend fails, one waiting request probes it about once a second", "[exporters]") {
  Harness h("test/probe", long_backoff(5));
  h.fail_next(11);
  for (int i = 0; i < 5; ++i) REQUIRE(h.consume(2, i).is_ok());
  REQUIRE(test::wait_until([&] { return h.calls() == 5; }, 5s));
  // Six probes fail, one at a time, about a second apart; the seventh delivers, and wakes the rest.
  auto t0 = Clock::now();
  REQUIRE(test::wait_until([&] { return h.items_ok() == 10; }, 30s));
  auto took = Clock::now() - t0;
  CHECK(took > 5s);
  CHECK(took < 15s);
  CHECK(h.calls() == 16);
  std::lock_guard lock(h.shared->mu);
  for (size_t i = 6; i < 12; ++i) CHECK(h.shared->calls[i] - h.shared->calls[i - 1] > 800ms);
}

TEST_CASE("probes wait for the server's retry_after", "[exporters]") {
  Harness h("test/probe_retry_after", long_backoff(1));
  h.fail_next(1, 3s);
  REQUIRE(h.consume(2).is_ok());
  REQUIRE(test::wait_until([&] { return h.items_ok() == 2; }, 10s));
  std::lock_guard lock(h.shared->mu);
  REQUIRE(h.shared->calls.size() == 2);
  CHECK(h.shared->calls[1] - h.shared->calls[0] >= 3s);
  CHECK(h.shared->calls[1] - h.shared->calls[0] < 5s);
}

TEST_CASE("sending_queue.batch merges queued requests up to min_size and splits above max_size", "[exporters]") {
  auto s = fast_settings();
  s.queue.queue_size = 100;
  s.queue.batch.enabled = true;
  s.queue.batch.min_size = 10;
  s.queue.batch.max_size = 12;
  s.queue.batch.flush_timeout = 300ms;
  Harness h("otlp/qbatch", s);
  h.hold();  // the first request is taken alone while the rest queue behind it
  REQUIRE(h.consume(3, 1).is_ok());
  REQUIRE(test::wait_until([&] { return h.calls() == 1; }));
  for (int i = 0; i < 4; ++i) REQUIRE(h.consume(3, 10 + i).is_ok());  // 12 items: one batch of four
  REQUIRE(h.consume(30, 20).is_ok());                                 // alone above max_size: split 12, 12, 6
  h.release();
  REQUIRE(test::wait_until([&] { return h.items_ok() == 3 + 12 + 30; }));
  auto sizes = h.sent_sizes();
  CHECK(sizes == std::vector<size_t>{3, 12, 12, 12, 6});
}

TEST_CASE("sending_queue.batch sends what it has after flush_timeout", "[exporters]") {
  auto s = fast_settings();
  s.queue.batch.enabled = true;
  s.queue.batch.min_size = 1000;
  s.queue.batch.flush_timeout = 100ms;
  Harness h("otlp/qflush", s);
  auto before = Clock::now();
  REQUIRE(h.consume(2).is_ok());
  REQUIRE(h.consume(3, 2).is_ok());
  REQUIRE(test::wait_until([&] { return h.items_ok() == 5; }));
  CHECK(Clock::now() - before >= 100ms);
  CHECK(h.sent_sizes() == std::vector<size_t>{5});
}

namespace {

// The interface a storage extension offers, over a test's own directory.
class DirStorage final : public StorageExtension {
 public:
  explicit DirStorage(std::filesystem::path dir) : dir_(std::move(dir)) {}
  QueueStorage queue_storage(const ComponentId& exporter, Signal signal) const override {
    QueueStorage q;
    q.directory = dir_ / (exporter.str() + "-" + std::string(to_string(signal)));
    q.lock_timeout = 100ms;
    return q;
  }

 private:
  std::filesystem::path dir_;
};

class StorageHost final : public Host {
 public:
  explicit StorageHost(std::filesystem::path dir) : storage(std::move(dir)) {}
  Extension* extension(const ComponentId& id) const override {
    return id.str() == "file_storage/test" ? const_cast<DirStorage*>(&storage) : nullptr;
  }
  DirStorage storage;
};

ExporterSettings persistent_settings() {
  auto s = fast_settings();
  s.queue.storage = "file_storage/test";
  s.queue.queue_size = 100;
  s.queue.num_consumers = 2;
  s.retry.max_elapsed_time = 0s;  // retried until it is sent or otlpd stops
  return s;
}

}  // namespace

TEST_CASE("a persistent queue keeps what was not sent at shutdown, and the next start sends it once", "[exporters]") {
  test::TempDir dir;
  StorageHost host(dir.path());
  const std::string id = "otlp/persist";
  auto failed = [&] {
    return Telemetry::global().counter_value("otelcol_exporter_send_failed_spans", {{"exporter", id}});
  };
  uint64_t failed_before = failed();
  {
    Harness h(id, persistent_settings(), &host);
    CHECK(h.exporter->consumers().traces->may_block());  // it waits for the write
    h.fail_next(1000);                                   // the backend is down
    for (int i = 0; i < 5; ++i) REQUIRE(h.consume(4, static_cast<uint64_t>(i)).is_ok());
    REQUIRE(test::wait_until([&] { return h.calls() >= 2; }));
    h.exporter->shutdown(Clock::now() + 200ms);
    CHECK(h.items_ok() == 0);
  }
  CHECK(failed() == failed_before);  // kept on disk, not dropped
  uint64_t redelivered =
      Telemetry::global().counter_value("otlpd_exporter_queue_redelivered_spans", {{"exporter", id}});
  {
    Harness h(id, persistent_settings(), &host);
    REQUIRE(test::wait_until([&] { return h.items_ok() == 20; }));
    h.exporter->shutdown(Clock::now() + 1s);
  }
  // The requests in flight at the first shutdown were counted as possible duplicates.
  CHECK(Telemetry::global().counter_value("otlpd_exporter_queue_redelivered_spans", {{"exporter", id}}) > redelivered);
  {
    Harness h(id, persistent_settings(), &host);  // nothing left: nothing is sent again
    REQUIRE(h.consume(1, 99).is_ok());
    REQUIRE(test::wait_until([&] { return h.items_ok() == 1; }));
    h.exporter->shutdown(Clock::now() + 1s);
    CHECK(h.items_ok() == 1);
  }
}

TEST_CASE("a persistent queue refuses with retryable when full, and names a missing storage extension", "[exporters]") {
  test::TempDir dir;
  StorageHost host(dir.path());
  auto s = persistent_settings();
  s.queue.queue_size = 3;
  {
    Harness h("otlp/pfull", s, &host);
    h.hold();
    for (int i = 0; i < 3; ++i) REQUIRE(h.consume(1, static_cast<uint64_t>(i)).is_ok());
    auto st = h.consume(1, 9);
    CHECK(st.is_retryable());
    CHECK_THAT(st.message(), Catch::Contains("full"));
  }
  auto missing = persistent_settings();
  missing.queue.storage = "file_storage/other";
  Senders senders;
  senders.traces = std::make_unique<ScriptedSender>(std::make_shared<ScriptedSender::Shared>());
  auto e = make_queued_exporter("otlp/nostore", missing, std::move(senders));
  CHECK_THROWS_WITH(e->check(host), Catch::Contains("file_storage/other") && Catch::Contains("service.extensions"));
  CHECK(e->queue_storage() == "file_storage/other");
}
