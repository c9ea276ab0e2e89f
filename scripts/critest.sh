#!/usr/bin/env bash
# critest (the Kubernetes CRI validation suite) and crictl from kubernetes-sigs/cri-tools, built from
# source into a cache directory, then run against a CRI endpoint.
#
#   bash scripts/critest.sh --build-only                 build crictl and critest if missing
#   bash scripts/critest.sh --endpoint unix:///x.sock [-- critest flags]   run the suite
#   bash scripts/critest.sh --containerd [-- critest flags]                run it against the containerd peer
#   bash scripts/critest.sh --hull [-- critest flags]                      run it against this checkout's `hull cri serve`
#
# Source: a git directory holding cri-tools (CRI_TOOLS_GIT, default the session mirror
# /work/.mirror/kubernetes-sigs+cri-tools/repo); tag v1.26.1, the newest that Debian 12's Go 1.19
# builds. cri-tools vendors its dependencies, so the build is offline (-mod=vendor). CI has no
# copy of the source: there critest runs on demand, not in `npm test` (docs/cri-streaming.md).
#
# One patch, the one Kubernetes itself made later (kubernetes/kubernetes#123463): the CRI client
# sends `localhost` as the HTTP/2 :authority on a unix socket. v1.26 sends the socket's path, which
# HTTP/2 servers other than grpc-go's (Node's nghttp2, Rust's h2) refuse with PROTOCOL_ERROR.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_DIR="${HULL_CRI_TOOLS_DIR:-/var/cache/hull-cri-tools}"
SRC_GIT="${CRI_TOOLS_GIT:-/work/.mirror/kubernetes-sigs+cri-tools/repo}"
VERSION="${CRI_TOOLS_VERSION:-v1.26.1}"
STAMP="$TOOLS_DIR/.built-$VERSION-localhost-authority"

build() {
  if [ -x "$TOOLS_DIR/crictl" ] && [ -x "$TOOLS_DIR/critest" ] && [ -f "$STAMP" ]; then return 0; fi
  command -v go >/dev/null || { echo "critest: Go is missing: apt-get install golang-go" >&2; exit 1; }
  [ -d "$SRC_GIT" ] || { echo "critest: no cri-tools source at $SRC_GIT (set CRI_TOOLS_GIT to a git clone of kubernetes-sigs/cri-tools)" >&2; exit 1; }
  local src="$TOOLS_DIR/src-$VERSION"
  rm -rf "$src" && mkdir -p "$src"
  git --git-dir="$SRC_GIT" archive "$VERSION" | tar -x -C "$src"
  local remote="$src/vendor/k8s.io/kubernetes/pkg/kubelet/cri/remote"
  sed -i 's|^\(\t*\)grpc.WithContextDialer(dialer),|\1grpc.WithContextDialer(dialer),\n\1grpc.WithAuthority("localhost"),|' "$remote/remote_runtime.go" "$remote/remote_image.go"
  grep -q 'WithAuthority("localhost")' "$remote/remote_runtime.go" || { echo "critest: the authority patch did not apply" >&2; exit 1; }
  local ldflags="-X github.com/kubernetes-sigs/cri-tools/pkg/version.Version=$VERSION"
  echo "critest: building crictl and critest $VERSION in $TOOLS_DIR (a few minutes)"
  (cd "$src" && export CGO_ENABLED=0 GOFLAGS=-mod=vendor GOPROXY=off &&
    go build -trimpath -ldflags "$ldflags" -o "$TOOLS_DIR/crictl" ./cmd/crictl &&
    go test -c -trimpath -ldflags "$ldflags" -o "$TOOLS_DIR/critest" ./cmd/critest)
  touch "$STAMP"
}

ENDPOINT=""
CONTAINERD=0
HULL=0
BUILD_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build-only) BUILD_ONLY=1 ;;
    --endpoint) ENDPOINT="$2"; shift ;;
    --containerd) CONTAINERD=1 ;;
    --hull) HULL=1 ;;
    --) shift; break ;;
    *) echo "critest: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

mkdir -p "$TOOLS_DIR"
build
[ "$BUILD_ONLY" = 1 ] && { echo "critest: $TOOLS_DIR/crictl and $TOOLS_DIR/critest are built"; exit 0; }
exec node dist/bench/tools/critest-run.js --tools "$TOOLS_DIR" ${ENDPOINT:+--endpoint "$ENDPOINT"} $([ "$CONTAINERD" = 1 ] && echo --containerd) $([ "$HULL" = 1 ] && echo --hull) -- "$@"
