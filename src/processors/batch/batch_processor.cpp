// The `batch` processor: buffers items per metadata combination and sends them downstream when
// send_batch_size is reached or the oldest item is `timeout` old; splits at send_batch_max_size; answers
// retryable past max_pending_items; flushes everything on shutdown.
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "core/registry.h"
#include "model/context_key.h"
#include "model/split.h"
#include "platform/telemetry.h"
#include "processors/batch/config.h"
#include "processors/common/processor_helper.h"

namespace otlpd::batch_processor {

namespace {

using Clock = std::chrono::steady_clock;

template <typename B>
class BatchProcessor final : public processors::ProcessorBase<B> {
 public:
  BatchProcessor(const CreateSettings& s, const BatchConfig& cfg, Consumer<B>* next)
      : processors::ProcessorBase<B>(s, next),
        id_(s.id.str()),
        cfg_(cfg),
        max_items_(cfg.send_batch_max_size > 0 ? cfg.send_batch_max_size : SIZE_MAX),
        pending_limit_(cfg.pending_limit()),
        send_size_sum_(this->counter("otelcol_processor_batch_batch_send_size_sum")),
        send_size_count_(this->counter("otelcol_processor_batch_batch_send_size_count")),
        size_trigger_(this->counter("otelcol_processor_batch_batch_size_trigger_send")),
        timeout_trigger_(this->counter("otelcol_processor_batch_timeout_trigger_send")),
        refused_(this->counter("otelcol_processor_refused_" + std::string(item_name(B::signal)))),
        dropped_(this->counter("otelcol_processor_dropped_" + std::string(item_name(B::signal)))),
        cardinality_(s.telemetry().gauge("otelcol_processor_batch_metadata_cardinality", {{"processor", id_}})) {
    for (const auto& k : cfg.metadata_keys) keys_.push_back(*ContextKey::parse(k));
  }

  ~BatchProcessor() override { shutdown(Clock::now()); }

  void start(Host&) override {
    std::lock_guard lock(mu_);
    if (cfg_.timeout > Duration::zero() && !timer_.joinable() && !stopping_)
      timer_ = std::thread([this] { run_timer(); });
  }

  void shutdown(Deadline) override {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopping_ = true;
    }
    wake_.notify_all();
    if (timer_.joinable()) timer_.join();
    Outgoing out;
    {
      std::lock_guard lock(mu_);
      for (auto& [key, shard] : shards_) drain(*shard, out);
      stopped_ = true;
    }
    // Downstream is still running (processors stop front to back), so this flush reaches the exporters.
    send(out, "shutdown");
  }

 private:
  // A batch that reaches send_batch_size is sent within the call that filled it, so may_block() is the
  // next consumer's answer (the base's default).
  Status process(B batch) override {
    // Count outside the lock: only the incoming request is walked, never the buffer.
    // Parts are moved as they are, decoded or still bytes; received parts carry their counts.
    auto& parts = batch.raw_parts();
    std::vector<size_t> counts;
    counts.reserve(parts.size());
    size_t n = 0;
    for (const auto& p : parts) n += counts.emplace_back(p.item_count());
    if (n == 0) return Status::ok();

    Outgoing out;
    {
      std::lock_guard lock(mu_);
      const size_t pending = pending_.load();
      if (pending > 0 && pending + n > pending_limit_) {
        refused_.add(n);
        return Status::retryable("batch processor " + id_ + " has " + std::to_string(pending) +
                                     " items pending (max_pending_items " + std::to_string(pending_limit_) +
                                     "); downstream is not keeping up",
                                 std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.timeout));
      }
      Shard* shard = shard_for(batch.context());
      if (!shard) {
        refused_.add(n);
        return Status::permanent("too many batcher metadata-value combinations (metadata_cardinality_limit " +
                                 std::to_string(cfg_.metadata_cardinality_limit) + ")");
      }
      pending_ += n;
      const bool was_empty = shard->items == 0;
      merge_context(*shard, batch.context());
      for (size_t i = 0; i < parts.size(); ++i)
        if (counts[i] > 0) shard->entries.push_back(Entry{std::move(parts[i]), counts[i]});
      shard->items += n;

      if (stopping_ || cfg_.timeout == Duration::zero()) {
        drain(*shard, out);
      } else {
        while (cfg_.send_batch_size > 0 && shard->items >= cfg_.send_batch_size) {
          out.push_back(take(*shard, max_items_));
          size_trigger_.add(1);
        }
        if (shard->items > 0 && (was_empty || out.size() > 0)) {
          // A fresh buffer starts its timeout now; tell the timer about the new deadline.
          shard->first_at = Clock::now();
          wake_.notify_one();
        }
      }
    }
    return send(out, "size");
  }

 private:
  struct Entry {
    typename B::Part part;
    size_t items;
  };
  struct Shard {
    std::deque<Entry> entries;
    size_t items = 0;  // running count over `entries`
    RequestContext context;
    bool has_context = false;
    Clock::time_point first_at;
  };
  struct Piece {
    B batch;
    size_t items;
  };
  using Outgoing = std::vector<Piece>;

  // The shard for the request's metadata values; null when a new one would pass the cardinality limit.
  Shard* shard_for(const RequestContext& ctx) {
    std::string key;
    for (const auto& k : keys_) {
      for (std::string_view v : k.values(ctx)) {
        key += v;
        key += '\x1f';
      }
      key += '\x1e';
    }
    auto it = shards_.find(key);
    if (it != shards_.end()) return it->second.get();
    if (!cfg_.metadata_keys.empty() && shards_.size() >= cfg_.metadata_cardinality_limit) return nullptr;
    auto* s = shards_.emplace(std::move(key), std::make_unique<Shard>()).first->second.get();
    cardinality_.set(static_cast<int64_t>(shards_.size()));
    return s;
  }

  // What a merged batch says of its origin: fields on which every request in it agrees. With metadata_keys,
  // the metadata is exactly those keys' values (as the Collector's batcher sets client metadata).
  void merge_context(Shard& s, const RequestContext& c) {
    if (!s.has_context) {
      s.context = c;
      if (!keys_.empty())
        std::erase_if(s.context.metadata, [&](const auto& kv) {
          return std::none_of(keys_.begin(), keys_.end(), [&](const ContextKey& k) {
            return k.kind == ContextKey::Kind::metadata && k.name == kv.first;
          });
        });
      s.has_context = true;
      return;
    }
    if (s.context.client_address != c.client_address) s.context.client_address.clear();
    if (s.context.auth != c.auth) {
      // What the requests share stays (the attributes a shard is keyed by always do).
      if (s.context.auth.principal != c.auth.principal) s.context.auth.principal.clear();
      std::erase_if(s.context.auth.attributes, [&](const auto& kv) {
        return std::find(c.auth.attributes.begin(), c.auth.attributes.end(), kv) == c.auth.attributes.end();
      });
    }
    if (s.context.tenant != c.tenant) s.context.tenant.clear();
    if (cfg_.metadata_keys.empty() && s.context.metadata != c.metadata) s.context.metadata.clear();
  }

  // Takes up to `max` items from the front of the shard: whole parts move; only a part that straddles the
  // bound is split (its front items copied into a new piece).
  Piece take(Shard& s, size_t max) {
    Piece piece{B{}, 0};
    piece.batch.context() = s.context;
    while (!s.entries.empty() && piece.items < max) {
      Entry& e = s.entries.front();
      if (piece.items + e.items <= max) {
        piece.items += e.items;
        piece.batch.raw_parts().push_back(std::move(e.part));
        s.entries.pop_front();
      } else {
        // The straddling part is decoded and changed: it no longer matches the bytes it arrived as.
        e.part.decode();
        e.part.wire.reset();
        e.part.items = B::kUnknownItems;
        B split = B::make();
        size_t moved = move_front(*e.part.request, max - piece.items, split.first());
        if (moved == 0) {  // cannot happen while counts agree with the request; never loop on it
          piece.items += e.items;
          piece.batch.raw_parts().push_back(std::move(e.part));
          s.entries.pop_front();
          continue;
        }
        e.items -= moved;
        piece.items += moved;
        piece.batch.raw_parts().push_back(std::move(split.raw_parts().front()));
      }
    }
    s.items -= piece.items;
    if (s.items == 0) s.has_context = false;
    return piece;
  }

  void drain(Shard& s, Outgoing& out) {
    while (s.items > 0) out.push_back(take(s, max_items_));
  }

  // Hands pieces downstream, outside the lock. A refused piece is logged and counted as dropped, and the first
  // refusal is returned so that the caller (the receiver) can pass it on to the client.
  Status send(Outgoing& out, std::string_view trigger) {
    Status result;
    for (auto& piece : out) {
      send_size_sum_.add(piece.items);
      send_size_count_.add(1);
      Status st = this->forward(std::move(piece.batch));
      pending_ -= piece.items;
      if (!st.is_ok()) {
        dropped_.add(piece.items);
        spdlog::warn("processor {}: downstream refused a batch of {} {} ({} trigger): {}", id_, piece.items,
                     item_name(B::signal), trigger, st.message());
        if (result.is_ok()) result = std::move(st);
      }
    }
    return result;
  }

  void run_timer() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      const auto now = Clock::now();
      auto next_due = Clock::time_point::max();
      Outgoing out;
      for (auto& [key, shard] : shards_) {
        if (shard->items == 0) continue;
        const auto due = shard->first_at + cfg_.timeout;
        if (due <= now) {
          const size_t before = out.size();
          drain(*shard, out);
          timeout_trigger_.add(out.size() - before);
        } else {
          next_due = std::min(next_due, due);
        }
      }
      if (!out.empty()) {
        lock.unlock();
        send(out, "timeout");
        lock.lock();
        continue;
      }
      if (next_due == Clock::time_point::max())
        wake_.wait(lock);
      else
        wake_.wait_until(lock, next_due);
    }
  }

  const std::string id_;
  const BatchConfig cfg_;
  std::vector<ContextKey> keys_;  // metadata_keys: headers, auth.<attribute>, client.address
  const size_t max_items_;
  const size_t pending_limit_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, std::unique_ptr<Shard>, std::less<>> shards_;
  std::atomic<size_t> pending_{0};  // buffered plus being sent downstream
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread timer_;

  Counter& send_size_sum_;
  Counter& send_size_count_;
  Counter& size_trigger_;
  Counter& timeout_trigger_;
  Counter& refused_;
  Counter& dropped_;
  Gauge& cardinality_;
};

class BatchProcessorFactory final : public processors::ProcessorFactoryOf<BatchConfig, BatchProcessor> {
 public:
  BatchProcessorFactory() : ProcessorFactoryOf("batch", parse_config) {}
};

}  // namespace

}  // namespace otlpd::batch_processor

using otlpd::batch_processor::BatchProcessorFactory;
OTLPD_REGISTER_FACTORY(BatchProcessorFactory)
