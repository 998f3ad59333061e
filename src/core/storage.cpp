// Looking up the storage extension an exporter's sending_queue names.
#include "core/storage.h"

#include <stdexcept>

namespace otlpd {

const StorageExtension& find_storage(const Host& host, const std::string& id) {
  ComponentId cid;
  if (!ComponentId::parse(id, cid)) throw std::runtime_error("storage '" + id + "' is not a valid component id");
  Extension* e = host.extension(cid);
  if (!e) throw std::runtime_error("storage extension '" + id + "' is not configured in service.extensions");
  const auto* s = dynamic_cast<const StorageExtension*>(e);
  if (!s) throw std::runtime_error("extension '" + id + "' does not provide storage (use a file_storage extension)");
  return *s;
}

}  // namespace otlpd
