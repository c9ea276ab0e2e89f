#!/usr/bin/env bash
# Installs what hull and its tests need on a fresh Debian 12 machine (as root), then builds.
# Idempotent: each step checks first, so a second run costs well under a second plus the build.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the OCI runtime, the container monitor, the init, the test image source, the
# DNS server of user networks (aardvark-dns), the IPv6-loopback port proxy (socat),
# and the tools used as interoperability oracles and peers (dnsmasq: the DNS tests' upstream).
DEB_PACKAGES=(runc conmon catatonit busybox-static skopeo umoci uidmap iptables buildah
  containernetworking-plugins aardvark-dns socat docker-registry attr tmux zstd podman dnsmasq-base
  ceph-mon ceph-osd ceph-common radosgw chromium python3-kubernetes passt slirp4netns fuse-overlayfs
  docker-compose python3-docker ${HULL_EXTRA_DEB_PACKAGES:-})
# (ceph-*, radosgw: a real S3 server for the registry's S3 tests, started per test file by
# src/registry-server/testing/radosgw.ts; chromium: the registry web UI's browser tests;
# python3-kubernetes: the Kubernetes API's types, offline, for kube generate's schema test;
# passt: pasta, rootless mode's network; slirp4netns, fuse-overlayfs: podman rootless, the bench's peer;
# docker-compose 1.29, python3-docker: real Docker API clients driving `hull system service`.)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then echo "setup: run as root to install packages" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The registry package starts a service listening on :5000; tests start their own on random ports.
  if systemctl is-active --quiet docker-registry 2>/dev/null; then systemctl stop docker-registry || true; fi
fi

# Rootless mode (docs/rootless.md): pasta opens /dev/net/tun as the user. udev makes it 0666 on
# Debian; machines without udev leave it 0600 (a tap device still needs CAP_NET_ADMIN in its namespace).
if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ] && [ "$(id -u)" = 0 ]; then chmod 0666 /dev/net/tun; fi
# The fuse-overlayfs storage driver (docs/storage.md) opens /dev/fuse as the user: 0666 as udev sets it.
if [ -c /dev/fuse ] && [ "$(stat -c %a /dev/fuse)" != 666 ] && [ "$(id -u)" = 0 ]; then chmod 0666 /dev/fuse; fi

# npm dependencies: reinstall when the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies"
  # node-unix-socket lists prebuilt packages for platforms the registry does not have: the lockfile
  # carries entries for them (optional, with their os/cpu) so that `npm ci` skips them, as it does
  # any optional dependency for another platform.
  npm ci --no-audit --no-fund --loglevel=error
fi

npx tsc -p tsconfig.json
node scripts/bundle.mjs
