// Registry of bound receiver endpoints.
#include "platform/endpoints.h"

#include <spdlog/spdlog.h>

#include <map>
#include <mutex>

namespace otlpd {

namespace {
std::mutex mu;
std::map<std::string, int, std::less<>>& ports() {
  static std::map<std::string, int, std::less<>> m;
  return m;
}
std::string key(std::string_view id, std::string_view transport) {
  return std::string(id) + "|" + std::string(transport);
}
}  // namespace

void record_listening(std::string_view receiver_id, std::string_view transport, std::string_view host, int port,
                      std::string_view kind) {
  {
    std::lock_guard lock(mu);
    ports()[key(receiver_id, transport)] = port;
  }
  spdlog::info("{} {} ({}) listening on {}:{}", kind, receiver_id, transport, host, port);
}

void record_listening(std::string_view receiver_id, std::string_view transport, const NetEndpoint& bound,
                      std::string_view kind) {
  if (!bound.is_unix()) return record_listening(receiver_id, transport, bound.display_host(), bound.port, kind);
  {
    std::lock_guard lock(mu);
    ports()[key(receiver_id, transport)] = 0;
  }
  spdlog::info("{} {} ({}) listening on {}", kind, receiver_id, transport, bound.str());
}

std::optional<int> listening_port(std::string_view receiver_id, std::string_view transport) {
  std::lock_guard lock(mu);
  auto it = ports().find(key(receiver_id, transport));
  if (it == ports().end()) return std::nullopt;
  return it->second;
}

}  // namespace otlpd
