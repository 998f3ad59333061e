#!/usr/bin/env bash
# Fails when a file includes a project header from a layer above its own (src/CMakeLists.txt names the layers).
set -euo pipefail
src=${1:?usage: check_includes.sh SRC_DIR}
rank() {
  case $1 in
    platform) echo 0 ;;
    model | codec) echo 1 ;;
    core | config | ottl) echo 2 ;;
    receivers | processors | exporters | extensions | connectors) echo 3 ;;
    service | main.cpp) echo 4 ;;
    *) echo -1 ;;
  esac
}
bad=0
checked=0
while IFS= read -r -d '' file; do
  rel=${file#"$src"/}
  own=$(rank "${rel%%/*}")
  [ "$own" -ge 0 ] || { echo "$rel: not in a known layer (add its folder to tests/layering/check_includes.sh)"; bad=1; continue; }
  while IFS= read -r inc; do
    target=$(rank "${inc%%/*}")
    [ "$target" -ge 0 ] || continue  # generated code (opentelemetry/...) and system headers
    checked=$((checked + 1))
    # Components use each other only where one is built on another's parts (a component folder is one layer).
    if [ "$target" -gt "$own" ]; then
      echo "$rel includes $inc: an arrow up from ${rel%%/*} to ${inc%%/*}"
      bad=1
    fi
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
done < <(find "$src" \( -name '*.h' -o -name '*.cpp' \) -print0)
echo "$checked project includes checked"
[ "$checked" -gt 100 ] || { echo "too few includes found: is $src the source tree?"; exit 1; }
exit $bad
