// Test helper: raw TCP connections to loopback, for connection floods and half-sent requests that an HTTP
// client cannot make.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace otlpd::test {

// Raises this process's soft limit on open files to its hard limit (a flood needs thousands of sockets);
// returns the soft limit now in force.
inline rlim_t raise_open_files_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur;
}

// A TCP connection to 127.0.0.1:port (the connect bounded by 5 s), or -1.
inline int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends `bytes` without blocking and without SIGPIPE; false when the peer has closed the connection.
inline bool send_some(int fd, std::string_view bytes) {
  ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  return n >= 0 || errno == EAGAIN || errno == EWOULDBLOCK;
}

// Whether the peer has closed the connection (EOF or reset waiting to be read), without waiting.
inline bool peer_closed(int fd) {
  pollfd p{fd, POLLIN | POLLRDHUP, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) return true;
  char c;
  ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

// Reads until the peer closes or `timeout` passes; returns what arrived.
inline std::string read_until_closed(int fd, std::chrono::milliseconds timeout) {
  std::string got;
  auto end = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// Many connections to one port that each sent `opening` (empty: idle ones); closed with the object. An
// attacker that keeps its count up: refill() reopens the ones the server has closed.
class ConnectionFlood {
 public:
  ConnectionFlood(int port, size_t count, std::string opening) : port_(port), opening_(std::move(opening)) {
    fds_.assign(count, -1);
    refill();
  }
  ~ConnectionFlood() {
    for (int fd : fds_)
      if (fd >= 0) ::close(fd);
  }
  ConnectionFlood(const ConnectionFlood&) = delete;
  ConnectionFlood& operator=(const ConnectionFlood&) = delete;

  // Reopens every connection that is not open (or that the server has closed); returns how many were
  // reopened.
  size_t refill() {
    size_t reopened = 0;
    for (int& fd : fds_) {
      if (fd >= 0 && !peer_closed(fd)) continue;
      if (fd >= 0) ::close(fd);
      fd = connect_loopback(port_);
      if (fd >= 0 && !opening_.empty()) send_some(fd, opening_);
      reopened += fd >= 0;
    }
    return reopened;
  }
  // Sends `bytes` on every open connection (a slowloris trickle).
  void trickle(std::string_view bytes) {
    for (int fd : fds_)
      if (fd >= 0) send_some(fd, bytes);
  }
  size_t open() const {
    size_t n = 0;
    for (int fd : fds_) n += fd >= 0;
    return n;
  }

 private:
  int port_;
  std::string opening_;
  std::vector<int> fds_;
};

}  // namespace otlpd::test
