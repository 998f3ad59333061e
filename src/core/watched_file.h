// A small secret file (a password, a token) whose value follows the file: re-read when its modification time,
// size or inode changes (a Kubernetes Secret volume swaps a symlink), checked on every use with one stat().
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "platform/status.h"

namespace otlpd {

class WatchedFile {
 public:
  // `what` names the value in errors ("the password file").
  WatchedFile(std::string path, std::string what) : path_(std::move(path)), what_(std::move(what)) {}

  // The file's content, surrounding whitespace trimmed (at most 64 KiB, not empty). Fails when the file cannot be
  // read now and was never read; a file that disappears after a good read keeps its last value (and says so
  // once in the log), so a rotation in progress does not fail requests.
  Status value(std::string& out) const;

  const std::string& path() const { return path_; }

 private:
  std::string path_, what_;
  mutable std::mutex mu_;
  mutable std::string value_;
  mutable bool have_ = false;
  mutable bool warned_ = false;
  mutable int64_t mtime_ns_ = -1;
  mutable int64_t size_ = -1;
  mutable uint64_t inode_ = 0;
};

}  // namespace otlpd
