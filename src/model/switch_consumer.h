// A receiver's stable entry point whose downstream can be replaced while calls run through it (hot reload).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "model/consumer.h"

namespace otlpd {

// Forwards every call to its current target. switch_to() installs a new target and returns a handle on the old
// route; wait_idle() on it returns once every call that went through the old target has returned, after which the
// old target may be shut down and freed.
//
// The data path takes no lock: one atomic load, an increment of the route's call count, a second load that checks
// the route is still current, and a decrement when the call returns. The two loads around the increment (both
// sequentially consistent, as is the writer's exchange) make the count exact: a call either sees the new route, or
// its increment is visible to the writer that waits for the old one to drain.
//
// may_block() and answers_async() are fixed at creation: a receiver chooses at start whether it calls from its I/O
// threads, so a target that differs in them is not switched to (the service rebuilds the receiver instead). A call
// through consume_async() counts on its route until it is answered.
template <typename B>
class SwitchConsumer final : public Consumer<B> {
 public:
  struct Route {
    explicit Route(Consumer<B>* t) : target(t) {}
    Consumer<B>* const target;
    alignas(64) std::atomic<int64_t> calls{0};
  };

  explicit SwitchConsumer(Consumer<B>* target)
      : may_block_(target->may_block()), answers_async_(target->answers_async()) {
    routes_.push_back(std::make_unique<Route>(target));
    current_.store(routes_.back().get());
  }

  Status consume(B batch) override {
    Route* r = enter();
    Status st = r->target->consume(std::move(batch));
    r->calls.fetch_sub(1, std::memory_order_release);
    return st;
  }
  void consume_async(B batch, typename Consumer<B>::Done done) override {
    Route* r = enter();
    r->target->consume_async(std::move(batch), [r, done = std::move(done)](Status st) {
      r->calls.fetch_sub(1, std::memory_order_release);
      done(std::move(st));
    });
  }
  bool may_block() const override { return may_block_; }
  bool answers_async() const override { return answers_async_; }

  Consumer<B>* target() const { return current_.load()->target; }

  // Routes later calls to `target`; the returned route is the one replaced. Not thread-safe against itself
  // (the service reloads from one thread). Old routes stay allocated until this object goes: a call that read
  // the old pointer may still touch its count before it sees the switch.
  const Route* switch_to(Consumer<B>* target) {
    routes_.push_back(std::make_unique<Route>(target));
    return current_.exchange(routes_.back().get());
  }

  // Waits until no call runs through `route`. Calls hold no lock, so this polls; reloads are rare.
  static void wait_idle(const Route* route) {
    while (route->calls.load(std::memory_order_acquire) != 0)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
  }

 private:
  // The current route, with this call counted on it.
  Route* enter() {
    for (;;) {
      Route* r = current_.load();
      r->calls.fetch_add(1);
      if (current_.load() == r) return r;
      r->calls.fetch_sub(1);  // switched meanwhile: the writer may not have counted this call
    }
  }

  const bool may_block_;
  const bool answers_async_;
  std::atomic<Route*> current_{nullptr};
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace otlpd
