// The pipeline graph: shared receivers fan out, processors per pipeline, shared exporters, start/stop order.
#include <catch2/catch.hpp>

#include <algorithm>

#include "config/config.h"
#include "service/service.h"
#include "support/otlp_client.h"
#include "support/service_helpers.h"
#include "support/test_components.h"

using namespace otlpd;
using namespace otlpd::test;

namespace {

std::unique_ptr<Service> build(const std::string& yaml) { return build_service(yaml); }

const char* kFanout = R"(
receivers:
  test_receiver/shared:
processors:
  tag:
exporters:
  capture/a:
  capture/shared:
service:
  pipelines:
    traces/one:
      receivers: [test_receiver/shared]
      processors: [tag]
      exporters: [capture/a, capture/shared]
    traces/two:
      receivers: [test_receiver/shared]
      processors: [tag]
      exporters: [capture/shared]
    logs:
      receivers: [test_receiver/shared]
      exporters: [capture/shared]
)";

}  // namespace

TEST_CASE("a receiver in several pipelines is one instance that fans out to all of them", "[service]") {
  clear_captured();
  auto svc = build(kFanout);
  CHECK(svc->receiver_count() == 1);
  CHECK(svc->processor_count() == 2);  // `tag` once per pipeline
  CHECK(svc->exporter_count() == 2);   // capture/shared is one instance
  svc->start();

  auto in = test_receiver_consumers("test_receiver/shared");
  REQUIRE(in.traces);
  REQUIRE(in.logs);
  CHECK(in.metrics == nullptr);  // no metrics pipeline takes from it
  REQUIRE(in.traces->consume(one_trace()).is_ok());

  with_captured("capture/a", [](Captured& c) {
    REQUIRE(c.traces.size() == 1);
    CHECK(resource_attr(c.traces[0], "tag.tag") == "traces/one");
  });
  with_captured("capture/shared", [](Captured& c) {
    // One copy through each pipeline, each tagged by its own processor instance.
    REQUIRE(c.traces.size() == 2);
    std::vector<std::string> tags{resource_attr(c.traces[0], "tag.tag"), resource_attr(c.traces[1], "tag.tag")};
    std::sort(tags.begin(), tags.end());
    CHECK(tags == std::vector<std::string>{"traces/one", "traces/two"});
    CHECK(c.traces[0].item_count() == 3);
  });
  svc->shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

TEST_CASE("fan-out copies are independent: a processor in one pipeline does not change another's data", "[service]") {
  clear_captured();
  auto svc = build(kFanout);
  svc->start();
  test_receiver_consumers("test_receiver/shared").traces->consume(one_trace());
  with_captured("capture/a", [](Captured& c) {
    REQUIRE(c.traces.size() == 1);
    int tags = 0;
    for (const auto& kv : c.traces[0].read_parts()[0].request->resource_spans(0).resource().attributes())
      tags += kv.key() == "tag.tag";
    CHECK(tags == 1);
  });
}

TEST_CASE("components start exporters first and receivers last, and stop in reverse", "[service]") {
  EventLog::instance().clear();
  auto svc = build(R"(
receivers:
  test_receiver:
processors:
  tag/first:
  tag/second:
exporters:
  capture:
extensions:
  test_extension:
service:
  extensions: [test_extension]
  pipelines:
    traces:
      receivers: [test_receiver]
      processors: [tag/first, tag/second]
      exporters: [capture]
)");
  svc->start();
  svc->shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  svc->shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));  // idempotent
  CHECK(EventLog::instance().events() == std::vector<std::string>{
                                             "start extension test_extension",
                                             "start exporter capture",
                                             "start processor tag/second@traces",
                                             "start processor tag/first@traces",
                                             "start receiver test_receiver",
                                             "shutdown receiver test_receiver",
                                             "shutdown processor tag/first@traces",
                                             "shutdown processor tag/second@traces",
                                             "shutdown exporter capture",
                                             "shutdown extension test_extension",
                                         });
}

TEST_CASE("a component that fails to start stops what had started and nothing runs", "[service]") {
  EventLog::instance().clear();
  auto svc = build(R"(
receivers:
  test_receiver:
processors:
  tag:
    fail_start: true
exporters:
  capture:
service:
  pipelines:
    traces:
      receivers: [test_receiver]
      processors: [tag]
      exporters: [capture]
)");
  CHECK_THROWS_WITH(svc->start(), Catch::Matchers::Contains("refusing to start"));
  CHECK(EventLog::instance().events() ==
        std::vector<std::string>{"start exporter capture", "shutdown exporter capture"});
}

TEST_CASE("the worst downstream status reaches the receiver", "[service]") {
  clear_captured();
  auto svc = build(R"(
receivers:
  test_receiver:
exporters:
  capture/ok:
  capture/down:
    status: retryable
service:
  pipelines:
    traces:
      receivers: [test_receiver]
      exporters: [capture/ok, capture/down]
)");
  svc->start();
  auto st = test_receiver_consumers("test_receiver").traces->consume(one_trace());
  CHECK(st.is_retryable());
}
