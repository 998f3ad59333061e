// Storage for persistent sending queues: the interface an extension (file_storage) implements so that an
// exporter's `sending_queue.storage` can name it.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "core/component.h"
#include "platform/signal.h"

namespace otlpd {

// Where and how one queue is kept on disk.
struct QueueStorage {
  std::filesystem::path directory;  // one per exporter and signal
  bool fsync = false;
  std::chrono::milliseconds lock_timeout{1000};
};

class StorageExtension : public Extension {
 public:
  // The queue directory of exporter `exporter` for signal `signal` (not created here).
  virtual QueueStorage queue_storage(const ComponentId& exporter, Signal signal) const = 0;
};

// The started storage extension `id`. Throws std::runtime_error naming it when it is not among the service's
// extensions or does not provide storage.
const StorageExtension& find_storage(const Host& host, const std::string& id);

}  // namespace otlpd
