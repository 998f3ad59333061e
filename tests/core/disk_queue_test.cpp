// The persistent queue's segment log (platform/disk_queue.h): order, restart, reclaiming, limits, damage, I/O errors.
#include "platform/disk_queue.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "platform/crc32c.h"
#include "support/daemon.h"

using namespace otlpd;
namespace fs = std::filesystem;

namespace {

auto soon() { return std::chrono::steady_clock::now() + std::chrono::seconds(5); }
auto now() { return std::chrono::steady_clock::now(); }

DiskQueueOptions opts(const fs::path& dir) {
  DiskQueueOptions o;
  o.directory = dir / "q";
  o.capacity = 100000;
  return o;
}

std::string payload(int i) {
  std::string s = "record-";
  s += std::to_string(i);
  s.append(static_cast<size_t>(i % 7) * 10, 'x');
  return s;
}

std::string writer_record(int t, int i) {
  std::string s = "t";
  s += std::to_string(t);
  s += '-';
  s += std::to_string(i);
  s.append(200, '.');
  return s;
}

// What a reader saw of writer_record()s: each once, whole, and each writer's in the order written.
struct WriterRecords {
  std::set<std::string> seen;
  std::map<int, int> last_of_thread;
  bool in_order = true;
  bool whole = true;
  int duplicates = 0;

  void add(const std::string& bytes) {
    auto dash = bytes.find('-');
    int t = std::stoi(bytes.substr(1, dash - 1));
    int i = std::stoi(bytes.substr(dash + 1));
    if (bytes != writer_record(t, i)) whole = false;
    auto it = last_of_thread.find(t);
    if (it != last_of_thread.end() && it->second >= i) in_order = false;
    last_of_thread[t] = i;
    if (!seen.insert(bytes).second) ++duplicates;
  }
};

std::vector<fs::path> segments(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".seg") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

void push_n(DiskQueue& q, int from, int to) {
  for (int i = from; i < to; ++i)
    REQUIRE(q.push(payload(i), static_cast<uint32_t>(i)).outcome == DiskQueue::Outcome::ok);
}

}  // namespace

TEST_CASE("crc32c matches the published check value", "[disk_queue]") {
  CHECK(crc32c("123456789") == 0xE3069283u);
  CHECK(crc32c("") == 0u);
  // The same value whether the bytes come at once or in pieces of any alignment.
  std::string long_text(1000, 'a');
  for (size_t i = 0; i < long_text.size(); ++i) long_text[i] = static_cast<char>(i * 31);
  uint32_t whole = crc32c(long_text);
  uint32_t parts = crc32c_extend(crc32c_extend(0, long_text.data(), 13), long_text.data() + 13, long_text.size() - 13);
  CHECK(whole == parts);
}

TEST_CASE("disk queue: records come out in order and a restart resumes after what was acknowledged", "[disk_queue]") {
  test::TempDir dir;
  auto o = opts(dir.path());
  {
    auto q = DiskQueue::open(o);
    push_n(*q, 0, 5);
    CHECK(q->size().records == 5);
    auto a = q->take(soon());
    auto b = q->take(soon());
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->bytes == payload(0));
    CHECK(b->bytes == payload(1));
    CHECK_FALSE(a->redelivery);
    q->ack(*a);  // b stays taken: in flight when the process stops
    CHECK(q->size().records == 4);
  }
  DiskQueue::Recovered r;
  auto q = DiskQueue::open(o, &r);
  CHECK(r.records == 4);
  CHECK(r.items == 1 + 2 + 3 + 4);
  CHECK(r.redelivered_records == 1);
  CHECK(r.redelivered_items == 1);
  CHECK(r.damage.empty());
  std::vector<std::string> got;
  while (auto rec = q->take(now())) {
    got.push_back(rec->bytes);
    if (rec->bytes == payload(1)) CHECK(rec->redelivery);
    q->ack(*rec);
  }
  CHECK(got == std::vector<std::string>{payload(1), payload(2), payload(3), payload(4)});
  // New records continue the sequence after a restart.
  push_n(*q, 5, 6);
  auto rec = q->take(soon());
  REQUIRE(rec);
  CHECK(rec->bytes == payload(5));
  CHECK(rec->seq == 6);
}

TEST_CASE("disk queue: segments are deleted once every record in them is acknowledged", "[disk_queue]") {
  test::TempDir dir;
  auto o = opts(dir.path());
  o.max_segment_bytes = 256;
  auto q = DiskQueue::open(o);
  push_n(*q, 0, 40);
  CHECK(segments(o.directory).size() > 5);
  std::vector<DiskQueue::Record> held;
  while (auto rec = q->take(now())) held.push_back(std::move(*rec));
  REQUIRE(held.size() == 40);
  // Acknowledged out of order; the last to go releases the first segments.
  for (size_t i = held.size(); i-- > 1;) q->ack(held[i]);
  CHECK(segments(o.directory).size() > 1);
  q->ack(held[0]);
  CHECK(segments(o.directory).size() == 1);  // the tail being written
  CHECK(q->size().records == 0);
}

TEST_CASE("disk queue: capacity by requests, items or bytes, and too large is told apart", "[disk_queue]") {
  test::TempDir dir;
  auto o = opts(dir.path());
  SECTION("requests") {
    o.capacity = 3;
    auto q = DiskQueue::open(o);
    push_n(*q, 0, 3);
    CHECK(q->push("x", 1).outcome == DiskQueue::Outcome::full);
    auto rec = q->take(soon());
    REQUIRE(rec);
    CHECK(q->push("x", 1).outcome == DiskQueue::Outcome::full);  // taken is not yet done
    q->ack(*rec);
    CHECK(q->push("x", 1).outcome == DiskQueue::Outcome::ok);
  }
  SECTION("items") {
    o.sizer = DiskQueueOptions::Sizer::items;
    o.capacity = 10;
    auto q = DiskQueue::open(o);
    CHECK(q->push("a", 6).outcome == DiskQueue::Outcome::ok);
    CHECK(q->push("b", 5).outcome == DiskQueue::Outcome::full);
    CHECK(q->push("c", 4).outcome == DiskQueue::Outcome::ok);
    CHECK(q->push("d", 11).outcome == DiskQueue::Outcome::too_large);
    CHECK(q->used() == 10);
  }
  SECTION("bytes") {
    o.sizer = DiskQueueOptions::Sizer::bytes;
    o.capacity = 100;
    auto q = DiskQueue::open(o);
    CHECK(q->push(std::string(60, 'a'), 1).outcome == DiskQueue::Outcome::ok);
    CHECK(q->push(std::string(60, 'b'), 1).outcome == DiskQueue::Outcome::full);
    CHECK(q->push(std::string(101, 'c'), 1).outcome == DiskQueue::Outcome::too_large);
    auto rec = q->take(soon());
    REQUIRE(rec);
    std::string moved = std::move(rec->bytes);  // the caller keeps the payload; ack still frees its size
    q->ack(*rec);
    CHECK(q->used() == 0);
    CHECK(q->push(std::string(60, 'b'), 1).outcome == DiskQueue::Outcome::ok);
  }
  SECTION("the capacity counts what a restart found") {
    o.capacity = 3;
    DiskQueue::open(o)->push("a", 1);
    auto q = DiskQueue::open(o);
    push_n(*q, 0, 2);
    CHECK(q->push("x", 1).outcome == DiskQueue::Outcome::full);
  }
}

TEST_CASE("disk queue: a torn tail is cut off and moved aside, what came before it is delivered", "[disk_queue]") {
  test::TempDir dir;
  auto o = opts(dir.path());
  DiskQueue::open(o)->push("a", 1);
  {
    auto q = DiskQueue::open(o);
    push_n(*q, 0, 3);
  }
  auto segs = segments(o.directory);
  REQUIRE(segs.size() == 2);  // each run writes into a segment of its own
  auto victim = segs[1];
  auto full = fs::file_size(victim);
  fs::resize_file(victim, full - 5);
  DiskQueue::Recovered r;
  auto q = DiskQueue::open(o, &r);
  CHECK(r.records == 3);  // "a" and records 0 and 1
  REQUIRE(r.damage.size() == 1);
  CHECK(r.damage[0].find("torn record") != std::string::npos);
  CHECK(r.damaged_bytes == 32 + payload(2).size() - 5);
  CHECK(fs::exists(o.directory / "damaged"));
  CHECK(std::distance(fs::directory_iterator(o.directory / "damaged"), fs::directory_iterator()) == 1);
  std::vector<std::string> got;
  while (auto rec = q->take(now())) got.push_back(rec->bytes);
  CHECK(got == std::vector<std::string>{"a", payload(0), payload(1)});
}

TEST_CASE("disk queue: a flipped byte is caught by the checksum and later segments are still delivered",
          "[disk_queue]") {
  test::TempDir dir;
  auto o = opts(dir.path());
  o.max_segment_bytes = 3 * (32 + 20);
  {
    auto q = DiskQueue::open(o);
    for (int i = 0; i < 9; ++i)
      REQUIRE(q->push(std::string(20, static_cast<char>('a' + i)), 1).outcome == DiskQueue::Outcome::ok);
  }
  auto segs = segments(o.directory);
  REQUIRE(segs.size() >= 3);
  {
    // The second record of the first segment: one payload byte changed.
    std::fstream f(segs[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(52 + 32 + 7);
    f.put('Z');
  }
  DiskQueue::Recovered r;
  auto q = DiskQueue::open(o, &r);
  REQUIRE(r.damage.size() == 1);
  CHECK(r.damage[0].find("checksum mismatch") != std::string::npos);
  CHECK(r.damaged_bytes == 2 * 52);  // the bad record and the one after it in that segment
  std::string got;
  while (auto rec = q->take(now())) {
    got += rec->bytes[0];
    q->ack(*rec);
  }
  CHECK(got == "adefghi");
}

TEST_CASE("disk queue: concurrent pushes share writes, each acknowledged one is on disk once", "[disk_queue]") {
  test::TempDir dir;
  auto o = opts(dir.path());
  o.fsync = true;
  o.max_segment_bytes = 64 << 10;
  constexpr int kThreads = 8;
  constexpr int kEach = 150;
  {
    auto q = DiskQueue::open(o);
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i)
          if (q->push(writer_record(t, i), 1).outcome == DiskQueue::Outcome::ok) ++ok;
      });
    for (auto& t : threads) t.join();
    CHECK(ok == kThreads * kEach);
  }
  auto q = DiskQueue::open(o);
  WriterRecords read;
  while (auto rec = q->take(now())) read.add(rec->bytes);
  CHECK(read.seen.size() == kThreads * kEach);
  CHECK(read.duplicates == 0);
  CHECK(read.in_order);  // each writer's records in the order it wrote them
}

TEST_CASE("disk queue: a reader beside synced groups in flight reads every record once, in order, across segments",
          "[disk_queue]") {
  // Groups are written while earlier ones are still in fdatasync, and segments roll over under them: the reader
  // must neither pass a segment whose last group is not answered yet nor see a record twice.
  test::TempDir dir;
  auto o = opts(dir.path());
  o.fsync = true;
  o.max_segment_bytes = 16 << 10;
  constexpr int kThreads = 12;
  constexpr int kEach = 120;
  auto q = DiskQueue::open(o);
  std::atomic<int> writers_left{kThreads};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i)
        if (q->push(writer_record(t, i), 1).outcome != DiskQueue::Outcome::ok) ++failed;
      --writers_left;
    });
  WriterRecords read;
  const auto give_up = now() + std::chrono::seconds(60);
  while (static_cast<int>(read.seen.size()) < kThreads * kEach && now() < give_up) {
    auto rec = q->take(now() + std::chrono::milliseconds(100));
    if (!rec) continue;
    read.add(rec->bytes);
    q->ack(*rec);
  }
  for (auto& t : threads) t.join();
  CHECK(writers_left == 0);
  CHECK(failed == 0);
  CHECK(read.seen.size() == kThreads * kEach);
  CHECK(read.duplicates == 0);
  CHECK(read.in_order);
  CHECK(q->size().records == 0);
  CHECK(segments(o.directory).size() == 1);  // every segment read and acknowledged was deleted
}

namespace {

// Counts push_async answers, and waits (bounded) for a number of them.
struct Answers {
  std::mutex mu;
  std::condition_variable cv;
  int ok = 0, other = 0;
  std::function<void(DiskQueue::PushResult)> callback() {
    return [this](DiskQueue::PushResult r) {
      std::lock_guard lock(mu);
      (r.outcome == DiskQueue::Outcome::ok ? ok : other) += 1;
      cv.notify_all();
    };
  }
  bool wait_for(int n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(60), [&] { return ok + other >= n; });
  }
};

// push_async of `record` in three pieces that share one string.
void push_pieces(DiskQueue& q, std::string record, std::function<void(DiskQueue::PushResult)> done) {
  auto keep = std::make_shared<const std::string>(std::move(record));
  std::string_view all(*keep);
  const size_t third = all.size() / 3;
  q.push_async({all.substr(0, third), all.substr(third, third), all.substr(2 * third)}, keep, 1, std::move(done));
}

}  // namespace

TEST_CASE("disk queue: asynchronous pushes are answered once each and share groups with waiting pushes",
          "[disk_queue]") {
  test::TempDir dir;
  auto o = opts(dir.path());
  o.fsync = true;
  o.max_segment_bytes = 32 << 10;
  constexpr int kAsync = 6, kSync = 2, kEach = 100;
  Answers answers;
  std::atomic<int> sync_ok{0};
  {
    auto q = DiskQueue::open(o);
    std::vector<std::thread> threads;
    for (int t = 0; t < kAsync + kSync; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          if (t < kAsync)
            push_pieces(*q, writer_record(t, i), answers.callback());
          else if (q->push(writer_record(t, i), 1).outcome == DiskQueue::Outcome::ok)
            ++sync_ok;
        }
      });
    for (auto& t : threads) t.join();
    REQUIRE(answers.wait_for(kAsync * kEach));
    CHECK(answers.ok == kAsync * kEach);
    CHECK(answers.other == 0);
    CHECK(sync_ok == kSync * kEach);
  }
  // Everything answered is on disk, whole (its pieces in order), once, and in each writer's order.
  auto q = DiskQueue::open(o);
  WriterRecords read;
  while (auto rec = q->take(now())) read.add(rec->bytes);
  CHECK(read.seen.size() == (kAsync + kSync) * kEach);
  CHECK(read.duplicates == 0);
  CHECK(read.whole);
  CHECK(read.in_order);
}

TEST_CASE("disk queue: an asynchronous push without room is answered at once, and the queue's end answers the rest",
          "[disk_queue]") {
  test::TempDir dir;
  auto o = opts(dir.path());
  o.capacity = 3;  // requests
  auto q = DiskQueue::open(o);
  Answers answers;
  for (int i = 0; i < 3; ++i) push_pieces(*q, payload(i), answers.callback());
  REQUIRE(answers.wait_for(3));
  CHECK(answers.ok == 3);
  // Full: answered before push_async returns, on this thread.
  std::optional<DiskQueue::Outcome> full;
  push_pieces(*q, payload(3), [&](DiskQueue::PushResult r) { full = r.outcome; });
  CHECK(full == DiskQueue::Outcome::full);
  // Room again once one is acknowledged; the queue destroyed right after a push still answers it first.
  auto rec = q->take(soon());
  REQUIRE(rec);
  q->ack(*rec);
  push_pieces(*q, payload(4), answers.callback());
  q.reset();
  CHECK(answers.ok == 4);
  q = DiskQueue::open(o);
  CHECK(q->size().records == 3);
}

TEST_CASE("disk queue: a second holder of the directory is refused after the lock timeout", "[disk_queue]") {
  test::TempDir dir;
  auto o = opts(dir.path());
  o.lock_timeout = std::chrono::milliseconds(50);
  auto q = DiskQueue::open(o);
  CHECK_THROWS_WITH(DiskQueue::open(o), Catch::Contains("in use"));
  q.reset();
  CHECK_NOTHROW(DiskQueue::open(o));
}

TEST_CASE("disk queue: a failed write keeps nothing of it, and writing works again when space returns",
          "[disk_queue]") {
  // In a child process: RLIMIT_FSIZE stands in for a full disk (writes past it fail with EFBIG).
  test::TempDir dir;
  auto o = opts(dir.path());
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    int code = 0;
    try {
      auto q = DiskQueue::open(o);
      rlimit lim{};
      getrlimit(RLIMIT_FSIZE, &lim);
      rlimit small = lim;
      small.rlim_cur = 4096;
      setrlimit(RLIMIT_FSIZE, &small);
      int ok = 0;
      DiskQueue::PushResult res;
      for (int i = 0; i < 100; ++i) {
        res = q->push(std::string(1000, 'a'), 1);
        if (res.outcome != DiskQueue::Outcome::ok) break;
        ++ok;
      }
      if (res.outcome != DiskQueue::Outcome::failed || ok != 3) code = 10 + ok;
      if (code == 0 && q->size().records != 3) code = 2;
      setrlimit(RLIMIT_FSIZE, &lim);
      if (code == 0 && q->push(std::string(1000, 'b'), 1).outcome != DiskQueue::Outcome::ok) code = 3;
      int n = 0;
      std::string last;
      while (auto rec = q->take(std::chrono::steady_clock::now())) {
        ++n;
        last = rec->bytes;
      }
      if (code == 0 && (n != 4 || last != std::string(1000, 'b'))) code = 4;
    } catch (...) {
      code = 5;
    }
    _exit(code);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
