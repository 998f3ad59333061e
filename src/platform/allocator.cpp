// glibc allocator settings (see allocator.h).
#include "platform/allocator.h"

#include <malloc.h>

#include <string_view>

#include "platform/sanitizer.h"

namespace otlpd {

std::string tune_allocator(const char* tunables) {
#if defined(OTLPD_ASAN_ALLOCATOR)
  (void)tunables;
  return "allocator: left to AddressSanitizer";
#else
  if (tunables && std::string_view(tunables).find("glibc.malloc.") != std::string_view::npos)
    return "allocator: glibc.malloc settings from GLIBC_TUNABLES";
  // Setting either turns off glibc's own adjustment of both, so both are set.
  if (mallopt(M_MMAP_THRESHOLD, static_cast<int>(kMmapThreshold)) != 1 ||
      mallopt(M_TRIM_THRESHOLD, static_cast<int>(kTrimThreshold)) != 1)
    return "allocator: mallopt refused the thresholds; glibc defaults apply";
  return "allocator: mmap_threshold " + std::to_string(kMmapThreshold >> 10) + " KiB, trim_threshold " +
         std::to_string(kTrimThreshold >> 10) + " KiB";
#endif
}

void release_free_memory() {
#if !defined(OTLPD_ASAN_ALLOCATOR)
  malloc_trim(0);
#endif
}

}  // namespace otlpd
