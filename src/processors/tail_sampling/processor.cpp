// Tail sampling: sharded pending traces stored as serialised bytes, a decision thread, decision caches.
#include "processors/tail_sampling/processor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <new>
#include <queue>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/registry.h"
#include "platform/telemetry.h"
#include "processors/tail_sampling/chunk_encoder.h"
#include "processors/tail_sampling/decision_cache.h"
#include "processors/tail_sampling/policies.h"

namespace otlpd::tail_sampling {

namespace {

// Bytes counted for each pending trace besides its spans: its map node, queue entry and bookkeeping.
constexpr size_t kTraceOverheadBytes = 160;
// Traces decided per round of the decision thread before it looks at the clock again.
constexpr size_t kMaxTracesPerRound = 4096;
// A sampled batch handed downstream is cut at about this many serialised bytes.
constexpr size_t kMaxOutputBytes = 4 * 1024 * 1024;
// How long consume() waits for room when the pending traces are over their bounds.
constexpr auto kMaxBackpressureWait = std::chrono::seconds(5);

struct PendingTrace {
  ByteBuffer data;  // ResourceSpans serialisations, concatenated
  Clock::time_point first_arrival;
  uint64_t seq = 0;  // tells queue entries of an earlier trace with the same id apart
  uint32_t spans = 0;
  bool root_seen = false;
  bool deciding = false;  // taken by the decision thread; spans arriving meanwhile follow its decision
};

struct QueueEntry {
  TraceId id;
  uint64_t seq;
  Clock::time_point deadline;
};
constexpr size_t kQueueEntryBytes = sizeof(QueueEntry);

struct Shard {
  Shard(size_t sampled_cache, size_t not_sampled_cache) : sampled(sampled_cache), not_sampled(not_sampled_cache) {}
  std::mutex mu;
  std::unordered_map<TraceId, PendingTrace, TraceIdHash> traces;
  std::deque<QueueEntry> by_arrival;  // first arrival + decision_wait, in arrival order
  std::deque<QueueEntry> by_root;     // root arrival + decision_wait_after_root_received
  DecisionCache sampled, not_sampled;
  uint64_t next_seq = 1;
};

// A trace taken out of its shard for deciding.
struct Taken {
  TraceId id;
  uint32_t shard;
  uint64_t seq;
  ByteBuffer data;
  uint32_t spans;
};

uint32_t shard_count(uint32_t configured) {
  if (configured) return configured;
  uint32_t n = std::max(2u, std::thread::hardware_concurrency()) * 8;
  return std::min(n, 256u);
}

}  // namespace

struct TailSamplingProcessor::Impl {
  Impl(std::string id_, Telemetry& tel, const TailSamplingConfig& c, TailSamplingProcessor* owner_)
      : id(std::move(id_)),
        cfg(c),
        owner(owner_),
        wait(std::chrono::duration_cast<Clock::duration>(c.decision_wait)),
        root_wait(std::chrono::duration_cast<Clock::duration>(c.decision_wait_after_root_received)),
        max_bytes(c.max_memory_bytes()),
        traces_gauge(tel.gauge("otelcol_processor_tail_sampling_sampling_traces_on_memory", {{"processor", id}})),
        spans_gauge(tel.gauge("otelcol_processor_tail_sampling_sampling_spans_on_memory", {{"processor", id}})),
        bytes_gauge(tel.gauge("otelcol_processor_tail_sampling_sampling_bytes_on_memory", {{"processor", id}})),
        new_traces(tel.counter("otelcol_processor_tail_sampling_new_trace_id_received", {{"processor", id}})),
        sampled_traces(tel.counter("otelcol_processor_tail_sampling_global_count_traces_sampled",
                                   {{"processor", id}, {"sampled", "true"}})),
        not_sampled_traces(tel.counter("otelcol_processor_tail_sampling_global_count_traces_sampled",
                                       {{"processor", id}, {"sampled", "false"}})),
        late_sampled(tel.counter("otelcol_processor_tail_sampling_sampling_late_spans",
                                 {{"processor", id}, {"decision", "sampled"}})),
        late_not_sampled(tel.counter("otelcol_processor_tail_sampling_sampling_late_spans",
                                     {{"processor", id}, {"decision", "not_sampled"}})),
        early_memory(
            tel.counter("otelcol_processor_tail_sampling_early_decisions", {{"processor", id}, {"reason", "memory"}})),
        early_num_traces(tel.counter("otelcol_processor_tail_sampling_early_decisions",
                                     {{"processor", id}, {"reason", "num_traces"}})),
        dropped_spans(tel.counter("otelcol_processor_dropped_spans", {{"processor", id}})) {
    for (const auto& p : cfg.policies) {
      PolicyEntry e;
      e.policy = make_policy(p);
      e.sampled = &tel.counter("otelcol_processor_tail_sampling_count_traces_sampled",
                               {{"processor", id}, {"policy", p.name}, {"sampled", "true"}});
      e.not_sampled = &tel.counter("otelcol_processor_tail_sampling_count_traces_sampled",
                                   {{"processor", id}, {"policy", p.name}, {"sampled", "false"}});
      policies.push_back(std::move(e));
    }
    uint32_t n = shard_count(cfg.num_shards);
    size_t sampled_per_shard = (cfg.decision_cache.sampled_cache_size + n - 1) / n;
    size_t not_sampled_per_shard = (cfg.decision_cache.non_sampled_cache_size + n - 1) / n;
    uint64_t expected = cfg.expected_new_traces_per_sec *
                        static_cast<uint64_t>(std::max<int64_t>(
                            1, std::chrono::duration_cast<std::chrono::seconds>(cfg.decision_wait).count()));
    expected = std::min(expected, cfg.num_traces);
    for (uint32_t i = 0; i < n; ++i) {
      shards.push_back(std::make_unique<Shard>(sampled_per_shard, not_sampled_per_shard));
      if (expected) shards.back()->traces.reserve(expected / n + 1);
    }
  }

  struct PolicyEntry {
    PolicyPtr policy;
    Counter* sampled = nullptr;
    Counter* not_sampled = nullptr;
  };

  // --- accounting -------------------------------------------------------------------------------------------

  void add_pending(int64_t traces, int64_t spans, int64_t bytes) {
    if (traces) {
      traces_pending.fetch_add(traces, std::memory_order_relaxed);
      traces_gauge.add(traces);
    }
    if (spans) spans_gauge.add(spans);
    if (bytes) {
      bytes_pending.fetch_add(bytes, std::memory_order_relaxed);
      bytes_gauge.add(bytes);
    }
  }

  bool over_traces() const {
    return traces_pending.load(std::memory_order_relaxed) > static_cast<int64_t>(cfg.num_traces);
  }
  bool over_bytes(double fraction = 1.0) const {
    return max_bytes && bytes_pending.load(std::memory_order_relaxed) >
                            static_cast<int64_t>(static_cast<double>(max_bytes) * fraction);
  }

  void wake_decider() {
    {
      std::lock_guard lock(wake_mu);
      ++wake_epoch;
    }
    wake_cv.notify_one();
  }

  // Waits (bounded) while the pending traces are over num_traces or max_memory_mib; false if still over.
  bool wait_for_room() {
    if (!over_traces() && !over_bytes()) return true;
    wake_decider();
    std::unique_lock lock(room_mu);
    return room_cv.wait_for(lock, kMaxBackpressureWait, [&] {
      return stopping.load() || (!over_traces() && !over_bytes());
    }) && !stopping.load();
  }

  void notify_room() {
    { std::lock_guard lock(room_mu); }
    room_cv.notify_all();
  }

  // --- ingestion --------------------------------------------------------------------------------------------

  Status consume(TraceBatch batch) {
    // Entered before checking `stopping` (both sequentially consistent): shutdown() either sees this call in
    // flight and waits for it, or this call sees `stopping`.
    in_flight.fetch_add(1);
    struct Leave {
      std::atomic<int>& n;
      ~Leave() { n.fetch_sub(1); }
    } leave{in_flight};
    if (stopping.load()) return Status::retryable("tail_sampling processor is shutting down");
    if (!wait_for_room())
      return Status::retryable("tail_sampling: pending traces are over num_traces or max_memory_mib",
                               std::chrono::seconds(1), true);

    SpanIndex index;
    if (auto err = index.add(batch); !err.empty()) return Status::permanent("tail_sampling: " + err);
    auto& refs = index.refs;
    for (auto& r : refs) r.shard = static_cast<uint32_t>((r.id.hash() >> 32) % shards.size());
    if (refs.empty()) return Status::ok();
    std::stable_sort(refs.begin(), refs.end(), [](const SpanRef& a, const SpanRef& b) {
      if (a.shard != b.shard) return a.shard < b.shard;
      if (a.id.hi != b.id.hi) return a.id.hi < b.id.hi;
      if (a.id.lo != b.id.lo) return a.id.lo < b.id.lo;
      return a.scope < b.scope;
    });

    ChunkEncoder enc(index.resources, index.scopes);
    ByteBuffer late_out;  // spans of traces already sampled: sent on at once
    size_t late_out_spans = 0;
    bool wake = false;
    int64_t d_traces = 0, d_spans = 0, d_bytes = 0;
    uint64_t late_s = 0, late_n = 0, created = 0;

    const SpanRef* p = refs.data();
    const SpanRef* end = p + refs.size();
    while (p != end) {
      uint32_t shard_index = p->shard;
      Shard& shard = *shards[shard_index];
      std::lock_guard lock(shard.mu);
      auto now = Clock::now();
      while (p != end && p->shard == shard_index) {
        const SpanRef* group_end = p;
        bool has_root = false;
        while (group_end != end && group_end->shard == shard_index && group_end->id == p->id) {
          has_root = has_root || group_end->root;
          ++group_end;
        }
        auto n = static_cast<uint32_t>(group_end - p);
        auto it = shard.traces.find(p->id);
        if (it == shard.traces.end()) {
          if (shard.sampled.contains(p->id)) {
            size_t size = enc.measure(p, group_end);
            enc.write(late_out.extend(size), p, group_end);
            late_out_spans += n;
            late_s += n;
            p = group_end;
            continue;
          }
          if (shard.not_sampled.contains(p->id)) {
            late_n += n;
            p = group_end;
            continue;
          }
          it = shard.traces.try_emplace(p->id).first;
          PendingTrace& t = it->second;
          t.first_arrival = now;
          t.seq = shard.next_seq++;
          if (shard.by_arrival.empty()) wake = true;
          shard.by_arrival.push_back({p->id, t.seq, now + wait});
          ++d_traces;
          d_bytes += static_cast<int64_t>(kTraceOverheadBytes + kQueueEntryBytes);
          ++created;
        }
        PendingTrace& t = it->second;
        size_t old_cap = t.data.capacity();
        size_t size = enc.measure(p, group_end);
        enc.write(t.data.extend(size), p, group_end);
        d_bytes += static_cast<int64_t>(t.data.capacity() - old_cap);
        d_spans += n;
        t.spans += n;
        if (has_root && root_wait.count() > 0 && !t.root_seen && !t.deciding) {
          t.root_seen = true;
          auto deadline = now + root_wait;
          if (deadline < t.first_arrival + wait) {
            if (shard.by_root.empty()) wake = true;
            shard.by_root.push_back({p->id, t.seq, deadline});
            d_bytes += static_cast<int64_t>(kQueueEntryBytes);
          }
        }
        p = group_end;
      }
    }
    add_pending(d_traces, d_spans, d_bytes);
    if (created) new_traces.add(created);
    if (late_s) late_sampled.add(late_s);
    if (late_n) late_not_sampled.add(late_n);
    if (wake || over_traces() || over_bytes()) wake_decider();
    if (late_out.size()) forward(std::string_view(late_out.data(), late_out.size()), late_out_spans);
    return Status::ok();
  }

  // Hands serialised ResourceSpans downstream as one batch of bytes: exporters that send OTLP forward them
  // without decoding. No check of the bytes: spans are copied as they came from checked requests (decoded-only
  // parts are checked in SpanIndex::add), inside framing our encoder writes, and `spans` counts them.
  void forward(std::string_view bytes, size_t spans) {
    auto out = TraceBatch::adopt_wire(std::string(bytes), spans);
    Status st = owner->forward(std::move(out));
    if (!st.is_ok()) {
      dropped_spans.add(spans);
      spdlog::warn("tail_sampling {}: next consumer refused {} sampled spans: {}", id, spans, st.message());
    }
  }

  // --- deciding ---------------------------------------------------------------------------------------------

  // Takes the trace a queue entry names, if it is still pending (under the shard's lock).
  bool take(Shard& shard, uint32_t shard_index, const QueueEntry& e, std::vector<Taken>& out) {
    auto it = shard.traces.find(e.id);
    if (it == shard.traces.end() || it->second.seq != e.seq || it->second.deciding) return false;
    PendingTrace& t = it->second;
    t.deciding = true;
    int64_t bytes = static_cast<int64_t>(t.data.capacity() + kTraceOverheadBytes);
    int64_t spans = t.spans;
    out.push_back(Taken{e.id, shard_index, e.seq, std::move(t.data), t.spans});
    t.data = ByteBuffer();
    t.spans = 0;
    add_pending(-1, -spans, -bytes);
    return true;
  }

  void pop_entry(std::deque<QueueEntry>& q) {
    q.pop_front();
    add_pending(0, 0, -static_cast<int64_t>(kQueueEntryBytes));
  }

  // Traces whose deadline has passed.
  void take_due(Clock::time_point now, std::vector<Taken>& out) {
    for (size_t k = 0; k < shards.size() && out.size() < kMaxTracesPerRound; ++k) {
      uint32_t i = static_cast<uint32_t>((round_start + k) % shards.size());
      Shard& s = *shards[i];
      std::lock_guard lock(s.mu);
      for (auto* q : {&s.by_root, &s.by_arrival})
        while (!q->empty() && q->front().deadline <= now && out.size() < kMaxTracesPerRound) {
          take(s, i, q->front(), out);
          pop_entry(*q);
        }
    }
    round_start = (round_start + 1) % shards.size();
  }

  // Drops queue heads whose trace was decided another way (root received, or an earlier id with the same id).
  void drop_stale_heads(Shard& s) {
    while (!s.by_arrival.empty()) {
      const QueueEntry& e = s.by_arrival.front();
      auto it = s.traces.find(e.id);
      if (it != s.traces.end() && it->second.seq == e.seq && !it->second.deciding) return;
      pop_entry(s.by_arrival);
    }
  }

  // The oldest pending traces, while over num_traces or max_memory_mib (down to 95% of it): a merge of the
  // shards' arrival queues by their heads. Only this thread removes queue heads, so a head seen stays put.
  void take_early(std::vector<Taken>& out) {
    if (!over_traces() && !over_bytes()) return;
    using Head = std::pair<Clock::time_point, uint32_t>;
    std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
    for (uint32_t i = 0; i < shards.size(); ++i) {
      Shard& s = *shards[i];
      std::lock_guard lock(s.mu);
      drop_stale_heads(s);
      if (!s.by_arrival.empty()) heads.emplace(s.by_arrival.front().deadline, i);
    }
    while (!heads.empty() && out.size() < kMaxTracesPerRound) {
      bool memory = over_bytes(0.95);
      if (!memory && !over_traces()) return;
      uint32_t i = heads.top().second;
      heads.pop();
      Shard& s = *shards[i];
      std::lock_guard lock(s.mu);
      drop_stale_heads(s);
      if (s.by_arrival.empty()) continue;
      if (take(s, i, s.by_arrival.front(), out)) (memory ? early_memory : early_num_traces).add();
      pop_entry(s.by_arrival);
      drop_stale_heads(s);
      if (!s.by_arrival.empty()) heads.emplace(s.by_arrival.front().deadline, i);
    }
  }

  // Every pending trace (for shutdown).
  void take_all(std::vector<Taken>& out) {
    for (uint32_t i = 0; i < shards.size(); ++i) {
      Shard& s = *shards[i];
      std::lock_guard lock(s.mu);
      while (!s.by_arrival.empty()) pop_entry(s.by_arrival);
      while (!s.by_root.empty()) pop_entry(s.by_root);
      for (auto& [id, t] : s.traces)
        if (!t.deciding) take(s, i, QueueEntry{id, t.seq, {}}, out);
    }
  }

  // Runs the policies on taken traces, remembers the decisions, sends the sampled spans on.
  void decide(std::vector<Taken>& work, Clock::time_point now) {
    std::string out;
    size_t out_spans = 0;
    auto flush = [&] {
      if (!out.empty()) forward(out, out_spans);
      out.clear();
      out_spans = 0;
    };
    std::vector<bool> sampled(work.size());
    uint64_t n_sampled = 0, n_not_sampled = 0;
    for (size_t w = 0; w < work.size(); ++w) {
      Taken& t = work[w];
      auto id_bytes = t.id.bytes();
      TraceData td(std::string_view(t.data.data(), t.data.size()), t.spans,
                   std::string_view(id_bytes.data(), id_bytes.size()), scratch);
      DecisionCombiner combiner;
      decisions.clear();
      for (auto& p : policies) {
        Decision d = p.policy->evaluate(td, now);
        if (td.unreadable()) break;
        decisions.push_back(d);
        combiner.add(d);
        if (cfg.sample_on_first_match && d == Decision::sampled) break;
      }
      bool keep = false;
      if (td.unreadable()) {
        // Its bytes passed the check on the way in: a bug, so no policy gets to count it.
        spdlog::error("tail_sampling {}: could not re-read a buffered trace of {} spans; dropped", id, t.spans);
        dropped_spans.add(t.spans);
      } else {
        for (size_t i = 0; i < decisions.size(); ++i) {
          bool s = decisions[i] == Decision::sampled || decisions[i] == Decision::inverted_sampled;
          (s ? policies[i].sampled : policies[i].not_sampled)->add();
        }
        keep = combiner.sampled();
      }
      ++(keep ? n_sampled : n_not_sampled);
      sampled[w] = keep;
      if (keep) {
        out.append(t.data.data(), t.data.size());
        out_spans += t.spans;
        if (out.size() >= kMaxOutputBytes) flush();
      }
      t.data = ByteBuffer();
    }
    // Record the decisions; spans that arrived while deciding follow them.
    std::vector<size_t> order(work.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return work[a].shard < work[b].shard; });
    uint64_t late_s = 0, late_n = 0;
    for (size_t k = 0; k < order.size();) {
      uint32_t shard_index = work[order[k]].shard;
      Shard& s = *shards[shard_index];
      std::lock_guard lock(s.mu);
      for (; k < order.size() && work[order[k]].shard == shard_index; ++k) {
        const Taken& t = work[order[k]];
        bool keep = sampled[order[k]];
        (keep ? s.sampled : s.not_sampled).insert(t.id);
        auto it = s.traces.find(t.id);
        if (it == s.traces.end() || it->second.seq != t.seq) continue;
        PendingTrace& pt = it->second;
        if (pt.spans) {
          add_pending(0, -static_cast<int64_t>(pt.spans), -static_cast<int64_t>(pt.data.capacity()));
          if (keep) {
            out.append(pt.data.data(), pt.data.size());
            out_spans += pt.spans;
            late_s += pt.spans;
          } else {
            late_n += pt.spans;
          }
        }
        s.traces.erase(it);
      }
    }
    if (late_s) late_sampled.add(late_s);
    if (late_n) late_not_sampled.add(late_n);
    flush();
    // Counted once sent, so that a reader who sees a trace decided also sees its spans downstream.
    if (n_sampled) sampled_traces.add(n_sampled);
    if (n_not_sampled) not_sampled_traces.add(n_not_sampled);
  }

  Clock::time_point next_deadline() {
    auto next = Clock::time_point::max();
    for (auto& sp : shards) {
      std::lock_guard lock(sp->mu);
      if (!sp->by_arrival.empty()) next = std::min(next, sp->by_arrival.front().deadline);
      if (!sp->by_root.empty()) next = std::min(next, sp->by_root.front().deadline);
    }
    return next;
  }

  void run() {
    std::vector<Taken> work;
    while (!stop_decider.load()) {
      uint64_t epoch;
      {
        std::lock_guard lock(wake_mu);
        epoch = wake_epoch;
      }
      auto now = Clock::now();
      work.clear();
      take_due(now, work);
      take_early(work);
      if (!work.empty()) {
        decide(work, now);
        work.clear();
        notify_room();
        continue;
      }
      notify_room();
      auto next = std::min(next_deadline(), now + std::chrono::seconds(1));
      std::unique_lock lock(wake_mu);
      wake_cv.wait_until(lock, next, [&] { return stop_decider.load() || wake_epoch != epoch; });
    }
  }

  void shutdown(Deadline deadline) {
    stopping.store(true);
    notify_room();
    if (decider.joinable()) {
      {
        std::lock_guard lock(wake_mu);
        stop_decider.store(true);
      }
      wake_cv.notify_one();
      decider.join();
    }
    // Let consume() calls already inside finish adding their spans.
    while (in_flight.load() > 0 && Clock::now() < deadline) std::this_thread::yield();
    std::vector<Taken> work;
    take_all(work);
    if (cfg.drop_pending_traces_on_shutdown) {
      size_t spans = 0;
      for (const auto& t : work) spans += t.spans;
      dropped_spans.add(spans);
      if (!work.empty())
        spdlog::info("tail_sampling {}: dropped {} pending traces ({} spans) on shutdown", id, work.size(), spans);
      for (auto& t : work) {
        Shard& s = *shards[t.shard];
        std::lock_guard lock(s.mu);
        s.traces.erase(t.id);
      }
      return;
    }
    for (size_t begin = 0; begin < work.size(); begin += kMaxTracesPerRound) {
      size_t end = std::min(work.size(), begin + kMaxTracesPerRound);
      std::vector<Taken> round(std::make_move_iterator(work.begin() + static_cast<std::ptrdiff_t>(begin)),
                               std::make_move_iterator(work.begin() + static_cast<std::ptrdiff_t>(end)));
      decide(round, Clock::now());
    }
  }

  std::string id;
  const TailSamplingConfig cfg;  // a copy: the processor outlives the parsed config
  TailSamplingProcessor* owner;  // forward() hands sampled spans on (and counts them)
  Clock::duration wait;
  Clock::duration root_wait;
  uint64_t max_bytes;
  std::vector<PolicyEntry> policies;
  std::vector<std::unique_ptr<Shard>> shards;
  size_t round_start = 0;
  // Reused by the decision thread: the trace decoded for policies that need it, the policies' decisions.
  otlp_trace::ExportTraceServiceRequest scratch;
  std::vector<Decision> decisions;

  std::atomic<int64_t> traces_pending{0};
  std::atomic<int64_t> bytes_pending{0};
  std::atomic<bool> stopping{false};
  std::atomic<bool> stop_decider{false};
  std::atomic<int> in_flight{0};

  std::mutex wake_mu;
  std::condition_variable wake_cv;
  uint64_t wake_epoch = 0;
  std::mutex room_mu;
  std::condition_variable room_cv;
  std::thread decider;

  Gauge& traces_gauge;
  Gauge& spans_gauge;
  Gauge& bytes_gauge;
  Counter& new_traces;
  Counter& sampled_traces;
  Counter& not_sampled_traces;
  Counter& late_sampled;
  Counter& late_not_sampled;
  Counter& early_memory;
  Counter& early_num_traces;
  Counter& dropped_spans;
};

TailSamplingProcessor::TailSamplingProcessor(const CreateSettings& s, const TailSamplingConfig& config,
                                             TraceConsumer* next)
    : ProcessorBase(s, next), impl_(std::make_unique<Impl>(s.id.str(), s.telemetry(), config, this)) {}

TailSamplingProcessor::~TailSamplingProcessor() {
  if (impl_->decider.joinable()) {
    {
      std::lock_guard lock(impl_->wake_mu);
      impl_->stop_decider.store(true);
    }
    impl_->wake_cv.notify_one();
    impl_->decider.join();
  }
  // Whatever is still pending leaves the gauges.
  for (auto& s : impl_->shards) {
    std::lock_guard lock(s->mu);
    int64_t traces = 0, spans = 0, bytes = 0;
    for (auto& [id, t] : s->traces) {
      if (!t.deciding) {
        ++traces;
        bytes += static_cast<int64_t>(kTraceOverheadBytes);
      }
      spans += t.spans;
      bytes += static_cast<int64_t>(t.data.capacity());
    }
    bytes += static_cast<int64_t>((s->by_arrival.size() + s->by_root.size()) * kQueueEntryBytes);
    impl_->add_pending(-traces, -spans, -bytes);
  }
}

void TailSamplingProcessor::start(Host&) {
  if (!impl_->decider.joinable()) impl_->decider = std::thread([this] { impl_->run(); });
}

void TailSamplingProcessor::shutdown(Deadline deadline) { impl_->shutdown(deadline); }

Status TailSamplingProcessor::process(TraceBatch batch) { return impl_->consume(std::move(batch)); }

namespace {

class TailSamplingFactory final : public ProcessorFactory {
 public:
  std::string_view type() const override { return "tail_sampling"; }
  bool supports(Signal s) const override { return s == Signal::traces; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }
  ProcessorPtr create(const CreateSettings& s, const ComponentConfig& c, Signal signal, Consumers next) const override {
    if (signal != Signal::traces || !next.traces)
      throw std::runtime_error("tail_sampling processor " + s.id.str() + " supports traces pipelines only");
    return std::make_unique<TailSamplingProcessor>(s, config_as<TailSamplingConfig>(c), next.traces);
  }
};

}  // namespace

}  // namespace otlpd::tail_sampling

using otlpd::tail_sampling::TailSamplingFactory;
OTLPD_REGISTER_FACTORY(TailSamplingFactory)
