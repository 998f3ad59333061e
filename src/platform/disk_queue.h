// A durable FIFO of opaque records in a directory: the persistent sending queue's storage (docs/durability.md).
//
// Records are appended to bounded segment files (`<20-digit number>.seg`, read in that order), each with a header
// carrying its length, sequence number, item count and a CRC-32C over header and payload. push() returns once the
// record is written (and, with `fsync`, on stable storage); concurrent pushes share one write and one fdatasync (group
// commit), and the next group is written while the last one's fdatasync runs (up to kMaxSyncing at once). take() hands
// records out in order to any number of consumers; ack() marks one done (delivered or given up). A record's state (new
// / taken / acknowledged) is a marker in its header outside the checksum, written in place, so a restart resumes where
// the last run stopped: acknowledged records are skipped, taken ones are delivered again (and counted: they are the
// possible duplicates), and a segment is deleted once every record in it is acknowledged. At open, every record is
// checked; damage (a torn or corrupted record) is moved aside into `damaged/` with everything after it in that segment,
// counted, and the rest of the queue goes on.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace otlpd {

struct DiskQueueOptions {
  std::filesystem::path directory;  // created when missing
  bool fsync = false;               // fdatasync each group of writes (survives power loss, not only a crash)
  uint64_t max_segment_bytes = 8u << 20;
  uint64_t max_record_bytes = 64u << 20;
  enum class Sizer { requests, items, bytes } sizer = Sizer::requests;
  uint64_t capacity = 1000;                      // in sizer units, over records not yet acknowledged
  std::chrono::milliseconds lock_timeout{1000};  // how long open() waits for another holder of the directory
};

class DiskQueue {
 public:
  struct Segment;
  struct Record {
    uint64_t seq = 0;
    uint32_t items = 0;
    std::string bytes;        // the payload; the caller may move it away
    uint32_t size = 0;        // the payload's size, for ack()
    bool redelivery = false;  // taken by an earlier run and never acknowledged: the backend may have it already
    std::shared_ptr<Segment> segment;
    uint64_t offset = 0;
  };
  // What open() found in the directory.
  struct Recovered {
    uint64_t records = 0, items = 0, bytes = 0;  // waiting to be sent
    uint64_t redelivered_records = 0, redelivered_items = 0;
    uint64_t damaged_bytes = 0;
    std::vector<std::string> damage;  // one line per damaged region: where, why, where it was moved
    size_t segments = 0;
  };
  enum class Outcome { ok, full, too_large, failed };
  struct PushResult {
    Outcome outcome = Outcome::ok;
    std::string error;  // for failed: the I/O error (disk full, ...)
  };
  struct Size {
    uint64_t records = 0, items = 0, bytes = 0;
  };

  // Opens (or creates) the queue in `options.directory`, taking its lock. Throws std::runtime_error when the
  // directory cannot be created or written, or another process holds it past lock_timeout.
  static std::unique_ptr<DiskQueue> open(const DiskQueueOptions& options, Recovered* recovered = nullptr);
  ~DiskQueue();
  DiskQueue(const DiskQueue&) = delete;
  DiskQueue& operator=(const DiskQueue&) = delete;

  // Appends a record; returns once it is written (see fsync). full: it does not fit the capacity now; too_large:
  // it never will; failed: the write failed (nothing of it is kept; the queue accepts again when writes work).
  PushResult push(std::string_view bytes, uint32_t items);
  // The same without waiting: the record is `pieces` one after the other (no copy is made of them), and `done` is
  // called once, with what push() would return, when it is written (and synced), from the queue's own writer
  // threads (or at once, on the caller's thread, when it is refused before any write). `keep` holds the pieces'
  // memory until then. Writes of push() and push_async() share groups.
  void push_async(std::vector<std::string_view> pieces, std::shared_ptr<const void> keep, uint32_t items,
                  std::function<void(PushResult)> done);
  // The oldest record not yet taken; waits for one until `until`. nullopt when none came by then, or when the
  // queue is closed and nothing is left to read.
  std::optional<Record> take(std::chrono::steady_clock::time_point until);
  // The record was delivered or given up: it will not be read again and its space can be reclaimed.
  void ack(const Record& r);
  // Pushes fail from now on; take() no longer waits for new records.
  void close();

  Size size() const;                    // not yet acknowledged (taken ones included)
  uint64_t used() const;                // size() in the sizer's unit
  uint64_t damaged_bytes_read() const;  // damage found by take() after open (open's is in Recovered)
  size_t segment_count() const;
  const DiskQueueOptions& options() const { return options_; }

 private:
  struct Pending;
  struct Flight;
  explicit DiskQueue(DiskQueueOptions options);
  // Checks room and fills in p's header; an error result when p is refused. Under mu_.
  std::optional<PushResult> admit(Pending& p);
  void lead(std::unique_lock<std::mutex>& lock);         // writes (and syncs) pending_ as one group; under mu_
  void run_answers(std::unique_lock<std::mutex>& lock);  // calls the push_async callbacks answered; under mu_
  void commit_loop();                                    // a writer thread of push_async's records
  void complete_flights();                               // under mu_
  void wake_next_writer();                               // under mu_
  void recover(Recovered& r);
  std::shared_ptr<Segment> new_segment();  // under mu_ (or in open)
  void write_group(Flight& f);
  uint64_t cost(uint64_t records, uint64_t items, uint64_t bytes) const;
  void maybe_delete(const std::shared_ptr<Segment>& s);  // under mu_
  // Drops a finished segment from the list (under mu_) and returns its path for the caller to unlink; or empty.
  std::filesystem::path forget_if_done(const std::shared_ptr<Segment>& s);
  uint64_t quarantine(Segment& s, uint64_t offset, const std::string& why, std::string* note);  // under mu_/open

  DiskQueueOptions options_;
  int lock_fd_ = -1;
  mutable std::mutex mu_;
  std::condition_variable readable_;               // takers
  std::deque<std::shared_ptr<Segment>> segments_;  // in order; back() is the tail being written
  std::shared_ptr<Segment> read_seg_;
  uint64_t read_off_ = 0;
  uint64_t next_seq_ = 1;
  uint64_t next_segment_id_ = 1;
  Size used_;
  std::vector<Pending*> pending_;                 // waiting for a writer
  std::deque<std::unique_ptr<Flight>> inflight_;  // groups written, in order, until synced and answered
  bool writing_ = false;                          // a leader is writing a group
  int syncing_ = 0;                               // groups in fdatasync
  bool closed_ = false;
  uint64_t damaged_read_ = 0;
  // push_async: writer threads (started with the first such push), woken by commit_, and the answers that
  // complete_flights() found for them, called outside mu_.
  std::vector<std::thread> committers_;
  std::condition_variable commit_;
  bool stopping_ = false;
  std::vector<std::pair<std::function<void(PushResult)>, PushResult>> answers_;
};

}  // namespace otlpd
