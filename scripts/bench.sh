#!/usr/bin/env bash
# npm run bench [-- --quick] [-- --only NAME]: hull side by side with podman, runc, skopeo,
# buildah and the reference registry. Installs the peers (as setup.sh does for tests), builds,
# then runs dist/bench/main.js, which writes docs/benchmarks.md and bench-results/.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "bench: run as root (containers, mounts, a loop filesystem)" >&2; exit 1; fi
export HULL_EXTRA_DEB_PACKAGES="${HULL_EXTRA_DEB_PACKAGES:-} podman buildah debootstrap iperf3 e2fsprogs containerd"
bash scripts/setup.sh
exec node dist/bench/main.js "$@"
