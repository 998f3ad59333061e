// Test helper: counting what a component wrote to a file.
#pragma once

#include <algorithm>
#include <string>

#include "support/daemon.h"

namespace otlpd::test {

// Lines in the file at `path`; 0 when it does not exist (yet).
inline size_t lines_in(const std::string& path) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const std::exception&) {
    return 0;
  }
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace otlpd::test
