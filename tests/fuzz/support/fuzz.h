// What the fuzz targets share: checks that hold in every build (NDEBUG too), reading a fuzz input's leading
// option bytes, comparing messages. (fuzz.cpp, linked into every target, also quiets logging at start-up.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>

// Every target defines this (libFuzzer's entry point); the replay driver (replay.cpp) calls it too.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace otlpd::fuzz {

[[noreturn]] inline void check_failed(const char* file, int line, const char* condition, std::string_view detail) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, condition);
  if (!detail.empty()) std::fprintf(stderr, "  %.*s\n", static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// A fuzz input: option bytes taken from the front (zero once it is used up), the rest as the payload.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}
  uint8_t byte() {
    if (rest_.empty()) return 0;
    auto b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  uint16_t u16() { return static_cast<uint16_t>(byte() | byte() << 8); }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

// Checks that `got` equals `want` (a NaN equal to a NaN: it is a valid value); the failure says `what`
// differs and how.
void check_same(const google::protobuf::Message& want, const google::protobuf::Message& got, std::string_view what);

}  // namespace otlpd::fuzz

// Checks `condition`; on failure prints `detail` (anything convertible to std::string_view) and aborts, which
// libFuzzer reports as a crash and the replay driver as a failed test.
#define FUZZ_CHECK(condition, detail)                                                      \
  do {                                                                                     \
    if (!(condition)) ::otlpd::fuzz::check_failed(__FILE__, __LINE__, #condition, detail); \
  } while (0)
