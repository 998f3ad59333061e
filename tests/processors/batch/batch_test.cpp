// The batch processor: size and timeout triggers, splitting, metadata batchers, backpressure and shutdown.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <thread>

#include "model/split.h"
#include "platform/telemetry.h"
#include "processors/common/values.h"
#include "processors/harness.h"
#include "support/daemon.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace std::chrono_literals;

namespace {

struct Running {
  Capture<TraceBatch> out;
  ProcessorPtr p;
  NullHost host;
  explicit Running(const std::string& yaml) : p(make_processor<TraceBatch>("batch", yaml, out)) { p->start(host); }
  ~Running() {
    if (p) p->shutdown(std::chrono::steady_clock::now() + 5s);
  }
  Status send(TraceBatch b) { return input<TraceBatch>(*p).consume(std::move(b)); }
};

uint64_t counter(const std::string& name) { return Telemetry::global().counter_value(name, {{"processor", "batch"}}); }

std::vector<size_t> sizes(const std::vector<TraceBatch>& bs) {
  std::vector<size_t> out;
  for (const auto& b : bs) out.push_back(b.item_count());
  return out;
}

}  // namespace

TEST_CASE("batch sends when send_batch_size items have arrived", "[processors]") {
  const auto triggers = counter("otelcol_processor_batch_batch_size_trigger_send");
  Running r("send_batch_size: 10\ntimeout: 1h");
  for (int i = 0; i < 3; ++i) REQUIRE(r.send(spans(3)).is_ok());
  CHECK(r.out.batch_count() == 0);  // 9 < 10: still buffered
  REQUIRE(r.send(spans(3)).is_ok());
  REQUIRE(wait_until([&] { return r.out.batch_count() == 1; }, 5s));
  auto got = r.out.take();
  CHECK(sizes(got) == std::vector<size_t>{12});
  CHECK(got[0].read_parts().size() == 4);  // merged by moving the four requests, not by copying
  CHECK(counter("otelcol_processor_batch_batch_size_trigger_send") == triggers + 1);
}

TEST_CASE("batch sends on timeout what has not reached the size", "[processors]") {
  const auto triggers = counter("otelcol_processor_batch_timeout_trigger_send");
  Running r("send_batch_size: 1000\ntimeout: 50ms");
  REQUIRE(r.send(spans(5)).is_ok());
  REQUIRE(r.send(spans(2)).is_ok());
  REQUIRE(wait_until([&] { return r.out.items() == 7; }, 5s));
  CHECK(r.out.batch_count() == 1);
  CHECK(counter("otelcol_processor_batch_timeout_trigger_send") >= triggers + 1);
  // The timer keeps working for later data.
  REQUIRE(r.send(spans(1)).is_ok());
  REQUIRE(wait_until([&] { return r.out.items() == 8; }, 5s));
}

TEST_CASE("batch with timeout 0 sends every request at once", "[processors]") {
  Running r("timeout: 0s");
  auto b = spans(3);
  const auto* request = b.read_parts()[0].request;
  REQUIRE(r.send(std::move(b)).is_ok());
  auto got = r.out.take();
  REQUIRE(got.size() == 1);
  CHECK(got[0].read_parts()[0].request == request);  // the same message: no copy when not splitting
}

TEST_CASE("batch splits batches larger than send_batch_max_size", "[processors]") {
  Running r("send_batch_size: 4\nsend_batch_max_size: 4\ntimeout: 1h");
  auto b = spans(6, "a", "a");
  b.append(spans(4, "b", "b"));
  REQUIRE(r.send(std::move(b)).is_ok());
  REQUIRE(wait_until([&] { return r.out.batch_count() == 2; }, 5s));
  auto got = r.out.take();
  CHECK(sizes(got) == std::vector<size_t>{4, 4});
  CHECK(span_names(got[0]) == std::vector<std::string>{"a0", "a1", "a2", "a3"});
  CHECK(span_names(got[1]) == std::vector<std::string>{"a4", "a5", "b0", "b1"});
  // The piece keeps the resource of the spans it carries.
  const auto& second = got[1];
  CHECK(processors::service_name(second.read_parts()[0].request->resource_spans(0).resource().attributes()) == "a");
  CHECK(processors::service_name(second.read_parts()[1].request->resource_spans(0).resource().attributes()) == "b");
  // The remaining two go out on shutdown.
  r.p->shutdown(std::chrono::steady_clock::now() + 5s);
  auto rest = r.out.take();
  REQUIRE(rest.size() == 1);
  CHECK(span_names(rest[0]) == std::vector<std::string>{"b2", "b3"});
}

TEST_CASE("splitting moves front items of metrics and logs with their headers", "[processors]") {
  auto m = gauge("g", 5);
  auto piece = MetricBatch::make();
  CHECK(move_front(m.first(), 3, piece.first()) == 3);
  CHECK(piece.item_count() == 3);
  CHECK(m.item_count() == 2);
  CHECK(piece.first().resource_metrics(0).scope_metrics(0).metrics(0).name() == "g");
  CHECK(m.first().resource_metrics(0).scope_metrics(0).metrics(0).gauge().data_points(0).as_int() == 3);

  auto l = logs(4);
  auto lp = LogBatch::make();
  CHECK(move_front(l.first(), 10, lp.first()) == 4);
  CHECK(l.first().resource_logs_size() == 0);  // emptied containers are removed
  CHECK(lp.item_count() == 4);
}

TEST_CASE("batch keeps a batcher per metadata value combination", "[processors]") {
  Running r("send_batch_size: 2\ntimeout: 1h\nmetadata_keys: [X-Tenant]\nmetadata_cardinality_limit: 2");
  auto ctx = [](const std::string& tenant) {
    RequestContext c;
    c.metadata = {{"x-tenant", tenant}, {"user-agent", "test"}};
    return c;
  };
  REQUIRE(r.send(spans(1, "svc", "a", ctx("a"))).is_ok());
  REQUIRE(r.send(spans(1, "svc", "b", ctx("b"))).is_ok());
  CHECK(r.out.batch_count() == 0);  // one item in each of two batchers
  REQUIRE(r.send(spans(1, "svc", "a", ctx("a"))).is_ok());
  REQUIRE(wait_until([&] { return r.out.batch_count() == 1; }, 5s));
  auto got = r.out.take();
  CHECK(span_names(got[0]) == std::vector<std::string>{"a0", "a0"});
  CHECK(got[0].context().metadata == std::vector<std::pair<std::string, std::string>>{{"x-tenant", "a"}});
  // A third combination passes the limit: refused for good.
  auto st = r.send(spans(1, "svc", "c", ctx("c")));
  CHECK(st.is_permanent());
  CHECK_THAT(st.message(), Catch::Contains("too many batcher metadata-value combinations"));
}

TEST_CASE("batch metadata_keys take auth attributes: a batcher per user, the user kept", "[processors]") {
  Running r("send_batch_size: 2\ntimeout: 1h\nmetadata_keys: [auth.username]");
  auto ctx = [](const std::string& user, const std::string& raw) {
    RequestContext c;
    c.auth.principal = user;
    c.auth.attributes = {{"username", user}, {"raw", raw}};
    return c;
  };
  REQUIRE(r.send(spans(1, "svc", "a", ctx("alice", "r1"))).is_ok());
  REQUIRE(r.send(spans(1, "svc", "b", ctx("bob", "r2"))).is_ok());
  CHECK(r.out.batch_count() == 0);
  REQUIRE(r.send(spans(1, "svc", "a", ctx("alice", "r3"))).is_ok());
  REQUIRE(wait_until([&] { return r.out.batch_count() == 1; }, 5s));
  auto got = r.out.take();
  CHECK(span_names(got[0]) == std::vector<std::string>{"a0", "a0"});
  // What both of alice's requests share is kept: her name; the differing raw credentials are not.
  CHECK(got[0].context().auth.principal == "alice");
  CHECK(got[0].context().auth.attributes == std::vector<std::pair<std::string, std::string>>{{"username", "alice"}});
}

TEST_CASE("batch answers retryable past max_pending_items instead of growing", "[processors]") {
  Running r("send_batch_size: 0\ntimeout: 1h\nmax_pending_items: 10");
  for (int i = 0; i < 3; ++i) REQUIRE(r.send(spans(3)).is_ok());
  auto st = r.send(spans(3));
  CHECK(st.is_retryable());
  CHECK_THAT(st.message(), Catch::Contains("max_pending_items"));
  CHECK(r.send(spans(1)).is_ok());  // 10 fits exactly
  r.p->shutdown(std::chrono::steady_clock::now() + 5s);
  CHECK(r.out.items() == 10);
}

TEST_CASE("batch counts items being sent downstream as pending", "[processors]") {
  // Downstream blocks until released: the items it holds still count against max_pending_items.
  struct Gate final : Consumer<TraceBatch> {
    std::mutex mu;
    std::condition_variable cv;
    bool open = false;
    std::atomic<int> entered{0};
    std::atomic<size_t> items{0};
    Status consume(TraceBatch b) override {
      entered++;
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return open; });
      items += b.item_count();
      return Status::ok();
    }
  } gate;
  NullHost host;
  auto p = make_processor<TraceBatch>("batch", "send_batch_size: 5\ntimeout: 1h\nmax_pending_items: 8", gate);
  p->start(host);
  std::atomic<bool> first_ok{false};  // Catch2 assertions are not thread-safe: check on this thread
  std::thread producer([&] { first_ok = input<TraceBatch>(*p).consume(spans(6)).is_ok(); });
  REQUIRE(wait_until([&] { return gate.entered == 1; }, 5s));
  CHECK(input<TraceBatch>(*p).consume(spans(3)).is_retryable());  // 6 in flight + 3 > 8
  {
    std::lock_guard lock(gate.mu);
    gate.open = true;
  }
  gate.cv.notify_all();
  producer.join();
  CHECK(first_ok);
  CHECK(input<TraceBatch>(*p).consume(spans(3)).is_ok());
  p->shutdown(std::chrono::steady_clock::now() + 5s);
  CHECK(gate.items == 9);
}

TEST_CASE("batch reports downstream refusals: counted, logged and returned", "[processors]") {
  const auto dropped = counter("otelcol_processor_dropped_spans");
  Running r("send_batch_size: 2\ntimeout: 1h");
  r.out.answer(Status::retryable("queue full"));
  auto st = r.send(spans(2));
  CHECK(st.is_retryable());
  CHECK(st.message() == "queue full");
  CHECK(counter("otelcol_processor_dropped_spans") == dropped + 2);
}

TEST_CASE("batch loses nothing on shutdown with concurrent producers", "[processors]") {
  Running r("send_batch_size: 64\nsend_batch_max_size: 64\ntimeout: 20ms\nmax_pending_items: 1000000");
  std::vector<std::thread> producers;
  std::atomic<int> refused{0};
  for (int t = 0; t < 4; ++t)
    producers.emplace_back([&] {
      for (int i = 0; i < 100; ++i)
        if (!r.send(spans(30)).is_ok()) refused++;
    });
  for (auto& t : producers) t.join();
  CHECK(refused == 0);
  r.p->shutdown(std::chrono::steady_clock::now() + 5s);
  auto got = r.out.take();
  size_t total = 0;
  for (const auto& b : got) {
    CHECK(b.item_count() <= 64);
    total += b.item_count();
  }
  CHECK(total == 12000);
  // After shutdown, data still goes through rather than being buffered with no timer.
  CHECK(r.send(spans(2)).is_ok());
  CHECK(r.out.items() == 2);
}

TEST_CASE("invalid batch settings are config errors", "[processors]") {
  auto bad = [](const std::string& yaml) { return [yaml] { parse_processor("batch", yaml); }; };
  CHECK_THROWS_WITH(bad("send_batch_size: 100\nsend_batch_max_size: 10")(), Catch::Contains("send_batch_max_size"));
  CHECK_THROWS_WITH(bad("send_batch_sise: 100")(), Catch::Contains("send_batch_sise"));
  CHECK_THROWS_WITH(bad("timeout: soon")(), Catch::Contains("timeout"));
  CHECK_THROWS_WITH(bad("metadata_keys: [a, A]")(), Catch::Contains("duplicate"));
  CHECK_THROWS_WITH(bad("send_batch_size: 100\nmax_pending_items: 10")(), Catch::Contains("max_pending_items"));
  CHECK_NOTHROW(bad("send_batch_size: 100\nsend_batch_max_size: 100\ntimeout: 1s")());
}

TEST_CASE("batch merges and splits metric data points and log records too", "[processors]") {
  NullHost host;
  Capture<MetricBatch> metrics_out;
  auto mp =
      make_processor<MetricBatch>("batch", "send_batch_size: 4\nsend_batch_max_size: 4\ntimeout: 1h", metrics_out);
  mp->start(host);
  REQUIRE(input<MetricBatch>(*mp).consume(gauge("g", 10)).is_ok());
  REQUIRE(wait_until([&] { return metrics_out.batch_count() == 2; }, 5s));
  mp->shutdown(std::chrono::steady_clock::now() + 5s);
  auto got = metrics_out.take();
  REQUIRE(got.size() == 3);
  CHECK(got[0].item_count() == 4);
  CHECK(got[1].item_count() == 4);
  CHECK(got[2].item_count() == 2);
  // Each piece is still a gauge named "g", its points in order.
  const auto& last = got[2].read_parts()[0].request->resource_metrics(0).scope_metrics(0).metrics(0);
  CHECK(last.name() == "g");
  CHECK(last.gauge().data_points(0).as_int() == 8);

  Capture<LogBatch> logs_out;
  auto lp = make_processor<LogBatch>("batch", "send_batch_size: 5\ntimeout: 20ms", logs_out);
  lp->start(host);
  REQUIRE(input<LogBatch>(*lp).consume(logs(3)).is_ok());
  REQUIRE(input<LogBatch>(*lp).consume(logs(1)).is_ok());
  REQUIRE(wait_until([&] { return logs_out.items() == 4; }, 5s));  // by timeout
  lp->shutdown(std::chrono::steady_clock::now() + 5s);
  CHECK(logs_out.batch_count() == 1);
}
