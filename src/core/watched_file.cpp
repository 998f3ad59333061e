// WatchedFile: a stat() per use, a re-read on change.
#include "core/watched_file.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "platform/text.h"

namespace otlpd {

namespace {

constexpr size_t kMaxSecretBytes = 64 * 1024;

}  // namespace

Status WatchedFile::value(std::string& out) const {
  std::lock_guard lock(mu_);
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) {
    const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    if (!have_ || mtime != mtime_ns_ || static_cast<int64_t>(st.st_size) != size_ || st.st_ino != inode_) {
      std::string text, error;
      if (read_small_file(path_, kMaxSecretBytes, what_, text, error)) {
        text = std::string(trim(text));
        if (!text.empty()) {
          value_ = std::move(text);
          have_ = true;
          warned_ = false;
          mtime_ns_ = mtime;
          size_ = static_cast<int64_t>(st.st_size);
          inode_ = st.st_ino;
        } else if (!have_) {
          return Status::retryable(what_ + " '" + path_ + "' is empty");
        }
      } else if (!have_) {
        return Status::retryable(error);
      }
    }
  } else if (!have_) {
    return Status::retryable("cannot read " + what_ + " '" + path_ + "'");
  } else if (!warned_) {
    warned_ = true;
    spdlog::warn("{} '{}' cannot be read now; its last value is used until it can", what_, path_);
  }
  out = value_;
  return Status::ok();
}

}  // namespace otlpd
