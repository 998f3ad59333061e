#!/usr/bin/env bash
# Fuzzes by hand, for longer than CI's 30 s a target (docs/fuzzing.md):
#   scripts/fuzz.sh [SECONDS] [TARGET...]   each target (default: all, one after another) for SECONDS (300)
#   scripts/fuzz.sh --seeds                 regenerates the generated seeds in tests/fuzz/corpus
# Builds the sanitizer tree (scripts/test.sh's build-asan: clang, ASan, UBSan, libFuzzer) when needed. Each
# target's corpus grows across runs in build-asan/tests/fuzz/long/<target>/corpus; what a run finds is left
# there too, and the output says how to reproduce it and keep it as a regression.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
source scripts/sanitizer_tree.sh
cmake -S . -B "$sanitizer_dir" -G Ninja "${sanitizer_cmake_args[@]}" >/dev/null
fuzz_dir=$sanitizer_dir/tests/fuzz

if [[ ${1:-} == --seeds ]]; then
  cmake --build "$sanitizer_dir" -j "$(nproc)" --target fuzz_seeds
  "$fuzz_dir/fuzz_seeds" tests/fuzz/corpus .
  exit
fi

seconds=300
if [[ ${1:-} =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in tests/fuzz/*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
cmake --build "$sanitizer_dir" -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

export $sanitizer_env
failed=()
for t in "${targets[@]}"; do
  bash tests/fuzz/run.sh --keep "$seconds" "$fuzz_dir/fuzz_$t" "$fuzz_dir/long/$t" \
    "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t" || failed+=("$t")
done
if ((${#failed[@]})); then echo "fuzz.sh: found problems in: ${failed[*]}"; exit 1; fi
echo "fuzz.sh: nothing found in ${targets[*]} (${seconds}s each)"
