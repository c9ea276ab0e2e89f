#!/usr/bin/env bash
# `npm run demo`: from a fresh Debian 12 machine to an isolated container, then clean up.
# Installs what is missing (scripts/setup.sh), builds, and drives the real `hull` CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

work=$(mktemp -d /tmp/hull-demo.XXXXXX)
hull() { node bin/hull --root "$work/root" --runroot "$work/run" "$@"; }
cleanup() {
  hull ps -aq --no-trunc 2>/dev/null | xargs -r node bin/hull --root "$work/root" --runroot "$work/run" rm -f >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
show() { printf '$ hull %s\n' "$*"; hull "$@"; }

step "Build a busybox root filesystem from Debian's busybox-static"
node dist/src/testing/busybox-tar.js "$work/busybox.tar.gz"
ls -l "$work/busybox.tar.gz"

step "Import it as an image"
show import --change 'CMD ["sh"]' "$work/busybox.tar.gz" busybox:latest
show images

step "Run a container: its own hostname, PID 1, users and network"
show run --rm --hostname demo busybox sh -c '
  echo "hostname: $(hostname)"
  echo "id:       $(id)"
  echo "processes (the host has $(cat /proc/loadavg | cut -d" " -f4 | cut -d/ -f2) threads; here only this shell and ps):"
  ps -o pid,user,comm
  echo "network interfaces: $(ls /sys/class/net | tr "\n" " ")"
  echo "capabilities (effective): $(grep CapEff /proc/self/status | cut -f2)"
  echo "no-new-privileges: $(grep NoNewPrivs /proc/self/status | cut -f2)"'

step "Exit codes come back from the container"
set +e
hull run --rm busybox sh -c 'exit 3'
echo "exit code: $?"
set -e

step "A detached container outlives hull under its monitor (conmon); logs, exec, stop"
show run -d --name ticker -m 32m --pids-limit 64 busybox sh -c 'trap "echo stopping; exit 0" TERM; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.3; done'
sleep 1.2
show ps
show logs --tail 3 ticker
show exec ticker sh -c 'echo "inside: $(hostname), memory limit $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes) bytes, pids limit $(cat /sys/fs/cgroup/pids/pids.max)"'
show stop ticker
show logs --tail 2 ticker

step "Containers and images are listed and removed like docker's"
hull run --name demo-exited busybox echo "a named container that exited"
show ps -a
show rm demo-exited ticker
show rmi busybox
show images

step "Done: the demo store in $work is removed"
