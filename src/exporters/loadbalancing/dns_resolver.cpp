// c-ares resolution: one channel per resolution (A and AAAA through ares_getaddrinfo), driven with poll so that
// descriptors above FD_SETSIZE are fine.
#include "exporters/loadbalancing/dns_resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>

namespace otlpd::loadbalancing_exporter {

namespace {

struct Result {
  bool done = false;
  int status = ARES_SUCCESS;
  std::vector<std::string> addresses;
};

void on_addrinfo(void* arg, int status, int, ares_addrinfo* info) {
  auto& r = *static_cast<Result*>(arg);
  r.done = true;
  r.status = status;
  if (status != ARES_SUCCESS || !info) return;
  for (auto* n = info->nodes; n; n = n->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (n->ai_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(n->ai_addr)->sin_addr, text, sizeof text);
      r.addresses.emplace_back(text);
    } else if (n->ai_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(n->ai_addr)->sin6_addr, text, sizeof text);
      std::string bracketed = "[";
      bracketed += text;
      bracketed += ']';
      r.addresses.push_back(std::move(bracketed));
    }
  }
  ares_freeaddrinfo(info);
}

// The channel, destroyed on every path.
struct Channel {
  ares_channel c = nullptr;
  ~Channel() {
    if (c) ares_destroy(c);
  }
};

}  // namespace

bool resolve_backends(const DnsResolverSettings& settings, std::vector<std::string>& endpoints, std::string& error) {
  static std::once_flag init;
  std::call_once(init, [] { ares_library_init(ARES_LIB_INIT_ALL); });

  using Clock = std::chrono::steady_clock;
  const auto timeout_ms =
      std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::milliseconds>(settings.timeout).count());
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);

  ares_options opts{};
  int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
  opts.timeout = static_cast<int>(timeout_ms);
  opts.tries = 1;
  char dns_only[] = "b";
  if (!settings.nameserver.empty()) {
    opts.lookups = dns_only;  // the given server only, not /etc/hosts
    mask |= ARES_OPT_LOOKUPS;
  }
  Channel ch;
  if (int rc = ares_init_options(&ch.c, &opts, mask); rc != ARES_SUCCESS) {
    error = std::string("c-ares: ") + ares_strerror(rc);
    return false;
  }
  if (!settings.nameserver.empty()) {
    if (int rc = ares_set_servers_ports_csv(ch.c, settings.nameserver.c_str()); rc != ARES_SUCCESS) {
      error = "nameserver " + settings.nameserver + ": " + ares_strerror(rc);
      return false;
    }
  }

  Result result;
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;  // A and AAAA
  hints.ai_socktype = SOCK_STREAM;
  ares_getaddrinfo(ch.c, settings.hostname.c_str(), nullptr, &hints, on_addrinfo, &result);

  while (!result.done) {
    const auto now = Clock::now();
    if (now >= deadline) {
      ares_cancel(ch.c);  // calls on_addrinfo with ARES_ECANCELLED
      if (!result.done) result.status = ARES_ETIMEOUT;
      break;
    }
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    const int bits = ares_getsock(ch.c, socks, ARES_GETSOCK_MAXNUM);
    std::vector<pollfd> fds;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
      short events = 0;
      if (ARES_GETSOCK_READABLE(bits, i)) events |= POLLIN;
      if (ARES_GETSOCK_WRITABLE(bits, i)) events |= POLLOUT;
      if (events) fds.push_back(pollfd{socks[i], events, 0});
    }
    timeval max{}, tv{};
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - now).count();
    max.tv_sec = static_cast<time_t>(left / 1000000);
    max.tv_usec = static_cast<suseconds_t>(left % 1000000);
    const timeval* wait = ares_timeout(ch.c, &max, &tv);
    const int wait_ms = static_cast<int>(wait->tv_sec * 1000 + (wait->tv_usec + 999) / 1000);
    const int n = poll(fds.data(), fds.size(), wait_ms);
    if (n <= 0) {
      ares_process_fd(ch.c, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // time-outs
      continue;
    }
    for (const auto& p : fds) {
      if (!p.revents) continue;
      const bool readable = p.revents & (POLLIN | POLLERR | POLLHUP);
      const bool writable = p.revents & POLLOUT;
      ares_process_fd(ch.c, readable ? p.fd : ARES_SOCKET_BAD, writable ? p.fd : ARES_SOCKET_BAD);
    }
  }

  if (result.status != ARES_SUCCESS) {
    error = "resolving " + settings.hostname + ": " +
            (result.status == ARES_ETIMEOUT || result.status == ARES_ECANCELLED
                 ? std::string("timed out")
                 : std::string(ares_strerror(result.status)));
    return false;
  }
  if (result.addresses.empty()) {
    error = "resolving " + settings.hostname + ": no A or AAAA record";
    return false;
  }
  endpoints.clear();
  for (const auto& a : result.addresses) endpoints.push_back(a + ":" + std::to_string(settings.port));
  std::sort(endpoints.begin(), endpoints.end());
  endpoints.erase(std::unique(endpoints.begin(), endpoints.end()), endpoints.end());
  return true;
}

}  // namespace otlpd::loadbalancing_exporter
