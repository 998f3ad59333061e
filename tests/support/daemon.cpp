// Test harness for running the real daemon.
#include "support/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace otlpd::test {

TempDir::TempDir() {
  std::random_device rd;
  for (int i = 0; i < 100; ++i) {
    auto p = std::filesystem::temp_directory_path() / ("otlpd-test-" + std::to_string(rd()));
    if (std::filesystem::create_directory(p)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a temp dir");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(std::string_view name, std::string_view text) const {
  auto p = file(name);
  std::ofstream out(p, std::ios::binary);
  out << text;
  return p;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

pid_t spawn_process(const std::string& binary, const std::vector<std::string>& args,
                    const std::vector<std::string>& env, const std::string& out, const std::string& err) {
  // posix_spawn, not fork + exec: the test process has threads (fake backends, gRPC's own), and a forked child of a
  // threaded process may only make async-signal-safe calls. The child of a fork that allocated (argv, putenv)
  // could hang in a lock another thread held at the fork; it did under ASan, whose allocator has no fork handler.
  // Everything the child needs is built here, before the spawn.
  std::vector<std::string> environment;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv(*e);
    auto name = kv.substr(0, kv.find('=') + 1);
    bool replaced = std::any_of(env.begin(), env.end(), [&](const std::string& o) { return o.starts_with(name); });
    if (!replaced) environment.emplace_back(kv);
  }
  environment.insert(environment.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& kv : environment) envp.push_back(kv.data());
  envp.push_back(nullptr);
  std::string bin = binary;
  std::vector<std::string> arg_copies = args;
  std::vector<char*> argv{bin.data()};
  for (auto& a : arg_copies) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  if (err == out)
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  else
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + binary + ": " + std::strerror(rc));
  return pid;
}

namespace {

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

Daemon::Daemon(std::string_view config_yaml, std::vector<std::string> env, std::vector<std::string> extra_args,
               std::string binary) {
  auto cfg = dir_.write("config.yaml", config_yaml);
  std::vector<std::string> args{"--config", cfg};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = spawn_process(binary.empty() ? OTLPD_BINARY : binary, args, env, dir_.file("stdout"), dir_.file("stderr"));
  bool up = wait_until(
      [&] {
        if (!running()) return true;
        return log().find("is running") != std::string::npos;
      },
      // A bound, not a delay: under the sanitizer tree beside fuzz targets a start once took more than 30 s.
      std::chrono::seconds(60));
  if (!up || !running()) {
    std::string l = log();
    if (running()) stop(SIGKILL);
    throw std::runtime_error("otlpd did not start:\n" + l);
  }
}

Daemon::~Daemon() {
  if (running()) stop(SIGKILL);
}

bool Daemon::running() const {
  if (pid_ <= 0 || exit_status_ >= 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    const_cast<Daemon*>(this)->exit_status_ = decode_status(status);
    return false;
  }
  return r == 0;
}

int Daemon::stop(int sig, std::chrono::milliseconds timeout) {
  if (exit_status_ >= 0) return exit_status_;
  if (!running()) return exit_status_;
  kill(pid_, sig);
  if (!wait_until([&] { return !running(); }, timeout)) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    exit_status_ = decode_status(status);
    throw std::runtime_error("otlpd did not stop within the timeout");
  }
  return exit_status_;
}

void Daemon::signal(int sig) const {
  if (pid_ > 0 && exit_status_ < 0) kill(pid_, sig);
}

std::string Daemon::log() const { return read_file(dir_.file("stderr")); }
std::string Daemon::output() const { return read_file(dir_.file("stdout")); }

int Daemon::port(std::string_view receiver_id, std::string_view transport) const {
  std::string l = log();
  std::string needle(" ");  // built by appends: GCC 12 warns falsely (-Wrestrict) on "lit" + std::string
  needle.append(receiver_id).append(" (").append(transport).append(") listening on ");
  auto at = l.find(needle);
  if (at == std::string::npos)
    throw std::runtime_error("no listening line for " + std::string(receiver_id) + " in:\n" + l);
  auto end = l.find('\n', at);
  std::string hp = l.substr(at + needle.size(), end - at - needle.size());
  return std::stoi(hp.substr(hp.rfind(':') + 1));
}

std::string Daemon::endpoint(std::string_view receiver_id, std::string_view transport) const {
  return "127.0.0.1:" + std::to_string(port(receiver_id, transport));
}

RunResult run_otlpd(const std::vector<std::string>& args, std::vector<std::string> env) {
  TempDir d;
  pid_t pid = spawn_process(OTLPD_BINARY, args, env, d.file("out"), d.file("out"));
  int status = 0;
  waitpid(pid, &status, 0);
  return RunResult{decode_status(status), read_file(d.file("out"))};
}

}  // namespace otlpd::test
