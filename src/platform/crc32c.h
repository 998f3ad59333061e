// CRC-32C (Castagnoli), the checksum of the persistent queue's records: SSE4.2's crc32 instruction when the CPU
// has it, a table otherwise. Same value as RFC 3720's CRC32C (iSCSI), ext4, LevelDB and Kafka.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace otlpd {

// Continues `crc` (0 to start) over `n` bytes at `data`.
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n);
inline uint32_t crc32c(std::string_view s) { return crc32c_extend(0, s.data(), s.size()); }

}  // namespace otlpd
