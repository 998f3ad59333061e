// The fan-out over a receiver's pipelines (model/fanout.h): each consumer gets the batch, and the caller hears
// the worst status, answered at once or, through consume_async(), once the last consumer has answered.
#include "model/fanout.h"

#include <catch2/catch.hpp>
#include <optional>

#include "support/service_helpers.h"

using namespace otlpd;

namespace {

// Answers every call at once with `status`; `blocks`: says it may block (and answers only by returning).
class Answering final : public TraceConsumer {
 public:
  Answering(Status status, bool blocks) : status_(std::move(status)), blocks_(blocks) {}
  Status consume(TraceBatch) override {
    ++calls;
    return status_;
  }
  bool may_block() const override { return blocks_; }
  int calls = 0;

 private:
  Status status_;
  bool blocks_;
};

}  // namespace

TEST_CASE("fan-out: an asynchronous call is answered once every consumer has, with the worst status", "[fanout]") {
  test::DeferringConsumer deferring;
  Answering refusing(Status::retryable("full"), false);
  Answering accepting(Status::ok(), false);
  FanoutConsumer<TraceBatch> fanout({&deferring, &refusing, &accepting});
  CHECK(fanout.answers_async());

  std::optional<Status> answer;
  int answers = 0;
  fanout.consume_async(test::one_trace(), [&](Status st) {
    answer = std::move(st);
    ++answers;
  });
  CHECK(refusing.calls == 1);
  CHECK(accepting.calls == 1);
  CHECK(answers == 0);  // the deferring consumer has not answered yet
  REQUIRE(deferring.answers.size() == 1);
  deferring.answers.front()(Status::ok());
  CHECK(answers == 1);
  REQUIRE(answer);
  CHECK(answer->is_retryable());
  CHECK(answer->message() == "full");
}

TEST_CASE("fan-out: a consumer that blocks without answering asynchronously makes the fan-out block", "[fanout]") {
  test::DeferringConsumer deferring;
  Answering blocking(Status::ok(), true);
  FanoutConsumer<TraceBatch> fanout({&deferring, &blocking});
  CHECK(fanout.may_block());
  CHECK_FALSE(fanout.answers_async());
  // Answered at once when no consumer defers: consume() returns the worst status.
  Answering permanent(Status::permanent("bad"), false);
  Answering retryable(Status::retryable("later"), false);
  FanoutConsumer<TraceBatch> quick({&permanent, &retryable});
  CHECK(quick.consume(test::one_trace()).is_retryable());
}
