#!/usr/bin/env bash
# Installs what otlpd needs on Debian bookworm, only what is missing (a second run installs nothing).
#   scripts/deps.sh          build and run dependencies
#   scripts/deps.sh --test   also what the tests need (Node packages for the end-to-end tests, Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev
  libc-ares-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libboost-dev libboost-system-dev libssl-dev
  zlib1g-dev libzstd-dev libsimdjson-dev libre2-dev libcurl4-openssl-dev libsnappy-dev
)
# clang builds the sanitizer tree: libclang-rt has ASan, UBSan and libFuzzer; llvm-14 symbolises their reports.
# dnsmasq is the DNS server of the loadbalancing exporter's resolver tests; prometheus scrapes the prometheus
# exporter in its tests; podman (run with runc), debootstrap and curl build and run the container image in
# tests/deploy/container_test.sh.
test_packages=(catch2 nodejs npm chromium openssl clang-format-14 clang-14 libclang-rt-14-dev llvm-14 dnsmasq
  prometheus podman runc debootstrap curl)

want=("${packages[@]}")
if [[ "${1:-}" == "--test" ]]; then want+=("${test_packages[@]}"); fi

missing=()
for p in "${want[@]}"; do
  # nodejs/npm may come from elsewhere than Debian (e.g. a preinstalled Node): a working command is enough.
  if [[ "$p" == nodejs || "$p" == npm ]] && command -v "${p/nodejs/node}" >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ "${1:-}" == "--test" && -f tests/e2e/package-lock.json ]]; then
  # Reinstall the end-to-end tests' npm packages only when the lock file changed.
  stamp=tests/e2e/node_modules/.otlpd-lock-stamp
  if [[ ! -f "$stamp" ]] || ! cmp -s tests/e2e/package-lock.json "$stamp"; then
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
    cp tests/e2e/package-lock.json "$stamp"
  fi
fi
