#!/usr/bin/env bash
# Installs what is missing, builds Release and runs every test; then the same suite under ASan and UBSan.
# Incremental: packages are installed once, build directories are reused.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
jobs=$(nproc)
# ccache keys on paths relative to the checkout, so another clone on this machine reuses the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

# Configure every time (cheap): the e2e tests are registered only once their npm packages are installed.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure --no-tests=error -LE bench -j "$jobs")

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOTLPD_SANITIZE=ON -DOTLPD_BENCH=OFF >/dev/null
cmake --build build-asan -j "$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure --no-tests=error -LE bench -j "$jobs")
echo "all tests passed (Release and ASan/UBSan)"
