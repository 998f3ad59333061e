// Test harness: runs the real otlpd binary on a config, finds the ports it bound, stops it by PID.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace otlpd::test {

// A fresh directory under the system temp dir, removed with the object.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(std::string_view name) const { return (path_ / name).string(); }
  // Writes `text` to `name` inside the directory and returns its path.
  std::string write(std::string_view name, std::string_view text) const;

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::string& path);

// Starts `binary` with `args` (argv[1...]) and the test's environment plus `env` ("NAME=value", replacing a
// variable of the same name); stdin is /dev/null, stdout goes to `out` and stderr to `err` (may be the same file).
// Returns its PID; the caller waits for it. Throws if it cannot be started.
pid_t spawn_process(const std::string& binary, const std::vector<std::string>& args,
                    const std::vector<std::string>& env, const std::string& out, const std::string& err);

// Waits for `pred` to hold, checking every few milliseconds, up to `timeout`. Returns whether it held.
template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(20));

class Daemon {
 public:
  // Starts `otlpd --config <file>` with `config_yaml` (use 127.0.0.1:0 endpoints) and waits until it says
  // it is running. `env` entries are "NAME=value"; `binary` replaces the build's otlpd (e.g. a private copy).
  // Throws if it exits or does not come up within 60 s.
  explicit Daemon(std::string_view config_yaml, std::vector<std::string> env = {},
                  std::vector<std::string> extra_args = {}, std::string binary = {});
  ~Daemon();  // stops the daemon if still running

  // The port a component bound: from its log line "<kind> <id> (<transport>) listening on <host>:<port>".
  int port(std::string_view receiver_id, std::string_view transport) const;
  // "127.0.0.1:<port>"
  std::string endpoint(std::string_view receiver_id, std::string_view transport) const;
  // Sends `sig` to the running daemon without waiting (SIGHUP: reload its config file).
  void signal(int sig) const;
  // The config file it was started with (rewrite it, then signal(SIGHUP)).
  std::string config_file() const { return dir_.file("config.yaml"); }
  // Sends `sig` (default SIGTERM) and waits for exit; returns the exit status (or 128+signal).
  int stop(int sig = 15, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  bool running() const;
  pid_t pid() const { return pid_; }
  std::string log() const;     // stderr so far
  std::string output() const;  // stdout so far
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  int exit_status_ = -1;
};

// Runs otlpd with `args` to completion (for validate/components); returns exit code and combined output.
struct RunResult {
  int exit_code;
  std::string out;
};
RunResult run_otlpd(const std::vector<std::string>& args, std::vector<std::string> env = {});

}  // namespace otlpd::test

#include "support/daemon_inl.h"
