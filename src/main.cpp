// otlpd command line: run, validate, components, healthcheck, version, help.
#include <absl/synchronization/mutex.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/schema.h"
#include "core/registry.h"
#include "platform/allocator.h"
#include "platform/telemetry.h"
#include "service/health_probe.h"
#include "service/service.h"
#include "service/startup_pages.h"

namespace {

constexpr const char* kUsage = R"(otlpd - an OpenTelemetry (OTLP) collector daemon

Usage:
  otlpd --config FILE [--config FILE ...] [--shutdown-timeout DURATION]
                               run the pipelines of the merged configuration
  otlpd validate --config FILE [--config FILE ...]
                               check a configuration and exit (0: valid, 1: invalid)
  otlpd components             list the receivers, processors, exporters and extensions
  otlpd components --describe TYPE
                               print the config keys of TYPE: type, default and doc of each
  otlpd healthcheck [--endpoint HOST:PORT] [--path PATH] [--timeout DURATION]
                               ask a health_check extension (default 127.0.0.1:13133, path /, 3s) whether
                               the daemon is ready: exit 0 on a 2xx answer, 1 otherwise (for container probes)
  otlpd --version              print the version
  otlpd --help                 print this help

Later --config files merge over earlier ones: maps deep-merge, lists and values replace.
Values may use ${env:VAR}, ${VAR}, ${env:VAR:-default}; $$ is a literal $.
SIGINT or SIGTERM shuts down gracefully: receivers stop, processors flush, exporters drain.
SIGHUP reloads the same --config files: an invalid configuration is logged and the running one kept; a valid
one replaces only the components whose config changed (listeners and queues of the others stay).
)";

struct Args {
  std::string command = "run";
  std::vector<std::string> configs;
  std::string describe;      // components --describe TYPE
  otlpd::HealthProbe probe;  // healthcheck
  otlpd::Duration shutdown_timeout = std::chrono::seconds(10);
};

int usage_error(const std::string& msg) {
  std::cerr << "otlpd: " << msg << "\n\n" << kUsage;
  return 2;
}

void set_log_level(const std::string& level) {
  if (level == "debug")
    spdlog::set_level(spdlog::level::debug);
  else if (level == "warn")
    spdlog::set_level(spdlog::level::warn);
  else if (level == "error")
    spdlog::set_level(spdlog::level::err);
  else
    spdlog::set_level(spdlog::level::info);
}

// Raises the soft limit on open files to the hard one, as servers commonly do: every client connection is a file,
// and the default soft limit (often 1024) would refuse connections long before max_connections does.
void raise_open_files_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
  rlim_t wanted = lim.rlim_max;
  lim.rlim_cur = wanted;
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0)
    spdlog::warn("cannot raise the open-files limit to {}: {}", wanted, std::strerror(errno));
}

int run(const Args& args) {
  raise_open_files_limit();
  // Block the shutdown and reload signals before any thread starts, so that only sigwait below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // A file size limit (RLIMIT_FSIZE) makes a write fail with EFBIG, which the persistent queue reports; the signal
  // would end the process instead.
  std::signal(SIGXFSZ, SIG_IGN);

  // Before the service starts any thread, so that every arena works with them (platform/allocator.h).
  const std::string allocator = otlpd::tune_allocator(std::getenv("GLIBC_TUNABLES"));
  std::unique_ptr<otlpd::Service> service;
  try {
    auto config = otlpd::load_config(args.configs);
    set_log_level(config.telemetry.log_level);
    spdlog::debug("{}", allocator);
    service = otlpd::Service::build(config);
    service->start();
  } catch (const otlpd::ConfigError& e) {
    spdlog::error("invalid configuration: {}", e.what());
    return 1;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  spdlog::info("otlpd {} is running; send SIGINT or SIGTERM to stop, SIGHUP to reload", OTLPD_VERSION);
  // Start-up is over: its code and tables need not stay resident (bench/PROFILE.md, sixth round).
  // OTLPD_KEEP_STARTUP_PAGES=1 keeps them, for comparisons.
  if (const char* keep = std::getenv("OTLPD_KEEP_STARTUP_PAGES"); !keep || std::string_view(keep) != "1") {
    auto released = otlpd::release_startup_pages();
    if (released.error.empty())
      spdlog::debug("released the start-up pages of {} read-only mappings ({} KiB) of the executable",
                    released.mappings, released.bytes / 1024);
    else
      spdlog::debug("start-up pages kept: {}", released.error);
  }

  auto& reloaded = otlpd::Telemetry::global().counter("otlpd_config_reloads", {{"result", "success"}});
  auto& reload_failed = otlpd::Telemetry::global().counter("otlpd_config_reloads", {{"result", "failure"}});
  int sig = 0;
  for (;;) {
    sigwait(&signals, &sig);
    if (sig != SIGHUP) break;
    spdlog::info("received SIGHUP, reloading {}", otlpd::join(args.configs));
    try {
      auto config = otlpd::load_config(args.configs);
      auto summary = service->reload(config, args.shutdown_timeout);
      set_log_level(config.telemetry.log_level);
      for (const auto& e : summary.errors) spdlog::error("reload: {}", e);
      (summary.errors.empty() ? reloaded : reload_failed).add();
      spdlog::info("reload: {}", summary.str());
    } catch (const otlpd::ConfigError& e) {
      reload_failed.add();
      spdlog::error("reload refused, the running configuration is kept: invalid configuration: {}", e.what());
    } catch (const std::exception& e) {
      // Only when an extension changed and the rebuilt graph could not start: nothing runs, as after a failed start.
      reload_failed.add();
      spdlog::error("reload failed after the old pipelines stopped: {}; exiting", e.what());
      service->shutdown(std::chrono::steady_clock::now() + args.shutdown_timeout);
      return 1;
    }
  }
  spdlog::info("received {}, shutting down (deadline {} ms)", sig == SIGINT ? "SIGINT" : "SIGTERM",
               std::chrono::duration_cast<std::chrono::milliseconds>(args.shutdown_timeout).count());
  service->shutdown(std::chrono::steady_clock::now() + args.shutdown_timeout);
  service.reset();
  spdlog::info("otlpd stopped");
  return 0;
}

int validate(const Args& args) {
  try {
    auto config = otlpd::load_config(args.configs);
    // Building creates every component, so errors that only show then (bad endpoints, files) show here too.
    auto service = otlpd::Service::build(config);
  } catch (const std::exception& e) {
    std::cerr << "otlpd: invalid configuration: " << e.what() << "\n";
    return 1;
  }
  std::cout << "configuration is valid\n";
  return 0;
}

int components() {
  auto& r = otlpd::Registry::instance();
  for (auto kind : {otlpd::Kind::receiver, otlpd::Kind::processor, otlpd::Kind::exporter, otlpd::Kind::connector,
                    otlpd::Kind::extension}) {
    std::cout << otlpd::to_string(kind) << "s:\n";
    for (const auto& type : r.types(kind)) {
      const auto* f = r.find(kind, type);
      std::cout << "  " << type;
      if (kind == otlpd::Kind::connector) {
        const auto* cf = static_cast<const otlpd::ConnectorFactory*>(f);
        std::cout << " (";
        bool first = true;
        for (auto from : otlpd::kAllSignals)
          for (auto to : otlpd::kAllSignals) {
            if (!cf->supports(from, to)) continue;
            std::cout << (first ? "" : ", ") << otlpd::to_string(from) << " to " << otlpd::to_string(to);
            first = false;
          }
        std::cout << ")";
      } else if (kind != otlpd::Kind::extension) {
        std::cout << " (";
        bool first = true;
        for (auto s : otlpd::kAllSignals) {
          if (!f->supports(s)) continue;
          std::cout << (first ? "" : ", ") << otlpd::to_string(s);
          first = false;
        }
        std::cout << ")";
      }
      auto aliases = f->aliases();
      if (!aliases.empty()) {
        std::cout << " aliases:";
        for (auto a : aliases) std::cout << " " << a;
      }
      std::cout << "\n";
    }
  }
  return 0;
}

// Every kind that has a component of this type (otlp is a receiver and an exporter), from its schema.
int describe(const std::string& type) {
  auto& r = otlpd::Registry::instance();
  bool found = false;
  for (auto kind : {otlpd::Kind::receiver, otlpd::Kind::processor, otlpd::Kind::exporter, otlpd::Kind::connector,
                    otlpd::Kind::extension}) {
    const auto* f = r.find(kind, type);
    if (!f) continue;
    found = true;
    std::cout << otlpd::to_string(kind) << " " << f->type() << ":\n";
    if (const auto* schema = otlpd::find_schema(kind, f->type()))
      std::cout << otlpd::describe(*schema);
    else
      std::cout << "  (its configuration is still read by hand, not from a schema: see README.md and docs/)\n";
  }
  if (!found) {
    std::cerr << "otlpd: no component of type '" << type << "'; see otlpd components\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil is built with lock-cycle detection on: every absl::Mutex that gRPC takes on the data path
  // then updates a global lock graph (bench/RESULTS.md, profile). We never rely on it in production.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  auto logger = spdlog::stderr_color_mt("otlpd");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");

  Args args;
  std::vector<std::string> rest(argv + 1, argv + argc);
  for (size_t i = 0; i < rest.size(); ++i) {
    const std::string& a = rest[i];
    if (a == "--help" || a == "-h" || a == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (a == "--version" || a == "-v" || a == "version") {
      std::cout << "otlpd " << OTLPD_VERSION << "\n";
      return 0;
    }
    if (a == "validate" || a == "components" || a == "healthcheck") {
      if (i != 0) return usage_error("'" + a + "' must come first");
      args.command = a;
    } else if (a == "--describe") {
      if (args.command != "components") return usage_error("--describe goes with 'components'");
      if (i + 1 >= rest.size()) return usage_error("--describe needs a component type");
      args.describe = rest[++i];
    } else if (args.command == "healthcheck" && (a == "--endpoint" || a == "--path" || a == "--timeout")) {
      if (i + 1 >= rest.size()) return usage_error(a + " needs a value");
      const std::string& v = rest[++i];
      if (a == "--endpoint") {
        args.probe.endpoint = v;
      } else if (a == "--path") {
        args.probe.path = v;
      } else {
        auto d = otlpd::parse_duration(v);
        if (!d || d->count() <= 0) return usage_error("--timeout: not a positive duration: " + v);
        args.probe.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
      }
    } else if (a == "--config" || a == "-c") {
      if (i + 1 >= rest.size()) return usage_error("--config needs a file");
      args.configs.push_back(rest[++i]);
    } else if (a.starts_with("--config=")) {
      args.configs.push_back(a.substr(9));
    } else if (a == "--shutdown-timeout") {
      if (i + 1 >= rest.size()) return usage_error("--shutdown-timeout needs a duration");
      auto d = otlpd::parse_duration(rest[++i]);
      if (!d) return usage_error("--shutdown-timeout: not a duration: " + rest[i]);
      args.shutdown_timeout = *d;
    } else {
      return usage_error("unknown argument '" + a + "'");
    }
  }
  if (args.command == "healthcheck") {
    auto answer = otlpd::probe_health(args.probe);
    (answer.healthy ? std::cout : std::cerr) << "otlpd healthcheck: " << answer.message << "\n";
    return answer.healthy ? 0 : 1;
  }
  if (args.command == "components") return args.describe.empty() ? components() : describe(args.describe);
  if (args.configs.empty()) return usage_error("no configuration: use --config FILE");
  if (args.command == "validate") return validate(args);
  return run(args);
}
