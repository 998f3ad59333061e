// otlpd-http-floor: the least an OTLP/HTTP server can do per request, as a floor for bench/run. It answers every
// request "200 OK" with an empty protobuf body, after reading its header and Content-Length body into a buffer
// that is reused; it neither checks nor keeps anything. One blocking thread per connection: one system call to
// wake, one to read (a request fits in the 256 KiB read), one to answer.
//
// usage: otlpd-http-floor [--endpoint 127.0.0.1:0]   prints "listening on HOST:PORT", serves until killed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

namespace {

constexpr size_t kMaxHeader = 64 * 1024;
constexpr size_t kMaxBody = 64 * 1024 * 1024;
constexpr size_t kReadSize = 256 * 1024;

// Content-Length of a header block, or 0 when it has none; -1 when it is not a number.
long long content_length(std::string_view header) {
  constexpr std::string_view kName = "content-length:";
  size_t pos = 0;
  while (pos < header.size()) {
    size_t eol = header.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = header.size();
    std::string_view line = header.substr(pos, eol - pos);
    if (line.size() > kName.size() && strncasecmp(line.data(), kName.data(), kName.size()) == 0) {
      std::string_view v = line.substr(kName.size());
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      long long n = 0;
      if (v.empty()) return -1;
      for (char c : v) {
        if (c < '0' || c > '9' || n > static_cast<long long>(kMaxBody)) return -1;
        n = n * 10 + (c - '0');
      }
      return n;
    }
    pos = eol + 2;
  }
  return 0;
}

void serve(int fd) {
  static constexpr char kOk[] = "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n";
  static constexpr char kBad[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  std::string buf;
  size_t used = 0;  // bytes of `buf` holding data
  auto fill = [&]() -> bool {
    if (buf.size() - used < kReadSize) buf.resize(used + kReadSize);
    ssize_t n = read(fd, buf.data() + used, buf.size() - used);
    if (n <= 0) return false;
    used += static_cast<size_t>(n);
    return true;
  };
  while (true) {
    size_t end;
    while ((end = std::string_view(buf.data(), used).find("\r\n\r\n")) == std::string_view::npos) {
      if (used > kMaxHeader || !fill()) {
        if (used > kMaxHeader) (void)!write(fd, kBad, sizeof kBad - 1);
        close(fd);
        return;
      }
    }
    long long len = content_length(std::string_view(buf.data(), end));
    if (len < 0 || static_cast<size_t>(len) > kMaxBody) {
      (void)!write(fd, kBad, sizeof kBad - 1);
      close(fd);
      return;
    }
    size_t total = end + 4 + static_cast<size_t>(len);
    while (used < total)
      if (!fill()) {
        close(fd);
        return;
      }
    if (write(fd, kOk, sizeof kOk - 1) != static_cast<ssize_t>(sizeof kOk - 1)) {
      close(fd);
      return;
    }
    std::memmove(buf.data(), buf.data() + total, used - total);
    used -= total;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string endpoint = "127.0.0.1:0";
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--endpoint" && i + 1 < argc)
      endpoint = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--endpoint 127.0.0.1:0]\n", argv[0]);
      return 2;
    }
  }
  auto colon = endpoint.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(endpoint.c_str() + colon + 1)));
  if (colon == std::string::npos || inet_pton(AF_INET, endpoint.substr(0, colon).c_str(), &addr.sin_addr) != 1) {
    std::fprintf(stderr, "bad endpoint %s (IPv4 host:port)\n", endpoint.c_str());
    return 2;
  }
  int s = socket(AF_INET, SOCK_STREAM, 0);
  socklen_t len = sizeof addr;
  if (s < 0 || bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(s, 64) != 0 ||
      getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("listen");
    return 1;
  }
  char host[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addr.sin_addr, host, sizeof host);
  std::printf("listening on %s:%d\n", host, ntohs(addr.sin_port));
  std::fflush(stdout);
  while (true) {
    int c = accept(s, nullptr, nullptr);
    if (c < 0) continue;
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::thread(serve, c).detach();
  }
}
