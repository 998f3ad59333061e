// OTLPD_ASAN_ALLOCATOR is defined when AddressSanitizer's allocator replaces glibc's arenas (gcc says so with
// __SANITIZE_ADDRESS__, clang with __has_feature): then only it knows the heap, and mallopt/mallinfo2 mean nothing.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define OTLPD_ASAN_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OTLPD_ASAN_ALLOCATOR 1
#endif
#endif
