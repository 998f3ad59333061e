// Hands one batch to several consumers: clones for all but the last, so no consumer shares data.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "model/batch.h"
#include "model/consumer.h"

namespace otlpd {

template <typename B>
class FanoutConsumer final : public Consumer<B> {
 public:
  explicit FanoutConsumer(std::vector<Consumer<B>*> consumers) : consumers_(std::move(consumers)) {}

  // Every consumer gets the batch; the worst status wins (retryable over permanent over ok), so that a
  // client retries when any pipeline could not take its data yet.
  Status consume(B batch) override {
    Status worst = Status::ok();
    for (size_t i = 0; i < consumers_.size(); ++i) {
      bool last = i + 1 == consumers_.size();
      keep_worst(worst, consumers_[i]->consume(last ? std::move(batch) : batch.clone()));
    }
    return worst;
  }
  // Answered once every consumer has answered, with the worst status.
  void consume_async(B batch, typename Consumer<B>::Done done) override {
    struct Join {
      std::mutex mu;
      size_t left;
      Status worst = Status::ok();
      typename Consumer<B>::Done done;
    };
    if (consumers_.empty()) return done(Status::ok());
    auto join = std::make_shared<Join>();
    join->left = consumers_.size();
    join->done = std::move(done);
    for (size_t i = 0; i < consumers_.size(); ++i) {
      bool last = i + 1 == consumers_.size();
      consumers_[i]->consume_async(last ? std::move(batch) : batch.clone(), [join](Status s) {
        std::unique_lock lock(join->mu);
        keep_worst(join->worst, std::move(s));
        if (--join->left > 0) return;
        Status worst = std::move(join->worst);
        lock.unlock();
        join->done(std::move(worst));
      });
    }
  }
  bool answers_async() const override {
    for (auto* c : consumers_)
      if (!c->answers_async()) return false;
    return true;
  }
  bool may_block() const override {
    for (auto* c : consumers_)
      if (c->may_block()) return true;
    return false;
  }

 private:
  // Retryable over permanent over ok (a later retryable status replaces an earlier one).
  static void keep_worst(Status& worst, Status s) {
    if (s.is_retryable() || (s.is_permanent() && worst.is_ok())) worst = std::move(s);
  }

  std::vector<Consumer<B>*> consumers_;
};

}  // namespace otlpd
