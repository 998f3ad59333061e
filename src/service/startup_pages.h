// Dropping the executable's start-up pages once the daemon runs.
#pragma once

#include <cstddef>
#include <string>

namespace otlpd {

struct ReleasedPages {
  size_t bytes = 0;     // size of the mappings advised
  size_t mappings = 0;  // how many
  std::string error;    // why nothing was advised (no /proc, an old kernel), empty otherwise
};

// Asks the kernel to reclaim (MADV_PAGEOUT) the running executable's clean read-only file mappings: its code,
// read-only data and the tables the loader reads. Start-up runs code and reads data that are never needed again
// (gRPC's and protobuf's initialisation, config parsing, relocation); the kernel would reclaim those pages only
// under memory pressure, and counts them in the process's RSS until then. Pages still in use come back on their
// next access, from the page cache or the file. Writable mappings, and read-only ones holding anonymous pages
// (relocated data), are left alone; so are pages another process maps.
ReleasedPages release_startup_pages();

}  // namespace otlpd
