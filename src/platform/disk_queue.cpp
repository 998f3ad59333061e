// The persistent queue's segment log: record format, group commit, recovery and damage handling.
#include "platform/disk_queue.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <span>
#include <stdexcept>
#include <thread>

#include "platform/crc32c.h"

namespace otlpd {

namespace {

// Record header, little-endian:
//   0 u32 magic   4 u32 payload length   8 u64 seq   16 u32 items   20 u32 crc32c(header[0,20) + payload)
//   24 u32 state (outside the checksum; written in place)   28 u32 reserved (0)
constexpr uint32_t kMagic = 0x514C544Fu;  // "OTLQ"
constexpr size_t kHeader = 32;
constexpr size_t kStateOffset = 24;
constexpr uint32_t kStateNew = 0;
constexpr uint32_t kStateTaken = 0x4E4B4154u;  // "TAKN"
constexpr uint32_t kStateAcked = 0x444B4341u;  // "ACKD"; only this exact value skips a record
// Groups whose fdatasync may run at once. Concurrent fdatasync calls on one file are served together by the
// kernel and the device (a journal commit, a cache flush), so a group written while the last one is being synced
// is answered about one sync later instead of two; more than a few only makes groups smaller.
constexpr int kMaxSyncing = 4;

void put32(char* p, uint32_t v) { std::memcpy(p, &v, 4); }
void put64(char* p, uint64_t v) { std::memcpy(p, &v, 8); }
uint32_t get32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t get64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

std::string errno_text(const std::string& what, int err) { return what + ": " + std::strerror(err); }

// Reads exactly n bytes at off; returns how many were read (less at end of file). -1 on error.
ssize_t pread_full(int fd, char* buf, size_t n, uint64_t off) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, buf + got, n - got, static_cast<off_t>(off + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return static_cast<ssize_t>(got);
}

bool pwrite_full(int fd, const char* buf, size_t n, uint64_t off) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pwrite(fd, buf + done, n - done, static_cast<off_t>(off + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (r == 0) {
      errno = ENOSPC;
      return false;
    }
    done += static_cast<size_t>(r);
  }
  return true;
}

void fsync_dir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string segment_name(uint64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu.seg", static_cast<unsigned long long>(id));
  return buf;
}

uint32_t record_crc(const char* header, std::string_view payload) {
  return crc32c_extend(crc32c_extend(0, header, 20), payload.data(), payload.size());
}
uint32_t record_crc(const char* header, std::span<const std::string_view> pieces) {
  uint32_t crc = crc32c_extend(0, header, 20);
  for (auto piece : pieces) crc = crc32c_extend(crc, piece.data(), piece.size());
  return crc;
}

}  // namespace

struct DiskQueue::Segment {
  uint64_t id = 0;  // names the file; segments are read in id order
  std::filesystem::path path;
  int fd = -1;
  uint64_t size = 0;  // bytes readable: written and (with fsync) synced, by groups completed in order
  uint64_t end = 0;   // bytes written; the next group is written here. Final once a later segment exists.
  Size unread;        // records in it not yet taken (and not acknowledged)
  uint64_t taken_unacked = 0;
  ~Segment() {
    if (fd >= 0) ::close(fd);
  }
};

struct DiskQueue::Pending {
  std::condition_variable cv;  // woken when done, or when it is its turn to write the next group
  char header[kHeader];
  std::string_view one;                      // push(): the payload
  std::span<const std::string_view> pieces;  // the payload: `one`, or push_async's pieces in order
  size_t size = 0;                           // the payload's bytes
  uint32_t items = 0;
  std::vector<std::string_view> owned_pieces;  // push_async: the pieces, and what keeps them until written
  std::shared_ptr<const void> keep;
  std::function<void(PushResult)> on_done;  // push_async: answered through this (and then freed), not cv
  bool taken = false;                       // a leader has taken it into its group
  bool done = false;
  PushResult result;
};

// One group from its write to its answer. Groups are answered in the order they were written, so a segment's
// readable size only grows over bytes that are complete and synced.
struct DiskQueue::Flight {
  struct Run {
    std::shared_ptr<Segment> segment;
    uint64_t offset = 0, bytes = 0;
    Size records;  // what the run adds to the segment's unread records
  };
  std::vector<Pending*> group;
  std::vector<Run> runs;  // what was written, in order (a group may end one segment and start the next)
  bool synced = false;
  std::string sync_error;
};

DiskQueue::DiskQueue(DiskQueueOptions options) : options_(std::move(options)) {}

DiskQueue::~DiskQueue() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  commit_.notify_all();
  for (auto& t : committers_) t.join();  // each leaves once nothing is pending
  segments_.clear();
  read_seg_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

std::unique_ptr<DiskQueue> DiskQueue::open(const DiskQueueOptions& options, Recovered* recovered) {
  std::unique_ptr<DiskQueue> q(new DiskQueue(options));
  auto& dir = q->options_.directory;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create queue directory " + dir.string() + ": " + ec.message());
  q->lock_fd_ = ::open((dir / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (q->lock_fd_ < 0) throw std::runtime_error(errno_text("cannot open " + (dir / "lock").string(), errno));
  auto give_up = std::chrono::steady_clock::now() + options.lock_timeout;
  while (::flock(q->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR)
      throw std::runtime_error(errno_text("cannot lock " + (dir / "lock").string(), errno));
    if (std::chrono::steady_clock::now() >= give_up)
      throw std::runtime_error("queue directory " + dir.string() + " is in use (its lock is held by another queue " +
                               "or process) after waiting " + std::to_string(options.lock_timeout.count()) + "ms");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Recovered local;
  q->recover(recovered ? *recovered : local);
  return q;
}

uint64_t DiskQueue::quarantine(Segment& s, uint64_t offset, const std::string& why, std::string* note) {
  struct stat st {};
  uint64_t end = ::fstat(s.fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : offset;
  uint64_t n = end > offset ? end - offset : 0;
  auto damaged_dir = options_.directory / "damaged";
  std::error_code ec;
  std::filesystem::create_directories(damaged_dir, ec);
  auto target = damaged_dir / (s.path.filename().string() + "." + std::to_string(offset) + ".bad");
  std::string moved = "discarded (cannot write " + damaged_dir.string() + ")";
  int out = ec ? -1 : ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (out >= 0) {
    std::string buf(std::min<uint64_t>(n, 1u << 20), '\0');
    uint64_t done = 0;
    bool ok = true;
    while (done < n && ok) {
      size_t chunk = static_cast<size_t>(std::min<uint64_t>(buf.size(), n - done));
      ssize_t r = pread_full(s.fd, buf.data(), chunk, offset + done);
      ok = r > 0 && pwrite_full(out, buf.data(), static_cast<size_t>(r), done);
      done += r > 0 ? static_cast<uint64_t>(r) : 0;
    }
    ::close(out);
    if (ok) moved = "moved to " + target.string();
  }
  if (::ftruncate(s.fd, static_cast<off_t>(offset)) != 0) {
    // The bytes stay, but the segment's readable size ends before them: nothing reads past it in this run.
  }
  if (note)
    *note = s.path.string() + " at byte " + std::to_string(offset) + ": " + why + "; " + std::to_string(n) + " bytes " +
            moved;
  return n;
}

void DiskQueue::recover(Recovered& r) {
  std::vector<std::pair<uint64_t, std::filesystem::path>> found;
  for (const auto& e : std::filesystem::directory_iterator(options_.directory)) {
    auto name = e.path().filename().string();
    if (!e.is_regular_file() || name.size() != 24 || name.substr(20) != ".seg") continue;
    uint64_t seq = 0;
    bool digits = true;
    for (char c : name.substr(0, 20)) {
      digits = digits && c >= '0' && c <= '9';
      seq = seq * 10 + static_cast<uint64_t>(c - '0');
    }
    if (digits) found.emplace_back(seq, e.path());
  }
  std::sort(found.begin(), found.end());
  uint64_t last_seq = 0;
  std::string buf;
  for (const auto& [id, path] : found) {
    next_segment_id_ = std::max(next_segment_id_, id + 1);
    auto s = std::make_shared<Segment>();
    s->id = id;
    s->path = path;
    s->fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (s->fd < 0) throw std::runtime_error(errno_text("cannot open " + path.string(), errno));
    uint64_t off = 0;
    char h[kHeader];
    while (true) {
      ssize_t got = pread_full(s->fd, h, kHeader, off);
      if (got == 0) break;
      std::string why;
      uint32_t len = 0;
      if (got < 0) {
        why = errno_text("read error", errno);
      } else if (static_cast<size_t>(got) < kHeader) {
        why = "torn record header (" + std::to_string(got) + " of " + std::to_string(kHeader) + " bytes)";
      } else if (get32(h) != kMagic) {
        why = "not a record header";
      } else if ((len = get32(h + 4)) > options_.max_record_bytes && len > (64u << 20)) {
        why = "record length " + std::to_string(len) + " beyond any limit";
      } else {
        buf.resize(len);
        ssize_t pgot = pread_full(s->fd, buf.data(), len, off + kHeader);
        if (pgot < 0)
          why = errno_text("read error", errno);
        else if (static_cast<uint32_t>(pgot) < len)
          why = "torn record (" + std::to_string(pgot) + " of " + std::to_string(len) + " payload bytes)";
        else if (record_crc(h, buf) != get32(h + 20))
          why = "checksum mismatch";
      }
      if (!why.empty()) {
        std::string note;
        r.damaged_bytes += quarantine(*s, off, why, &note);
        r.damage.push_back(note);
        break;
      }
      uint64_t seq = get64(h + 8);
      uint32_t items = get32(h + 16);
      uint32_t state = get32(h + kStateOffset);
      last_seq = std::max(last_seq, seq);
      if (state != kStateAcked) {
        s->unread.records += 1;
        s->unread.items += items;
        s->unread.bytes += len;
        if (state == kStateTaken) {
          r.redelivered_records += 1;
          r.redelivered_items += items;
        }
      }
      off += kHeader + len;
    }
    s->size = off;
    s->end = off;
    if (s->unread.records == 0) {
      s.reset();
      std::filesystem::remove(path);
      continue;
    }
    r.records += s->unread.records;
    r.items += s->unread.items;
    r.bytes += s->unread.bytes;
    used_.records += s->unread.records;
    used_.items += s->unread.items;
    used_.bytes += s->unread.bytes;
    segments_.push_back(std::move(s));
  }
  next_seq_ = last_seq + 1;
  // Writing always starts in a fresh segment: what was there before is only read.
  segments_.push_back(new_segment());
  if (options_.fsync) fsync_dir(options_.directory);
  read_seg_ = segments_.front();
  read_off_ = 0;
  r.segments = segments_.size();
}

std::shared_ptr<DiskQueue::Segment> DiskQueue::new_segment() {
  auto s = std::make_shared<Segment>();
  s->id = next_segment_id_++;
  s->path = options_.directory / segment_name(s->id);
  s->fd = ::open(s->path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (s->fd < 0) throw std::runtime_error(errno_text("cannot create " + s->path.string(), errno));
  return s;
}

uint64_t DiskQueue::cost(uint64_t records, uint64_t items, uint64_t bytes) const {
  switch (options_.sizer) {
    case DiskQueueOptions::Sizer::items:
      return items;
    case DiskQueueOptions::Sizer::bytes:
      return bytes;
    case DiskQueueOptions::Sizer::requests:
      break;
  }
  return records;
}

std::optional<DiskQueue::PushResult> DiskQueue::admit(Pending& p) {
  const auto size = p.size;
  if (size > options_.max_record_bytes || cost(1, p.items, size) > options_.capacity)
    return PushResult{Outcome::too_large, "a request of " + std::to_string(size) + " bytes and " +
                                              std::to_string(p.items) +
                                              " items is larger than the queue can ever hold"};
  if (closed_) return PushResult{Outcome::failed, "the queue is closed"};
  if (cost(used_.records, used_.items, used_.bytes) + cost(1, p.items, size) > options_.capacity)
    return PushResult{Outcome::full, {}};
  used_.records += 1;
  used_.items += p.items;
  used_.bytes += size;
  uint64_t seq = next_seq_++;
  put32(p.header, kMagic);
  put32(p.header + 4, static_cast<uint32_t>(size));
  put64(p.header + 8, seq);
  put32(p.header + 16, p.items);
  put32(p.header + 20, record_crc(p.header, p.pieces));
  put32(p.header + kStateOffset, kStateNew);
  put32(p.header + 28, 0);
  pending_.push_back(&p);
  return std::nullopt;
}

DiskQueue::PushResult DiskQueue::push(std::string_view bytes, uint32_t items) {
  Pending p;
  p.one = bytes;
  p.pieces = {&p.one, 1};
  p.size = bytes.size();
  p.items = items;
  std::unique_lock lock(mu_);
  if (auto refused = admit(p)) return *refused;
  // Group commit: a pusher that finds no group being written (and fewer than kMaxSyncing being synced) takes every
  // pending record into its group and writes it; while that group's fdatasync runs the next group is written.
  // Each waits on its own condition variable, woken when its group is answered or when it may lead the next one.
  while (!p.done) {
    if (p.taken || writing_ || syncing_ >= kMaxSyncing) {
      p.cv.wait(lock);
      continue;
    }
    lead(lock);
    run_answers(lock);
  }
  return p.result;
}

void DiskQueue::push_async(std::vector<std::string_view> pieces, std::shared_ptr<const void> keep, uint32_t items,
                           std::function<void(PushResult)> done) {
  auto p = std::make_unique<Pending>();
  p->owned_pieces = std::move(pieces);
  p->pieces = p->owned_pieces;
  for (auto piece : p->pieces) p->size += piece.size();
  p->keep = std::move(keep);
  p->items = items;
  p->on_done = std::move(done);
  std::optional<PushResult> refused;
  {
    std::lock_guard lock(mu_);
    refused = admit(*p);
    if (!refused) {
      // The writers: one writes a group while others wait out the fdatasync of the groups before it.
      if (committers_.empty())
        for (int i = 0; i < (options_.fsync ? kMaxSyncing : 1); ++i)
          committers_.emplace_back([this] { commit_loop(); });
      p.release();  // pending_ has it; complete_flights() frees it
      if (!writing_ && syncing_ < kMaxSyncing) commit_.notify_one();
    }
  }
  if (refused) p->on_done(std::move(*refused));
}

void DiskQueue::commit_loop() {
  std::unique_lock lock(mu_);
  while (true) {
    if (!pending_.empty() && !writing_ && syncing_ < kMaxSyncing) {
      lead(lock);
      run_answers(lock);
      continue;
    }
    if (stopping_ && pending_.empty()) return;
    commit_.wait(lock);
  }
}

void DiskQueue::run_answers(std::unique_lock<std::mutex>& lock) {
  if (answers_.empty()) return;
  auto answers = std::move(answers_);
  answers_.clear();
  lock.unlock();
  for (auto& [done, result] : answers) done(std::move(result));
  lock.lock();
}

void DiskQueue::lead(std::unique_lock<std::mutex>& lock) {
  writing_ = true;
  auto owned = std::make_unique<Flight>();
  Flight* f = owned.get();
  f->group.swap(pending_);
  for (Pending* g : f->group) g->taken = true;
  lock.unlock();
  write_group(*f);
  lock.lock();
  writing_ = false;
  inflight_.push_back(std::move(owned));
  if (options_.fsync && !f->runs.empty()) {
    ++syncing_;
    wake_next_writer();
    lock.unlock();
    std::string error;
    const Segment* synced = nullptr;
    for (const auto& run : f->runs) {
      if (run.segment.get() == synced) continue;
      synced = run.segment.get();
      if (::fdatasync(synced->fd) != 0 && error.empty())
        error = errno_text("fdatasync " + synced->path.string(), errno);
    }
    lock.lock();
    --syncing_;
    f->sync_error = std::move(error);
  }
  f->synced = true;  // f belongs to inflight_ now; complete_flights() answers and frees it
  complete_flights();
  wake_next_writer();
}

void DiskQueue::wake_next_writer() {
  if (writing_ || syncing_ >= kMaxSyncing || pending_.empty()) return;
  if (pending_.front()->on_done)
    commit_.notify_one();
  else
    pending_.front()->cv.notify_one();
}

void DiskQueue::complete_flights() {
  size_t readable = 0;
  while (!inflight_.empty() && inflight_.front()->synced) {
    auto f = std::move(inflight_.front());
    inflight_.pop_front();
    // Written records become readable even when their fdatasync failed: they are in the file and a later sync or
    // a clean shutdown may still keep them. Their pushers hear a retryable failure, so a record can be delivered
    // twice (once from here, once re-sent by its client), never lost.
    for (const auto& run : f->runs) {
      Segment& seg = *run.segment;
      seg.size = run.offset + run.bytes;
      seg.unread.records += run.records.records;
      seg.unread.items += run.records.items;
      seg.unread.bytes += run.records.bytes;
      readable += run.records.records;
    }
    for (Pending* g : f->group) {
      if (g->result.outcome != Outcome::ok) {
        // Not written: nothing of it is kept.
        used_.records -= 1;
        used_.items -= g->items;
        used_.bytes -= g->size;
      } else if (!f->sync_error.empty()) {
        g->result = {Outcome::failed, f->sync_error};
      }
      if (g->on_done) {
        answers_.emplace_back(std::move(g->on_done), std::move(g->result));
        delete g;
        continue;
      }
      g->done = true;
      g->cv.notify_one();
    }
  }
  if (readable == 1)
    readable_.notify_one();
  else if (readable > 1)
    readable_.notify_all();
}

void DiskQueue::write_group(Flight& f) {
  auto& group = f.group;
  size_t i = 0;
  std::string error;
  while (i < group.size() && error.empty()) {
    std::shared_ptr<Segment> tail;
    {
      std::lock_guard lock(mu_);
      tail = segments_.back();
    }
    uint64_t rec = kHeader + group[i]->size;
    if (tail->end > 0 && tail->end + rec > options_.max_segment_bytes) {
      try {
        std::unique_lock lock(mu_);
        auto s = new_segment();
        lock.unlock();
        if (options_.fsync) fsync_dir(options_.directory);
        lock.lock();
        segments_.push_back(s);
        maybe_delete(tail);
        tail = s;
      } catch (const std::exception& e) {
        error = e.what();
        break;
      }
    }
    // One run: the records that fit this segment (at least one), written with one pwritev per IOV_MAX.
    size_t j = i;
    uint64_t run = 0;
    std::vector<iovec> iov;
    while (j < group.size()) {
      uint64_t n = kHeader + group[j]->size;
      if (j > i && tail->end + run + n > options_.max_segment_bytes) break;
      iov.push_back({group[j]->header, kHeader});
      for (auto piece : group[j]->pieces)
        if (!piece.empty()) iov.push_back({const_cast<char*>(piece.data()), piece.size()});
      run += n;
      ++j;
    }
    const uint64_t start = tail->end;
    uint64_t at = start;
    size_t k = 0;
    while (k < iov.size()) {
      int cnt = static_cast<int>(std::min<size_t>(iov.size() - k, IOV_MAX));
      ssize_t w = ::pwritev(tail->fd, &iov[k], cnt, static_cast<off_t>(at));
      if (w < 0) {
        if (errno == EINTR) continue;
        error = errno_text("writing " + tail->path.string(), errno);
        break;
      }
      if (w == 0) {
        error = "writing " + tail->path.string() + ": no space left";
        break;
      }
      at += static_cast<uint64_t>(w);
      auto left = static_cast<size_t>(w);
      while (left > 0 && k < iov.size()) {
        if (left >= iov[k].iov_len) {
          left -= iov[k].iov_len;
          ++k;
        } else {
          iov[k].iov_base = static_cast<char*>(iov[k].iov_base) + left;
          iov[k].iov_len -= left;
          left = 0;
        }
      }
    }
    if (!error.empty()) {
      // Nothing of this run is kept: the segment ends where it ended before (earlier groups, still being synced,
      // lie before that point).
      if (::ftruncate(tail->fd, static_cast<off_t>(start)) != 0) {
        std::lock_guard lock(mu_);
        // The bytes could not be cut off: seal this segment so that the next write starts a new one.
        try {
          segments_.push_back(new_segment());
        } catch (const std::exception&) {
          // The next write fails the same way, and is refused as this one was.
        }
      }
      break;
    }
    Flight::Run done{tail, start, run, {}};
    for (size_t x = i; x < j; ++x) {
      done.records.records += 1;
      done.records.items += group[x]->items;
      done.records.bytes += group[x]->size;
    }
    {
      std::lock_guard lock(mu_);
      tail->end = start + run;
    }
    f.runs.push_back(std::move(done));
    for (size_t x = i; x < j; ++x) group[x]->result = {Outcome::ok, {}};
    i = j;
  }
  for (; i < group.size(); ++i) group[i]->result = {Outcome::failed, error};
}

std::optional<DiskQueue::Record> DiskQueue::take(std::chrono::steady_clock::time_point until) {
  std::unique_lock lock(mu_);
  while (true) {
    // Past the end of a sealed segment: go on to the next one.
    // (A segment is complete once a later one exists and every group written to it has been answered.)
    while (read_seg_ && read_off_ >= read_seg_->size && read_seg_->size == read_seg_->end &&
           read_seg_ != segments_.back()) {
      auto it = std::find(segments_.begin(), segments_.end(), read_seg_);
      auto done = read_seg_;
      read_seg_ = (it == segments_.end() || std::next(it) == segments_.end()) ? segments_.back() : *std::next(it);
      read_off_ = 0;
      maybe_delete(done);
    }
    if (read_seg_ && read_off_ < read_seg_->size) {
      auto seg = read_seg_;
      uint64_t off = read_off_;
      char h[kHeader];
      ssize_t got = pread_full(seg->fd, h, kHeader, off);
      uint32_t len = got == static_cast<ssize_t>(kHeader) ? get32(h + 4) : 0;
      if (got != static_cast<ssize_t>(kHeader) || get32(h) != kMagic || len > options_.max_record_bytes ||
          off + kHeader + len > seg->size) {
        // The header cannot be trusted, so neither can anything after it in this segment.
        std::string note;
        damaged_read_ += quarantine(*seg, off, "unreadable record header", &note);
        used_.records -= std::min(used_.records, seg->unread.records);
        used_.items -= std::min(used_.items, seg->unread.items);
        used_.bytes -= std::min(used_.bytes, seg->unread.bytes);
        seg->unread = {};
        // (A group still being written or synced past this point keeps its end; it is answered, and read, as
        // usual.)
        if (seg->end == seg->size) seg->end = off;
        seg->size = off;
        if (seg == segments_.back()) {
          try {
            segments_.push_back(new_segment());
          } catch (const std::exception&) {
            return std::nullopt;
          }
        }
        continue;
      }
      read_off_ = off + kHeader + len;
      uint32_t state = get32(h + kStateOffset);
      if (state == kStateAcked) continue;  // acknowledged before a restart
      uint32_t items = get32(h + 16);
      seg->unread.records -= 1;
      seg->unread.items -= items;
      seg->unread.bytes -= len;
      seg->taken_unacked += 1;
      lock.unlock();
      Record rec;
      rec.seq = get64(h + 8);
      rec.items = items;
      rec.redelivery = state == kStateTaken;
      rec.segment = seg;
      rec.offset = off;
      rec.bytes.resize(len);
      rec.size = len;
      ssize_t pgot = pread_full(seg->fd, rec.bytes.data(), len, off + kHeader);
      if (pgot != static_cast<ssize_t>(len) || record_crc(h, rec.bytes) != get32(h + 20)) {
        // This record alone is bad (its header was sound): counted, marked done, and the next one is read.
        lock.lock();
        damaged_read_ += kHeader + len;
        lock.unlock();
        ack(rec);
        lock.lock();
        continue;
      }
      char taken[4];
      put32(taken, kStateTaken);
      pwrite_full(seg->fd, taken, 4, off + kStateOffset);
      return rec;
    }
    if (closed_ || std::chrono::steady_clock::now() >= until) return std::nullopt;
    readable_.wait_until(lock, until);
  }
}

void DiskQueue::ack(const Record& r) {
  if (!r.segment) return;
  char acked[4];
  put32(acked, kStateAcked);
  pwrite_full(r.segment->fd, acked, 4, r.offset + kStateOffset);
  std::filesystem::path done;
  {
    std::lock_guard lock(mu_);
    used_.records -= std::min<uint64_t>(used_.records, 1);
    used_.items -= std::min<uint64_t>(used_.items, r.items);
    used_.bytes -= std::min<uint64_t>(used_.bytes, r.size);
    if (r.segment->taken_unacked > 0) r.segment->taken_unacked -= 1;
    done = forget_if_done(r.segment);
  }
  // Outside the lock: unlinking a file of several MiB drops its cached pages, which takes a while.
  if (!done.empty()) ::unlink(done.c_str());
}

void DiskQueue::maybe_delete(const std::shared_ptr<Segment>& s) {
  auto done = forget_if_done(s);
  if (!done.empty()) ::unlink(done.c_str());
}

std::filesystem::path DiskQueue::forget_if_done(const std::shared_ptr<Segment>& s) {
  if (s == segments_.back() || s == read_seg_ || s->taken_unacked > 0 || s->unread.records > 0 || s->size != s->end)
    return {};
  // Only segments the reader has passed: those before read_seg_.
  auto it = std::find(segments_.begin(), segments_.end(), s);
  auto rd = std::find(segments_.begin(), segments_.end(), read_seg_);
  if (it == segments_.end() || it > rd) return {};
  auto path = s->path;
  segments_.erase(it);
  return path;
}

void DiskQueue::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  readable_.notify_all();
}

DiskQueue::Size DiskQueue::size() const {
  std::lock_guard lock(mu_);
  return used_;
}

uint64_t DiskQueue::used() const {
  std::lock_guard lock(mu_);
  return cost(used_.records, used_.items, used_.bytes);
}

uint64_t DiskQueue::damaged_bytes_read() const {
  std::lock_guard lock(mu_);
  return damaged_read_;
}

size_t DiskQueue::segment_count() const {
  std::lock_guard lock(mu_);
  return segments_.size();
}

}  // namespace otlpd
