#!/usr/bin/env bash
# The container image, built and run for real with podman (issue #18): the Dockerfile's runtime stage on a
# bookworm-slim base made here with debootstrap (no registry is reachable), the otlpd binary of this build in
# place of the build stage's (the same cmake build; compiling it again inside the image would take most of a CI
# run). Then the container runs as its Dockerfile says (read-only root, no network but its own loopback):
#   - the image's HEALTHCHECK (otlpd healthcheck, no shell) reports healthy;
#   - an OTLP/HTTP span posted to it from inside its network namespace is accepted, and the debug exporter of the
#     image's default config prints it;
#   - it runs as uid 10001 and stops cleanly on SIGTERM (podman stop), exit code 0.
# This machine's podman runs containers with runc and cgroupfs under an explicit cgroup parent; crun refuses its
# hybrid cgroup layout ("cgroups in hybrid mode not supported").
# usage: tests/deploy/container_test.sh OTLPD_BINARY WORK_DIR
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OTLPD="$(realpath "$1")"
WORK="$2"
mkdir -p "$WORK"
WORK="$(realpath "$WORK")"
TAG="otlpd-test-$$"
BASE="localhost/otlpd-test-base:bookworm-slim"
NAME="otlpd-test-$$"
PODMAN=(podman --runtime runc --cgroup-manager cgroupfs)
# A cgroup parent of this run's own: a devices cgroup whose children are still being torn down refuses a new
# container's rules ("devices.deny: invalid argument").
CGROUP="otlpd-test-$$"
LIMITS=(--ulimit nofile=4096:4096 --ulimit nproc=4096:4096 --cgroup-parent "/$CGROUP")

cleanup() {
  "${PODMAN[@]}" rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
  "${PODMAN[@]}" rmi -f "$TAG" >/dev/null 2>&1 || true
  find /sys/fs/cgroup/*/"$CGROUP" -depth -type d -exec rmdir {} \; 2>/dev/null || true
}
trap cleanup EXIT
fail() {
  echo "FAILED: $*" >&2
  "${PODMAN[@]}" logs "$NAME" 2>&1 | tail -20 >&2 || true
  exit 1
}

# 1. The base image: Debian bookworm, minbase, from the mirror apt uses; kept in WORK for the next run.
if ! "${PODMAN[@]}" image exists "$BASE"; then
  if [[ ! -f "$WORK/bookworm-slim.tar" ]]; then
    mirror=$(grep -h -m1 -oE '^URIs: *http[^ ]*debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null |
      awk '{print $2}' || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    rm -rf "$WORK/rootfs"
    echo "container test: debootstrap bookworm from $mirror"
    debootstrap --variant=minbase bookworm "$WORK/rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 ||
      { tail -20 "$WORK/debootstrap.log" >&2; fail "debootstrap"; }
    rm -rf "$WORK/rootfs/var/lib/apt/lists/"* "$WORK/rootfs/var/cache/apt/archives/"*.deb
    tar -C "$WORK/rootfs" -cf "$WORK/bookworm-slim.tar" .
    rm -rf "$WORK/rootfs"
  fi
  "${PODMAN[@]}" import "$WORK/bookworm-slim.tar" "$BASE" >/dev/null
fi

# 2. The runtime stage of the Dockerfile, as written, but FROM the base above and COPY of this build's binary; the
#    docker format keeps HEALTHCHECK (the OCI format has none).
ctx="$WORK/context"
rm -rf "$ctx" && mkdir -p "$ctx/config"
awk 'f || /^FROM debian:bookworm-slim/ {f=1; print}' "$ROOT/Dockerfile" |
  sed -e "s|^FROM debian:bookworm-slim|FROM $BASE|" \
    -e 's|^COPY --from=build /src/build/src/otlpd /usr/local/bin/otlpd|COPY otlpd /usr/local/bin/otlpd|' \
    >"$ctx/Containerfile"
grep -q '^COPY otlpd /usr/local/bin/otlpd' "$ctx/Containerfile" || fail "the Dockerfile's runtime stage changed shape"
cp "$OTLPD" "$ctx/otlpd" && strip "$ctx/otlpd"
cp "$ROOT/config/docker.yaml" "$ctx/config/docker.yaml"
"${PODMAN[@]}" build --format docker --network host "${LIMITS[@]}" -t "$TAG" -f "$ctx/Containerfile" "$ctx" >"$WORK/build.log" 2>&1 ||
  { tail -30 "$WORK/build.log" >&2; fail "podman build"; }

# 3. Run it as the Dockerfile says, with its own network namespace (nothing of it reaches the host's network).
"${PODMAN[@]}" run -d --name "$NAME" --network none --read-only "${LIMITS[@]}" "$TAG" >/dev/null ||
  fail "podman run"
pid=$("${PODMAN[@]}" inspect -f '{{.State.Pid}}' "$NAME")
[[ $pid -gt 0 ]] || fail "no container process"

healthy=0
for _ in $(seq 1 60); do
  if "${PODMAN[@]}" healthcheck run "$NAME" >/dev/null 2>&1; then healthy=1; break; fi
  sleep 0.5
done
((healthy)) || fail "the image's HEALTHCHECK never passed"
[[ $("${PODMAN[@]}" inspect -f '{{.State.Health.Status}}' "$NAME") == healthy ]] || fail "health status not healthy"

uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
[[ $uid == 10001 ]] || fail "runs as uid $uid, not 10001"

span='{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"container-test"}}]},"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"from-the-container-test","kind":2,"startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}'
code=$(nsenter --net="/proc/$pid/ns/net" curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
  -H 'Content-Type: application/json' --data "$span" http://127.0.0.1:4318/v1/traces) || true
[[ $code == 200 ]] || fail "OTLP/HTTP answered '$code', not 200"
seen=0
for _ in $(seq 1 40); do
  if "${PODMAN[@]}" logs "$NAME" 2>&1 | grep -q 'from-the-container-test\|1 spans'; then seen=1; break; fi
  sleep 0.25
done
((seen)) || fail "the debug exporter did not print the span"

"${PODMAN[@]}" stop -t 15 "$NAME" >/dev/null || fail "podman stop"
exit_code=$("${PODMAN[@]}" inspect -f '{{.State.ExitCode}}' "$NAME")
[[ $exit_code == 0 ]] || fail "exit code $exit_code after SIGTERM"
echo "container test: built $TAG, healthy, accepted a span, ran as uid 10001, stopped with exit code 0"
