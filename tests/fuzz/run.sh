#!/usr/bin/env bash
# Runs one libFuzzer target (tests/fuzz, built with OTLPD_FUZZ):
#   run.sh replay BINARY DIR...                  each input in the folders once
#   run.sh [--keep] SECONDS BINARY WORKDIR DIR...  fuzzes for SECONDS, from a copy of the folders' inputs in
#                                                WORKDIR/corpus (new ones are kept there, never in the tree);
#                                                --keep adds to the corpus a previous run left instead of
#                                                starting from the seeds alone.
# Fails on a crash, a sanitizer report, a failed check, a leak, a timeout or running out of memory, and says
# where the input is and how to reproduce it.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
target_of() { local b; b=$(basename "$1"); echo "${b#fuzz_}"; }
inputs_in() { for d in "$@"; do if [[ -d $d ]]; then find "$d" -type f; fi; done | sort; }
# The sanitizers' settings of scripts/test.sh, unless the caller has its own.
if [[ -z ${ASAN_OPTIONS:-} ]]; then
  source "$src/../../scripts/sanitizer_tree.sh"
  export $sanitizer_env
fi

if [[ $1 == replay ]]; then
  bin=$2
  shift 2
  mapfile -t files < <(inputs_in "$@")
  if ((${#files[@]} == 0)); then echo "run.sh: no inputs in $*"; exit 1; fi
  exec "$bin" "${files[@]}"
fi

keep=0
if [[ $1 == --keep ]]; then keep=1; shift; fi
seconds=$1 bin=$2 work=$3
shift 3
target=$(target_of "$bin")

((keep)) || rm -rf "$work/corpus"
rm -f "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*
mkdir -p "$work/corpus"
inputs_in "$@" | while read -r f; do cp "$f" "$work/corpus/"; done
dict=()
if [[ -f $src/dicts/$target.dict ]]; then dict=(-dict="$src/dicts/$target.dict"); fi

echo "run.sh: fuzzing $target for ${seconds}s from $(find "$work/corpus" -type f | wc -l) inputs in $work/corpus"
status=0
"$bin" "$work/corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "${dict[@]}" || status=$?
if ((status != 0)); then
  artifact=$(ls -t "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null | head -1 || true)
  echo
  echo "run.sh: fuzz target $target failed (exit status $status)."
  if [[ -n $artifact ]]; then
    echo "  the input:    $artifact"
    echo "  reproduce it: $bin $artifact   (ASAN_OPTIONS=$ASAN_OPTIONS)"
    echo "  keep it:      mkdir -p $src/regressions/$target && cp $artifact $src/regressions/$target/"
    echo "                then fix the bug: every tree replays the regressions (fuzz.replay.$target)"
  fi
  exit 1
fi
