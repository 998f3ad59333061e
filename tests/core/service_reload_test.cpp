// Hot reload at the Service level: which components a new config keeps, rebuilds, adds and removes, in which
// order, and that receivers' entry points route to the new graph.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "config/config.h"
#include "model/switch_consumer.h"
#include "service/service.h"
#include "support/daemon.h"
#include "support/otlp_client.h"
#include "support/service_helpers.h"
#include "support/test_components.h"

using namespace otlpd;
using namespace otlpd::test;

namespace {

Config config_of(const std::string& yaml) { return parse_config(YAML::Load(yaml)); }
std::unique_ptr<Service> build(const std::string& yaml) { return build_service(yaml); }
ReloadSummary reload(Service& s, const std::string& yaml) { return s.reload(config_of(yaml), std::chrono::seconds(5)); }

// The tag values that reached `exporter`, in order.
std::vector<std::string> tags_at(const std::string& exporter, const std::string& key = "tag.tag") {
  std::vector<std::string> out;
  with_captured(exporter, [&](Captured& c) {
    for (const auto& b : c.traces) out.push_back(resource_attr(b, key));
  });
  return out;
}

using Names = std::vector<std::string>;

Names sorted(Names v) {
  std::sort(v.begin(), v.end());
  return v;
}

const char* kTwoPipelines = R"(
receivers:
  test_receiver:
  test_receiver/other:
processors:
  tag:
    label: first
  tag/b:
exporters:
  capture/a:
  capture/b:
service:
  pipelines:
    traces/a:
      receivers: [test_receiver]
      processors: [tag]
      exporters: [capture/a]
    traces/b:
      receivers: [test_receiver, test_receiver/other]
      processors: [tag/b]
      exporters: [capture/b]
)";

}  // namespace

TEST_CASE("reloading the same config keeps every instance and starts or stops nothing", "[service][reload]") {
  auto svc = build(kTwoPipelines);
  svc->start();
  EventLog::instance().clear();
  auto summary = reload(*svc, kTwoPipelines);
  CHECK(summary.nothing_changed());
  CHECK(summary.unchanged() == 6);  // 2 receivers, 2 processors, 2 exporters
  CHECK(EventLog::instance().events().empty());
  CHECK(summary.str() ==
        "6 unchanged, receivers +0 -0 ~0, processors +0 -0 ~0, exporters +0 -0 ~0, extensions +0 -0 ~0");
}

TEST_CASE("a changed processor rebuilds its pipeline only, and the kept receiver routes to the new one",
          "[service][reload]") {
  clear_captured();
  auto svc = build(kTwoPipelines);
  svc->start();
  auto in = test_receiver_consumers("test_receiver");
  REQUIRE(in.traces->consume(one_trace()).is_ok());
  EventLog::instance().clear();

  std::string changed = kTwoPipelines;
  changed.replace(changed.find("label: first"), 12, "label: second");
  auto summary = reload(*svc, changed);

  CHECK(summary.processors.rebuilt == Names{"traces/a: tag"});
  CHECK(summary.processors.kept == Names{"traces/b: tag/b"});
  CHECK(sorted(summary.receivers.kept) == Names{"test_receiver", "test_receiver/other"});
  CHECK(sorted(summary.exporters.kept) == Names{"capture/a", "capture/b"});
  // The new processor starts before the switch, the old one stops after it; nothing else starts or stops.
  CHECK(EventLog::instance().events() == Names{"start processor tag@traces/a", "shutdown processor tag@traces/a"});

  // The receiver's entry point is the same object and now leads through the new processor.
  CHECK(test_receiver_consumers("test_receiver").traces == in.traces);
  REQUIRE(in.traces->consume(one_trace()).is_ok());
  CHECK(tags_at("capture/a") == Names{"first", "second"});
  CHECK(tags_at("capture/b", "tag.tag/b") == Names{"traces/b", "traces/b"});
}

TEST_CASE("an exporter added to a pipeline starts before anything is switched to it, and the old one is kept",
          "[service][reload]") {
  clear_captured();
  auto svc = build(kTwoPipelines);
  svc->start();
  EventLog::instance().clear();

  std::string changed = kTwoPipelines;
  changed.replace(changed.find("exporters: [capture/a]"), 22, "exporters: [capture/a, capture/c]");
  changed.replace(changed.find("  capture/b:\n"), 13, "  capture/b:\n  capture/c:\n");
  auto summary = reload(*svc, changed);

  CHECK(summary.exporters.added == Names{"capture/c"});
  CHECK(sorted(summary.exporters.kept) == Names{"capture/a", "capture/b"});
  CHECK(summary.processors.rebuilt == Names{"traces/a: tag"});  // its exporters changed
  CHECK(EventLog::instance().events() ==
        Names{"start exporter capture/c", "start processor tag@traces/a", "shutdown processor tag@traces/a"});
  REQUIRE(test_receiver_consumers("test_receiver").traces->consume(one_trace()).is_ok());
  CHECK(tags_at("capture/a") == Names{"first"});
  CHECK(tags_at("capture/c") == Names{"first"});
}

TEST_CASE("a changed exporter is replaced: the old instance stops before the new one starts", "[service][reload]") {
  clear_captured();
  const std::string before = R"(
receivers:
  test_receiver:
exporters:
  capture:
    status: retryable
service:
  pipelines:
    traces:
      receivers: [test_receiver]
      exporters: [capture]
)";
  auto svc = build(before);
  svc->start();
  auto in = test_receiver_consumers("test_receiver");
  CHECK(in.traces->consume(one_trace()).is_retryable());
  EventLog::instance().clear();

  std::string after = before;
  after.replace(after.find("status: retryable"), 17, "status: ok");
  auto summary = reload(*svc, after);
  CHECK(summary.exporters.rebuilt == Names{"capture"});
  CHECK(summary.receivers.kept == Names{"test_receiver"});
  CHECK(summary.errors.empty());
  CHECK(EventLog::instance().events() == Names{"shutdown exporter capture", "start exporter capture"});
  CHECK(in.traces->consume(one_trace()).is_ok());
  CHECK(tags_at("capture").size() == 1);
}

TEST_CASE("removed and changed receivers stop, new ones start before the switch", "[service][reload]") {
  auto svc = build(kTwoPipelines);
  svc->start();
  EventLog::instance().clear();
  std::string changed = kTwoPipelines;
  // test_receiver/other leaves; test_receiver/new arrives; the pipelines keep their processors and exporters.
  changed.replace(changed.find("  test_receiver/other:\n"), 23, "  test_receiver/new:\n");
  changed.replace(changed.find("[test_receiver, test_receiver/other]"), 36, "[test_receiver, test_receiver/new]");
  auto summary = reload(*svc, changed);
  CHECK(summary.receivers.added == Names{"test_receiver/new"});
  CHECK(summary.receivers.removed == Names{"test_receiver/other"});
  CHECK(summary.receivers.kept == Names{"test_receiver"});
  CHECK(summary.processors.kept.size() == 2);
  CHECK(EventLog::instance().events() ==
        Names{"start receiver test_receiver/new", "shutdown receiver test_receiver/other"});
}

TEST_CASE("a reload whose new component cannot start changes nothing", "[service][reload]") {
  clear_captured();
  auto svc = build(kTwoPipelines);
  svc->start();
  EventLog::instance().clear();
  std::string changed = kTwoPipelines;
  changed.replace(changed.find("label: first"), 12, "fail_start: true");
  changed.replace(changed.find("  capture/b:\n"), 13, "  capture/b:\n  capture/c:\n");
  changed.replace(changed.find("exporters: [capture/a]"), 22, "exporters: [capture/a, capture/c]");
  CHECK_THROWS_AS(reload(*svc, changed), ConfigError);
  // The new exporter started and stopped again; the old processor still runs.
  CHECK(EventLog::instance().events() == Names{"start exporter capture/c", "shutdown exporter capture/c"});
  REQUIRE(test_receiver_consumers("test_receiver").traces->consume(one_trace()).is_ok());
  CHECK(tags_at("capture/a") == Names{"first"});
  CHECK(tags_at("capture/c").empty());
  // A later valid reload works.
  changed.replace(changed.find("fail_start: true"), 16, "label: third");
  auto summary = reload(*svc, changed);
  CHECK(summary.exporters.added == Names{"capture/c"});
  REQUIRE(test_receiver_consumers("test_receiver").traces->consume(one_trace()).is_ok());
  CHECK(tags_at("capture/c") == Names{"third"});
}

TEST_CASE("an extension that changes rebuilds every component, as a restart would", "[service][reload]") {
  const std::string before = R"(
extensions:
  test_extension:
receivers:
  test_receiver:
exporters:
  capture:
service:
  extensions: [test_extension]
  pipelines:
    traces:
      receivers: [test_receiver]
      exporters: [capture]
)";
  auto svc = build(before);
  svc->start();
  EventLog::instance().clear();
  std::string after = before;
  after.replace(after.find("  test_extension:\nreceivers"), 18, "  test_extension/two:\n");
  after.replace(after.find("[test_extension]"), 16, "[test_extension/two]");
  auto summary = reload(*svc, after);
  CHECK(summary.full_rebuild);
  CHECK(summary.unchanged() == 0);
  CHECK(summary.receivers.rebuilt == Names{"test_receiver"});
  CHECK(summary.exporters.rebuilt == Names{"capture"});
  CHECK(summary.extensions.added == Names{"test_extension/two"});
  CHECK(summary.extensions.removed == Names{"test_extension"});
  CHECK(EventLog::instance().events() ==
        Names{"shutdown receiver test_receiver", "shutdown exporter capture", "shutdown extension test_extension",
              "start extension test_extension/two", "start exporter capture", "start receiver test_receiver"});
}

TEST_CASE("an environment variable that changes its value changes the component's config", "[service][reload]") {
  const std::string yaml = R"(
receivers:
  test_receiver:
processors:
  tag:
    label: ${env:OTLPD_RELOAD_TEST_LABEL}
exporters:
  capture:
service:
  pipelines:
    traces:
      receivers: [test_receiver]
      processors: [tag]
      exporters: [capture]
)";
  setenv("OTLPD_RELOAD_TEST_LABEL", "one", 1);
  auto svc = build(yaml);
  svc->start();
  CHECK(reload(*svc, yaml).nothing_changed());
  setenv("OTLPD_RELOAD_TEST_LABEL", "two", 1);
  CHECK(reload(*svc, yaml).processors.rebuilt == Names{"traces: tag"});
  unsetenv("OTLPD_RELOAD_TEST_LABEL");
}

TEST_CASE("canonical config text ignores key order and quoting, and sees expanded values", "[config][reload]") {
  CHECK(canonical_text(YAML::Load("{b: 1, a: [x, 'y']}")) == canonical_text(YAML::Load("a: [\"x\", y]\nb: '1'")));
  CHECK(canonical_text(YAML::Load("a: 1")) != canonical_text(YAML::Load("a: 2")));
  CHECK(canonical_text(YAML::Load("a: {b: 1}")) != canonical_text(YAML::Load("a: [b, 1]")));
}

namespace {

// Holds every call until released.
class HoldingConsumer final : public TraceConsumer {
 public:
  Status consume(TraceBatch) override {
    entered.store(true);
    while (!released.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return Status::ok();
  }
  std::atomic<bool> entered{false}, released{false};
};

class CountingConsumer final : public TraceConsumer {
 public:
  Status consume(TraceBatch) override {
    calls.fetch_add(1);
    return Status::ok();
  }
  std::atomic<int> calls{0};
};

}  // namespace

TEST_CASE("a switch routes new calls to its new target and waits for calls through the old one", "[reload]") {
  HoldingConsumer old_target;
  CountingConsumer new_target;
  SwitchConsumer<TraceBatch> sw(&old_target);
  auto in_flight = std::async(std::launch::async, [&] { return sw.consume(one_trace()); });
  REQUIRE(wait_until([&] { return old_target.entered.load(); }));

  const auto* old_route = sw.switch_to(&new_target);
  CHECK(sw.consume(one_trace()).is_ok());
  CHECK(new_target.calls.load() == 1);
  auto idle = std::async(std::launch::async, [&] { SwitchConsumer<TraceBatch>::wait_idle(old_route); });
  CHECK(idle.wait_for(std::chrono::milliseconds(100)) == std::future_status::timeout);
  old_target.released.store(true);
  CHECK(idle.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(in_flight.get().is_ok());
}

TEST_CASE("a switch keeps an asynchronous call counted on its route until the call is answered", "[reload]") {
  DeferringConsumer old_target;
  CountingConsumer new_target;
  SwitchConsumer<TraceBatch> sw(&old_target);
  CHECK(sw.may_block());
  CHECK(sw.answers_async());
  std::atomic<int> answered{0};
  sw.consume_async(one_trace(), [&](Status st) { answered.fetch_add(st.is_ok() ? 1 : 100); });
  CHECK(answered.load() == 0);

  const auto* old_route = sw.switch_to(&new_target);
  // A new call goes to the new target (answered at once by its consume()).
  sw.consume_async(one_trace(), [&](Status st) { answered.fetch_add(st.is_ok() ? 1 : 100); });
  CHECK(new_target.calls.load() == 1);
  CHECK(answered.load() == 1);
  auto idle = std::async(std::launch::async, [&] { SwitchConsumer<TraceBatch>::wait_idle(old_route); });
  CHECK(idle.wait_for(std::chrono::milliseconds(100)) == std::future_status::timeout);
  Consumer<TraceBatch>::Done answer;
  {
    std::lock_guard lock(old_target.mu);
    REQUIRE(old_target.answers.size() == 1);
    answer = std::move(old_target.answers.front());
  }
  answer(Status::ok());
  CHECK(idle.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(answered.load() == 2);
}
