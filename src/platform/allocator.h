// The daemon's settings for glibc's allocator: keep freed memory for reuse instead of returning it to the system
// after every large request.
#pragma once

#include <cstddef>
#include <string>

namespace otlpd {

// glibc starts by returning the free top of a heap to the system once it exceeds 128 KiB, and by serving every
// block over 128 KiB with an mmap of its own; it raises both only as mmapped blocks are freed, and a transport
// thread's arena is trimmed all the same. Receive buffers and decoded batches of a few hundred KiB then come back
// as fresh pages on every request, and the page faults (each clears its page) cost more than the copy into them:
// a throttled 512-span gRPC request spent half its CPU so (bench/RATELIMIT.md). These serve blocks up to
// kMmapThreshold (the gRPC receiver's default max_recv_msg_size_mib) from the heaps and keep up to kTrimThreshold
// free at the top of each. Twice that (glibc's own rule) kept 30 MiB more at the peak of the full-speed overload
// test (64 MiB budget) than glibc's defaults; this keeps 15 MiB more. The memory_limiter counts the heap in use,
// not what is kept free, and returns what is kept (malloc_trim) when over its soft limit.
inline constexpr size_t kMmapThreshold = size_t{4} << 20;
inline constexpr size_t kTrimThreshold = size_t{4} << 20;

// Applies the settings above unless `tunables` (the value of GLIBC_TUNABLES) already sets glibc.malloc.*: the
// operator's settings win. Returns what was done, for the log. No-op under a sanitizer's allocator.
std::string tune_allocator(const char* tunables);

// Returns the free memory the allocator keeps to the system (malloc_trim); a no-op under a sanitizer's allocator.
void release_free_memory();

}  // namespace otlpd
