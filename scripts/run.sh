#!/usr/bin/env bash
# Installs what is missing, builds otlpd (Release) and runs it on config/otlpd.yaml (or the config given).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
[[ -f build/build.ninja ]] || cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build --target otlpd
exec build/src/otlpd --config "${1:-config/otlpd.yaml}"
