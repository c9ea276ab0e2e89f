/**
 * Golden tests of the normalised model: every short syntax of the service keys in,
 * the long form `docker compose config` prints out; and invalid files with their errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { load } from './testing/files.js';

const FULL = `
services:
  web:
    image: nginx:1.25
    build:
      context: ./web
      dockerfile: Containerfile
      args: [VERSION=1, EMPTY]
      target: prod
      labels: {a: b}
      no_cache: true
      pull: "false"
    command: nginx -g 'daemon off;'
    entrypoint: ["/docker-entrypoint.sh"]
    environment: [A=1, "B=two=2", C]
    env_file: [web.env]
    ports:
      - "80"
      - "8080:80"
      - "127.0.0.1:8443:443/tcp"
      - "[::1]:5353:53/udp"
      - "9000-9001:9000-9001"
      - "7000-7002:7000"
      - target: 81
        published: 8081
        protocol: udp
        host_ip: 0.0.0.0
    expose: [3000, "3001"]
    volumes:
      - ./html:/usr/share/nginx/html:ro,z
      - data:/data:nocopy
      - /anon
      - ~/cache:/cache
      - type: tmpfs
        target: /tmp
        tmpfs: {size: 64m, mode: 1777}
      - type: volume
        source: data
        target: /sub
        read_only: true
        volume: {nocopy: true, subpath: part}
    tmpfs: /run
    networks:
      front:
        aliases: [www]
        ipv4_address: 172.30.0.10
      back:
    depends_on:
      db:
        condition: service_healthy
        restart: true
      cache:
        condition: service_started
        required: false
    healthcheck:
      test: curl -f http://localhost
      interval: 90s
      timeout: 5s
      retries: "3"
      start_period: 1m
    restart: on-failure:3
    deploy:
      replicas: 2
      resources:
        limits: {cpus: "0.50", memory: 512M, pids: 100}
    user: "1000:1000"
    working_dir: /srv
    hostname: web
    domainname: example.org
    init: true
    read_only: "true"
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    privileged: false
    ulimits:
      nproc: 65535
      nofile: {soft: 20000, hard: 40000}
    sysctls: [net.core.somaxconn=1024]
    extra_hosts: ["db.local:10.0.0.2", "v6=::1"]
    dns: 8.8.8.8
    labels: [com.example.tier=front, flag]
    stop_signal: SIGQUIT
    stop_grace_period: 1m30s
    tty: true
    stdin_open: false
    shm_size: 1g
    secrets: [token, {source: cert, target: /etc/cert.pem, mode: 0440}]
    configs: [{source: conf, target: /etc/nginx/nginx.conf}]
    pull_policy: missing
  db:
    image: postgres
    container_name: the-db
    network_mode: "none"
    healthcheck:
      disable: true
networks:
  front:
    driver: bridge
    ipam:
      config: [{subnet: 172.30.0.0/24, gateway: 172.30.0.1}]
  back:
    internal: true
  outside:
    external: true
volumes:
  data:
    driver_opts: {type: none}
  shared:
    external: true
    name: shared-data
secrets:
  token: {file: ./token.txt}
  cert: {environment: CERT}
configs:
  conf: {content: "worker_processes 1;"}
`;

test('every service key of the issue normalises to its long form', () => {
  const p = load({ 'compose.yaml': FULL, 'web.env': 'FROM_FILE=1\nA=overridden\n' }, { environment: { C: 'from-env', HOME: '/home/u' }, dirName: 'shop' });
  const dir = p.workingDir;
  const web = p.model.services.web;
  assert.deepEqual(web?.build, { context: join(dir, 'web'), dockerfile: 'Containerfile', args: { VERSION: '1', EMPTY: null }, target: 'prod', labels: { a: 'b' }, no_cache: true, pull: false });
  assert.deepEqual(web?.command, ['nginx', '-g', 'daemon off;']);
  assert.deepEqual(web?.entrypoint, ['/docker-entrypoint.sh']);
  assert.deepEqual(web?.environment, { FROM_FILE: '1', A: '1', B: 'two=2', C: 'from-env' });
  assert.deepEqual(web?.env_file, [{ path: join(dir, 'web.env'), required: true }]);
  assert.deepEqual(web?.ports, [
    { mode: 'ingress', target: 80, protocol: 'tcp' },
    { mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' },
    { mode: 'ingress', host_ip: '127.0.0.1', target: 443, published: '8443', protocol: 'tcp' },
    { mode: 'ingress', host_ip: '::1', target: 53, published: '5353', protocol: 'udp' },
    { mode: 'ingress', target: 9000, published: '9000', protocol: 'tcp' },
    { mode: 'ingress', target: 9001, published: '9001', protocol: 'tcp' },
    { mode: 'ingress', target: 7000, published: '7000-7002', protocol: 'tcp' },
    { mode: 'ingress', host_ip: '0.0.0.0', target: 81, published: '8081', protocol: 'udp' },
  ]);
  assert.deepEqual(web?.expose, ['3000', '3001']);
  assert.deepEqual(web?.volumes, [
    { type: 'bind', source: join(dir, 'html'), target: '/usr/share/nginx/html', read_only: true, bind: { create_host_path: true, selinux: 'z' } },
    { type: 'volume', source: 'data', target: '/data', volume: { nocopy: true } },
    { type: 'volume', target: '/anon' },
    { type: 'bind', source: '/home/u/cache', target: '/cache', bind: { create_host_path: true } },
    { type: 'tmpfs', target: '/tmp', tmpfs: { size: 64 * 1024 * 1024, mode: 1777 } },
    { type: 'volume', source: 'data', target: '/sub', read_only: true, volume: { nocopy: true, subpath: 'part' } },
  ]);
  assert.deepEqual(web?.tmpfs, ['/run']);
  assert.deepEqual(web?.networks, { front: { aliases: ['www'], ipv4_address: '172.30.0.10' }, back: null });
  assert.deepEqual(web?.depends_on, { db: { condition: 'service_healthy', required: true, restart: true } });
  assert.deepEqual(web?.healthcheck, { test: ['CMD-SHELL', 'curl -f http://localhost'], interval: '1m30s', timeout: '5s', retries: 3, start_period: '1m0s' });
  assert.equal(web?.restart, 'on-failure:3');
  assert.deepEqual(web?.deploy, { replicas: 2, resources: { limits: { cpus: '0.5', memory: 512 * 1024 * 1024, pids: 100 } } });
  assert.equal(web?.read_only, true);
  assert.deepEqual(web?.ulimits, { nproc: { soft: 65535, hard: 65535 }, nofile: { soft: 20000, hard: 40000 } });
  assert.deepEqual(web?.sysctls, { 'net.core.somaxconn': '1024' });
  assert.deepEqual(web?.extra_hosts, ['db.local:10.0.0.2', 'v6:::1']);
  assert.deepEqual(web?.dns, ['8.8.8.8']);
  assert.deepEqual(web?.labels, { 'com.example.tier': 'front', flag: '' });
  assert.equal(web?.stop_grace_period, '1m30s');
  assert.equal(web?.shm_size, 1024 ** 3);
  assert.deepEqual(web?.secrets, [{ source: 'token' }, { source: 'cert', target: '/etc/cert.pem', mode: 0o440 }]);
  assert.deepEqual(p.model.services.db, { image: 'postgres', container_name: 'the-db', network_mode: 'none', healthcheck: { test: ['NONE'] } });
  assert.deepEqual(p.model.networks, {
    front: { name: 'shop_front', driver: 'bridge', ipam: { config: [{ subnet: '172.30.0.0/24', gateway: '172.30.0.1' }] } },
    back: { name: 'shop_back', internal: true },
    outside: { name: 'outside', external: true },
  });
  assert.deepEqual(p.model.volumes, { data: { name: 'shop_data', driver_opts: { type: 'none' } }, shared: { name: 'shared-data', external: true } });
  assert.deepEqual(p.model.secrets, { token: { name: 'shop_token', file: join(dir, 'token.txt') }, cert: { name: 'shop_cert', environment: 'CERT' } });
  assert.deepEqual(p.model.configs, { conf: { name: 'shop_conf', content: 'worker_processes 1;' } });
});

/** Each invalid file, and the error it must give (compose.yaml, with its line). */
const INVALID: [string, string, string][] = [
  ['unknown key', 'services:\n  web:\n    imagee: nginx\n', 'line 3: services.web.imagee is not a compose key (did you mean "image"?)'],
  ['unknown top-level key', 'service:\n  web: {}\n', 'line 1: service is not a compose key (did you mean "services"?)'],
  ['a list where a mapping goes', 'services:\n  - web\n', 'line 1: services must be a mapping'],
  ['ports not a list', 'services:\n  web:\n    image: a\n    ports: "80:80"\n', 'line 4: services.web.ports must be a list'],
  ['a bad short port', 'services:\n  web:\n    image: a\n    ports: ["80:80:80:80"]\n', 'line 4: services.web.ports is not a port mapping: "80:80:80:80"'],
  ['a bad protocol', 'services:\n  web:\n    image: a\n    ports: ["53/icmp"]\n', 'line 4: services.web.ports has an unknown protocol "icmp" (tcp, udp or sctp)'],
  ['a relative container path', 'services:\n  web:\n    image: a\n    volumes: ["data:data"]\n', 'line 4: services.web.volumes needs an absolute container path, not "data"'],
  ['a bad duration', 'services:\n  web:\n    image: a\n    stop_grace_period: soon\n', 'line 4: services.web.stop_grace_period must be a duration such as 10s or 1m30s, not "soon"'],
  ['a bad boolean', 'services:\n  web:\n    image: a\n    init: maybe\n', 'line 4: services.web.init must be true or false, not "maybe"'],
  ['a bad condition', 'services:\n  web:\n    image: a\n    depends_on:\n      db: {condition: service_ready}\n  db: {image: b}\n', 'line 4: services.web.depends_on has an unknown condition "service_ready" for "db"'],
  ['a nested wrong type', 'services:\n  web:\n    image: a\n    healthcheck:\n      test: [CMD, true]\n      interval: [1]\n', 'line 6: services.web.healthcheck.interval must be a single value, not a list'],
  ['duplicate keys', 'services:\n  web:\n    image: a\n    image: b\n', 'line 4: Map keys must be unique'],
  ['YAML syntax', 'services:\n  web:\n    image: [a\n', 'line 4: Flow sequence in block collection must be sufficiently indented and end with a ]'],
];

for (const [what, text, expected] of INVALID) {
  test(`invalid: ${what}`, () => {
    assert.throws(() => load({ 'compose.yaml': text }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'INVALID_FORMAT');
      assert.ok(err.message.startsWith(`Cannot load compose file "compose.yaml": ${expected}`), err.message);
      return true;
    });
  });
}

/** Whole-project problems, found after merging. */
const INCONSISTENT: [string, string, string][] = [
  ['no image', 'services:\n  web:\n    ports: ["80"]\n', 'service "web" has neither an image nor a build context'],
  ['an undefined dependency', 'services:\n  web:\n    image: a\n    depends_on: [db]\n', 'service "web" depends on undefined service "db"'],
  ['an undefined network', 'services:\n  web:\n    image: a\n    networks: [front]\n', 'service "web" refers to undefined network "front"'],
  ['an undefined volume', 'services:\n  web:\n    image: a\n    volumes: ["data:/data"]\n', 'service "web" refers to undefined volume "data"'],
  ['an undefined secret', 'services:\n  web:\n    image: a\n    secrets: [token]\n', 'service "web" refers to undefined secret "token"'],
  ['network_mode and networks', 'services:\n  web:\n    image: a\n    network_mode: host\n    networks: [default]\n', 'service "web" sets both network_mode and networks'],
  ['network_mode of a missing service', 'services:\n  web:\n    image: a\n    network_mode: "service:vpn"\n', 'service "web" uses the network of service "vpn", which is not defined'],
  ['scale against replicas', 'services:\n  web:\n    image: a\n    scale: 2\n    deploy: {replicas: 3}\n', 'service "web" sets scale 2 and deploy.replicas 3'],
  ['container_name with replicas', 'services:\n  web:\n    image: a\n    container_name: w\n    scale: 2\n', 'service "web" sets container_name "w" and 2 replicas'],
  ['a bad restart policy', 'services:\n  web:\n    image: a\n    restart: sometimes\n', 'service "web" has restart "sometimes"'],
  ['a missing env_file', 'services:\n  web:\n    image: a\n    env_file: missing.env\n', 'service "web" reads env_file'],
];

for (const [what, text, expected] of INCONSISTENT) {
  test(`inconsistent: ${what}`, () => {
    assert.throws(() => load({ 'compose.yaml': text }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'INVALID_FORMAT');
      assert.ok(err.message.startsWith(`Cannot load the compose project: ${expected}`), err.message);
      return true;
    });
  });
}

test('an optional env_file may be missing; a dependency that is not required may be absent', () => {
  const p = load({ 'compose.yaml': 'services:\n  web:\n    image: a\n    env_file: [{path: missing.env, required: false}]\n    depends_on:\n      db: {required: false}\n' });
  assert.deepEqual(p.model.services.web?.environment, {});
  assert.deepEqual(p.model.services.web?.depends_on, {});
});
