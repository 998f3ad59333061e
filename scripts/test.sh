#!/usr/bin/env bash
# Installs what is missing, builds Release (gcc) and runs every test; then the same suite under ASan and UBSan
# (clang, which also fuzzes each fuzz target for 30 s: tests/fuzz, docs/fuzzing.md).
# Both trees run even when the first has a failure; the script reports each and exits non-zero if either failed.
# Incremental: packages are installed once, build directories are reused.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
jobs=$(nproc)
# ccache keys on paths relative to the checkout, so another clone on this machine reuses the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
source scripts/sanitizer_tree.sh

declare -A result

# Formatting is checked, not fixed: a file that differs from what clang-format-14 (.clang-format) makes of it fails
# the run. To fix: git ls-files -z '*.cpp' '*.h' | xargs -0 clang-format-14 -i
if git ls-files -z '*.cpp' '*.h' | xargs -0 clang-format-14 --dry-run -Werror; then
  result[Format]=passed
else
  result[Format]="files not formatted (clang-format-14 --dry-run above names them)"
fi
# Builds one tree and runs its suite; records "passed" or what failed, never stops the script.
run_tree() {
  local name=$1 dir=$2 env=$3
  shift 3
  local t0=$SECONDS
  # Configure every time (cheap): the e2e tests are registered only once their npm packages are installed.
  if ! cmake -S . -B "$dir" -G Ninja "$@" >/dev/null; then result[$name]="configure failed"; return; fi
  if ! cmake --build "$dir" -j "$jobs"; then result[$name]="build failed"; return; fi
  local t1=$SECONDS
  if (cd "$dir" && env $env ctest --output-on-failure --no-tests=error -LE bench -j "$jobs"); then
    result[$name]="passed (build $((t1 - t0)) s, tests $((SECONDS - t1)) s)"
  else
    result[$name]="tests failed (build $((t1 - t0)) s, tests $((SECONDS - t1)) s)"
  fi
}

run_tree Release build "" -DCMAKE_BUILD_TYPE=Release
run_tree ASan/UBSan "$sanitizer_dir" "$sanitizer_env" "${sanitizer_cmake_args[@]}"

status=0
for name in Format Release ASan/UBSan; do
  echo "test.sh: $name: ${result[$name]}"
  [[ ${result[$name]} == passed* ]] || status=1
done
if ((status == 0)); then echo "all tests passed (formatting, Release and ASan/UBSan)"; fi
exit $status
