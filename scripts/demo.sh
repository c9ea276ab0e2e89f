#!/usr/bin/env bash
# `npm run demo`: from a fresh Debian 12 machine to an isolated container, then clean up.
# Installs what is missing (scripts/setup.sh), builds, and drives the real `hull` CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

work=$(mktemp -d /tmp/hull-demo.XXXXXX)
hull() { bin/hull --root "$work/root" --runroot "$work/run" "$@"; }
cleanup() {
  [ -n "${registry_pid:-}" ] && kill "$registry_pid" 2>/dev/null || true
  [ -n "${service_pid:-}" ] && kill "$service_pid" 2>/dev/null || true
  hull pod rm -f -a >/dev/null 2>&1 || true
  hull ps -aq --no-trunc 2>/dev/null | xargs -r bin/hull --root "$work/root" --runroot "$work/run" rm -f >/dev/null 2>&1 || true
  # Bridges and their firewall rules are host-wide: remove this store's before deleting it.
  hull network prune -f >/dev/null 2>&1 || true
  hull network rm -f bridge >/dev/null 2>&1 || true
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

step "Serve a page from a container on a published port, and fetch it from the host"
webport=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
show run -d --name web -p "127.0.0.1:$webport:80" busybox httpd -f -p 80 -h /var/www
show port web
for _ in $(seq 50); do node -e "fetch('http://127.0.0.1:$webport/').then(()=>process.exit(0),()=>process.exit(1))" && break; sleep 0.1; done
printf '$ curl http://127.0.0.1:%s/\n' "$webport"
node -e "fetch('http://127.0.0.1:$webport/').then(r=>r.text()).then(t=>process.stdout.write(t))"

step "Containers on a user network find each other by name"
show network create demo-net
show run -d --name api --network demo-net --network-alias backend busybox httpd -f -p 80 -h /var/www
show run --rm --network demo-net busybox wget -qO- http://api/
show run --rm --network demo-net busybox wget -qO- http://backend/
show rm -f web api
show network rm demo-net

step "Save the image to a docker-archive (it is loaded back below)"
show save -o "$work/busybox-saved.tar" busybox
ls -l "$work/busybox-saved.tar"

step "Build an image from a Containerfile; a rebuild takes every step from the cache"
mkdir -p "$work/ctx"
echo "hello from the build context" > "$work/ctx/greeting.txt"
cat > "$work/ctx/Containerfile" <<'EOF'
FROM busybox
RUN mkdir -p /srv && echo "built by hull build on $(uname -m)" > /srv/built && cat /srv/built
COPY greeting.txt /srv/
ENV GREETING_FILE=/srv/greeting.txt
CMD ["sh", "-c", "cat /srv/built $GREETING_FILE"]
EOF
printf '$ cat %s\n' "$work/ctx/Containerfile"
cat "$work/ctx/Containerfile"
show build -t demo-app "$work/ctx"
show run --rm demo-app
show build -t demo-app "$work/ctx"
show history demo-app
show rmi demo-app
show builder prune -f

step "Restart policies and health checks, with no daemon and no systemd"
show run -d --name demo-always --restart always busybox sh -c 'echo "started at $(date +%T)"; sleep 300'
pid=$(hull inspect -f '{{.State.Pid}}' demo-always)
printf '$ kill -9 %s   # the container crashes (killed from the host)\n' "$pid"
kill -9 "$pid"
for _ in $(seq 100); do [ "$(hull inspect -f '{{.RestartCount}}' demo-always)" -ge 1 ] && [ "$(hull inspect -f '{{.State.Status}}' demo-always)" = running ] && break; sleep 0.1; done
show inspect -f 'status={{.State.Status}} restarts={{.RestartCount}}' demo-always
show run -d --name demo-health --health-cmd 'test -f /tmp/ready' --health-interval 1s --health-retries 1 busybox sh -c 'sleep 2; touch /tmp/ready; sleep 300'
show ps --filter name=demo-health --format '{{.Names}}: {{.Status}}'
for _ in $(seq 100); do [ "$(hull inspect -f '{{.State.Health.Status}}' demo-health)" = healthy ] && break; sleep 0.1; done
show ps --filter name=demo-health --format '{{.Names}}: {{.Status}}'
show rm -f demo-always demo-health

step "Containers and images are listed and removed like docker's"
hull run --name demo-exited busybox echo "a named container that exited"
show ps -a
show rm demo-exited ticker

step "Serve a registry with hull itself, push the image to it, remove it locally, pull it back"
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
# Started without the hull function, so that $! is hull itself and the clean-up can stop it.
bin/hull --root "$work/root" --runroot "$work/run" registry serve --addr "127.0.0.1:$port" --root "$work/registry" > "$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 50); do node -e "fetch('http://127.0.0.1:$port/v2/').then(()=>process.exit(0),()=>process.exit(1))" && break; sleep 0.1; done
show tag busybox "127.0.0.1:$port/demo/busybox:1"
show push "127.0.0.1:$port/demo/busybox:1"
show rmi busybox "127.0.0.1:$port/demo/busybox:1"
show images
show load -i "$work/busybox-saved.tar"
show images
show rmi busybox
show pull "127.0.0.1:$port/demo/busybox:1"
show run --rm "127.0.0.1:$port/demo/busybox:1" echo "pulled from the registry hull serves"

show rmi "127.0.0.1:$port/demo/busybox:1"
show images

step "hull compose: a multi-service app from a compose file, natively (no API socket, no Python)"
hull import --change 'CMD ["sh"]' "$work/busybox.tar.gz" busybox:latest > /dev/null
mkdir -p "$work/shop"
cat > "$work/shop/compose.yaml" <<'EOF'
services:
  db:
    image: busybox
    command: ["sh", "-c", "mkdir -p /data && echo 'rows: 3' > /data/table && touch /tmp/ready && sleep 300"]
    volumes: ["dbdata:/data"]
    healthcheck: { test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, retries: 5 }
  web:
    image: busybox
    depends_on: { db: { condition: service_healthy } }
    command: ["httpd", "-f", "-p", "80", "-h", "/www"]
    volumes: ["dbdata:/www"]
    ports: ["127.0.0.1::80"]
volumes:
  dbdata: {}
EOF
printf '$ cat %s\n' "$work/shop/compose.yaml"; cat "$work/shop/compose.yaml"
show compose -f "$work/shop/compose.yaml" up -d
show compose -f "$work/shop/compose.yaml" ps
web_port=$(hull compose -f "$work/shop/compose.yaml" port web 80)
printf '$ curl http://%s/table\n' "$web_port"
node -e "fetch('http://$web_port/table').then(r=>r.text()).then(t=>process.stdout.write(t))"
show compose -f "$work/shop/compose.yaml" down -v

step "hull kube play: Kubernetes YAML as pods (a ConfigMap as env and file, an exec readiness probe), then kube down"
mkdir -p "$work/kube"
cat > "$work/kube/app.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata: {name: greeting}
data: {GREETING: "hello from a ConfigMap", motd: "mounted as a file\n"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: hello}
spec:
  replicas: 2
  selector: {matchLabels: {app: hello}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      volumes: [{name: cfg, configMap: {name: greeting}}]
      containers:
        - name: main
          image: busybox
          command: [sh, -c, 'touch /tmp/ready; exec sleep 600']
          env: [{name: GREETING, valueFrom: {configMapKeyRef: {name: greeting, key: GREETING}}}]
          volumeMounts: [{name: cfg, mountPath: /etc/greeting}]
          readinessProbe: {exec: {command: [cat, /tmp/ready]}, periodSeconds: 1}
EOF
printf '$ cat %s\n' "$work/kube/app.yaml"; cat "$work/kube/app.yaml"
show kube play "$work/kube/app.yaml" >/dev/null
show pod ps
printf '$ hull exec hello-pod-1-main sh -c '\''echo "$GREETING"; cat /etc/greeting/motd'\''\n'
hull exec hello-pod-1-main sh -c 'echo "$GREETING"; cat /etc/greeting/motd'
show kube down "$work/kube/app.yaml"

step "The Docker Engine API: the real docker CLI and docker-compose drive the same store"
printf '$ hull system service --time 0 unix://%s &\n' "$work/hull.sock"
bin/hull --root "$work/root" --runroot "$work/run" system service --time 0 "unix://$work/hull.sock" 2> "$work/service.log" &
service_pid=$!
for _ in $(seq 100); do [ -S "$work/hull.sock" ] && break; sleep 0.1; done
export DOCKER_HOST="unix://$work/hull.sock" DOCKER_CONFIG="$work/docker-config"
mkdir -p "$DOCKER_CONFIG" "$work/app"
printf '$ docker version --format ...\n'; docker version --format 'client {{.Client.Version}}, server {{.Server.Version}} (API {{.Server.APIVersion}})'
printf '$ docker run --rm busybox echo ...\n'; docker run --rm busybox echo "hello from docker run, through hull's socket"
cat > "$work/app/docker-compose.yml" <<'EOF'
version: "3.7"
services:
  web:
    image: busybox
    command: ["httpd", "-f", "-p", "80", "-h", "/data"]
    volumes: ["site:/data"]
  client:
    image: busybox
    depends_on: [web]
    command: ["sh", "-c", "echo served by the web service > /data/index.html; sleep 300"]
    volumes: ["site:/data"]
volumes:
  site: {}
EOF
(cd "$work/app" && printf '$ docker-compose up -d\n' && docker-compose -p demo up -d 2>&1 | tail -3)
(cd "$work/app" && printf '$ docker-compose exec client wget -qO- http://web/\n' && for _ in $(seq 50); do docker-compose -p demo exec -T client wget -qO- http://web/ 2>/dev/null && break; sleep 0.2; done)
show ps --format '{{.Names}}: {{.Status}}'
(cd "$work/app" && printf '$ docker-compose down -v\n' && docker-compose -p demo down -v 2>&1 | tail -2)
kill "$service_pid"; wait "$service_pid" 2>/dev/null || true
unset DOCKER_HOST DOCKER_CONFIG

step "Done: the demo store in $work is removed"
