// `otlpd healthcheck`: one GET to the health_check extension over a plain socket, bounded by a deadline.
#include "service/health_probe.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>
#include <cerrno>
#include <cstring>

namespace otlpd {

namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Waits for `events` on fd until the deadline; false on time-out or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  while (true) {
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, ms_left(deadline));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

// Splits "host:port" / "[v6]:port"; a wildcard or empty host becomes the loopback address of its family.
bool split_endpoint(const std::string& endpoint, std::string& host, std::string& port) {
  if (!endpoint.empty() && endpoint[0] == '[') {
    auto close = endpoint.find(']');
    if (close == std::string::npos || close + 1 >= endpoint.size() || endpoint[close + 1] != ':') return false;
    host = endpoint.substr(1, close - 1);
    port = endpoint.substr(close + 2);
  } else {
    auto colon = endpoint.rfind(':');
    if (colon == std::string::npos) return false;
    host = endpoint.substr(0, colon);
    port = endpoint.substr(colon + 1);
  }
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  return !port.empty();
}

}  // namespace

HealthAnswer probe_health(const HealthProbe& probe) {
  HealthAnswer answer;
  const auto deadline = Clock::now() + probe.timeout;
  std::string host, port;
  if (!split_endpoint(probe.endpoint, host, port)) {
    answer.message = "not an endpoint (host:port): '" + probe.endpoint + "'";
    return answer;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    answer.message = "cannot resolve " + host + ": " + ::gai_strerror(rc);
    return answer;
  }
  std::string last_error = "no address";
  int connected = -1;
  for (addrinfo* ai = found; ai && connected < 0; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      int err = ETIMEDOUT;
      socklen_t len = sizeof err;
      if (wait_for(fd, POLLOUT, deadline)) ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc == 0) {
      connected = fd;
    } else {
      last_error = std::strerror(errno);
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  if (connected < 0) {
    answer.message = "cannot connect to " + probe.endpoint + ": " + last_error;
    return answer;
  }
  Fd sock(connected);
  std::string request = "GET " + (probe.path.empty() ? std::string("/") : probe.path) + " HTTP/1.1\r\nHost: " + host +
                        "\r\nUser-Agent: otlpd-healthcheck\r\nConnection: close\r\n\r\n";
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(sock.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN && wait_for(sock.get(), POLLOUT, deadline)) {
      continue;
    } else {
      answer.message = "cannot send to " + probe.endpoint + ": " + (n < 0 ? std::strerror(errno) : "closed");
      return answer;
    }
  }
  // Only the status line is needed: read until its end (bounded), then judge it.
  std::string head;
  char buf[512];
  while (head.find("\r\n") == std::string::npos && head.size() < 4096) {
    if (!wait_for(sock.get(), POLLIN, deadline)) {
      answer.message = "no answer from " + probe.endpoint + " within " + std::to_string(probe.timeout.count()) + "ms";
      return answer;
    }
    ssize_t n = ::recv(sock.get(), buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    head.append(buf, static_cast<size_t>(n));
  }
  auto eol = head.find("\r\n");
  std::string status_line = head.substr(0, eol == std::string::npos ? std::min<size_t>(head.size(), 200) : eol);
  // "HTTP/1.1 200 OK"
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12 || status_line[8] != ' ') {
    answer.message = "not an HTTP answer from " + probe.endpoint + ": '" + status_line + "'";
    return answer;
  }
  int code = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (status_line[i] < '0' || status_line[i] > '9') {
      answer.message = "not an HTTP status from " + probe.endpoint + ": '" + status_line + "'";
      return answer;
    }
    code = code * 10 + (status_line[i] - '0');
  }
  answer.status = code;
  answer.healthy = code >= 200 && code < 300;
  answer.message = probe.endpoint + (probe.path.empty() ? "/" : probe.path) + ": " + status_line.substr(9);
  return answer;
}

}  // namespace otlpd
