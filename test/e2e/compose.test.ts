/**
 * `hull compose` end to end as root: a three-tier app (web on a published port -> app -> a
 * database-like service with a health check and a named volume) comes up in order, answers
 * through the published port, keeps its volume across down/up, recreates only what changed
 * (and its dependants), scales, and `down -v` leaves nothing behind.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { HULL_BIN, hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { fetchText } from '../../src/testing/wait.js';

let env: HullEnv;
let dir: string;
let port: number;

const COMPOSE = `
x-base: &base
  image: busybox
  init: true
services:
  web:
    <<: *base
    command: httpd -f -p 80 -h /www
    volumes: ["./web:/www:ro"]
    ports: ["\${WEB_PORT}:80"]
    depends_on: [app]
  app:
    <<: *base
    command: httpd -f -p 80 -h /www
    volumes: ["./app:/www:ro"]
    environment: {GREETING: hello}
    depends_on:
      db: {condition: service_healthy}
  db:
    <<: *base
    command: sh -c '[ -f /data/index.html ] || echo v1 > /data/index.html; exec httpd -f -p 80 -h /data'
    volumes: [data:/data]
    healthcheck:
      test: test -f /data/index.html
      interval: 1s
      retries: 5
volumes:
  data:
`;

function cgi(body: string): string {
  return `#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\n${body}\n`;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** The published port answers once httpd listens; retried on connection errors, never timed. */
async function page(): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return (await fetchText(`http://127.0.0.1:${port}/cgi-bin/index.cgi`)).trim();
    } catch (err) {
      if (i > 200) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

const compose = (args: string[]) => env.hull(['compose', '-f', join(dir, 'compose.yaml'), ...args], { env: { WEB_PORT: String(port) } });
async function composeOk(args: string[]): Promise<string> {
  const r = await compose(args);
  assert.equal(r.code, 0, `hull compose ${args.join(' ')}: ${r.stderr}`);
  return r.stderr;
}
const ids = async () => Object.fromEntries((await env.ok(['ps', '-a', '--format', '{{.Names}} {{.ID}}'])).trim().split('\n').filter(Boolean).map((l) => l.split(' ')));

before(async () => {
  env = await hullWithBusybox();
  dir = join(env.dir, 'shop');
  mkdirSync(join(dir, 'app/cgi-bin'), { recursive: true });
  mkdirSync(join(dir, 'web/cgi-bin'), { recursive: true });
  writeFileSync(join(dir, 'compose.yaml'), COMPOSE);
  writeFileSync(join(dir, 'app/cgi-bin/index.cgi'), cgi('echo "$GREETING, app sees: $(wget -qO- http://db/)"'));
  writeFileSync(join(dir, 'web/cgi-bin/index.cgi'), cgi('echo "web -> $(wget -qO- http://app/cgi-bin/index.cgi)"'));
  chmodSync(join(dir, 'app/cgi-bin/index.cgi'), 0o755);
  chmodSync(join(dir, 'web/cgi-bin/index.cgi'), 0o755);
  port = await freePort();
});
after(async () => {
  await compose(['down', '-v', '-t', '1']);
  await env.cleanup();
});

test('up -d starts in dependency order, gated on health; the page answers through the published port', async () => {
  const log = await composeOk(['up', '-d']);
  const order = log.split('\n').filter((l) => l.endsWith('  Started') || l.endsWith('  Healthy')).map((l) => l.replace(/^Container /, ''));
  assert.deepEqual(order, ['shop-db-1  Started', 'shop-db-1  Healthy', 'shop-app-1  Started', 'shop-web-1  Started']);
  assert.match(log, /^Network shop_default {2}Created$/m);
  assert.match(log, /^Volume shop_data {2}Created$/m);
  assert.equal(await page(), 'web -> hello, app sees: v1');
  const ps = JSON.parse(await env.ok(['compose', '-f', join(dir, 'compose.yaml'), 'ps', '--format', 'json'])) as Array<{ Name: string; Service: string; State: string; Labels: Record<string, string> }>;
  assert.deepEqual(ps.map((c) => [c.Name, c.Service, c.State]), [['shop-app-1', 'app', 'running'], ['shop-db-1', 'db', 'running'], ['shop-web-1', 'web', 'running']]);
  const labels = ps[0]?.Labels ?? {};
  assert.equal(labels['com.docker.compose.project'], 'shop');
  assert.equal(labels['com.docker.compose.container-number'], '1');
  assert.equal(labels['com.docker.compose.oneoff'], 'False');
  assert.equal(labels['com.docker.compose.project.working_dir'], dir);
  assert.equal(labels['com.docker.compose.depends_on'], 'db:service_healthy:false');
  assert.match(labels['com.docker.compose.config-hash'] ?? '', /^[0-9a-f]{64}$/);
});

test('the named volume keeps its data across down and up', async () => {
  await env.ok(['exec', 'shop-db-1', 'sh', '-c', 'echo v2 > /data/index.html']);
  await composeOk(['down']);
  assert.equal((await env.ok(['ps', '-aq'])).trim(), '', 'down removes every container');
  assert.equal((await env.ok(['network', 'ls', '-q'])).trim(), '', 'down removes the project network');
  assert.match(await env.ok(['volume', 'ls', '-q']), /^shop_data$/m, 'down without -v keeps the volume');
  await composeOk(['up', '-d']);
  assert.equal(await page(), 'web -> hello, app sees: v2');
});

test('an edit recreates only the changed service and its dependants', async () => {
  const before = await ids();
  const again = await composeOk(['up', '-d']);
  assert.doesNotMatch(again, /Recreate/, 'an unchanged project is left running');
  assert.deepEqual(await ids(), before);
  writeFileSync(join(dir, 'compose.yaml'), COMPOSE.replace('GREETING: hello', 'GREETING: bonjour'));
  const log = await composeOk(['up', '-d']);
  assert.match(log, /^Container shop-db-1 {2}Running$/m);
  assert.match(log, /^Container shop-app-1 {2}Recreated$/m);
  assert.match(log, /^Container shop-web-1 {2}Recreated$/m);
  const after = await ids();
  assert.equal(after['shop-db-1'], before['shop-db-1']);
  assert.notEqual(after['shop-app-1'], before['shop-app-1']);
  assert.notEqual(after['shop-web-1'], before['shop-web-1']);
  assert.equal(await page(), 'web -> bonjour, app sees: v2');
});

test('--scale runs replicas named PROJECT-SERVICE-N on the project network; scaling down removes the extra ones', async () => {
  await composeOk(['up', '-d', '--scale', 'app=3']);
  const names = Object.keys(await ids()).sort();
  assert.deepEqual(names, ['shop-app-1', 'shop-app-2', 'shop-app-3', 'shop-db-1', 'shop-web-1']);
  for (const n of ['shop-app-2', 'shop-app-3']) {
    assert.equal((await env.ok(['exec', 'shop-web-1', 'wget', '-qO-', `http://${n}/cgi-bin/index.cgi`])).trim(), 'bonjour, app sees: v2');
  }
  assert.match(await env.ok(['exec', 'shop-web-1', 'cat', '/etc/hosts']), /\sapp(\s|$)/m, 'the service name resolves');
  const down = await composeOk(['up', '-d']);
  assert.match(down, /^Container shop-app-3 {2}Removed$/m);
  assert.deepEqual(Object.keys(await ids()).sort(), ['shop-app-1', 'shop-db-1', 'shop-web-1']);
});

test('run --rm makes a one-off container on the project network; exec, cp, events, stop and start act on the services', async () => {
  const one = await compose(['run', '--rm', 'app', 'wget', '-qO-', 'http://db/']);
  assert.deepEqual([one.code, one.stdout], [0, 'v2\n'], one.stderr);
  const failing = await compose(['run', '--rm', '--no-deps', '-e', 'X=5', 'db', 'sh', '-c', 'echo $X; exit 3']);
  assert.deepEqual([failing.code, failing.stdout], [3, '5\n'], 'the one-off\'s exit code is hull\'s');
  assert.doesNotMatch(await env.ok(['ps', '-a', '--format', '{{.Names}}']), /-run-/, '--rm removed them');
  const detached = (await env.ok(['compose', '-f', join(dir, 'compose.yaml'), 'run', '-d', 'app', 'sleep', '60'])).trim();
  assert.match(detached, /^shop-app-run-[0-9a-f]{12}$/);
  const labels = JSON.parse(await env.ok(['inspect', '-f', '{{json .Config.Labels}}', detached])) as Record<string, string>;
  assert.equal(labels['com.docker.compose.oneoff'], 'True');
  assert.deepEqual((await compose(['exec', '-T', 'db', 'cat', '/data/index.html'])).stdout, 'v2\n');
  writeFileSync(join(env.dir, 'note.txt'), 'copied in\n');
  await composeOk(['cp', join(env.dir, 'note.txt'), 'app:/tmp/note.txt']);
  assert.equal((await compose(['exec', '-T', 'app', 'cat', '/tmp/note.txt'])).stdout, 'copied in\n');
  await composeOk(['cp', 'app:/tmp/note.txt', join(env.dir, 'back.txt')]);
  assert.equal(readFileSync(join(env.dir, 'back.txt'), 'utf8'), 'copied in\n');
  const stoppedAt = Date.now() / 1000;
  await composeOk(['stop', '-t', '1']);
  // `events` streams until killed; --since replays what happened from before the stop.
  const watcher = spawn(HULL_BIN, ['--root', env.root, '--runroot', env.runroot, 'compose', '-f', join(dir, 'compose.yaml'), 'events', '--json', '--since', String(stoppedAt)], { env: { ...process.env, WEB_PORT: String(port) } });
  let seen = '';
  const dbStopped = new Promise<void>((resolve) =>
    watcher.stdout.on('data', (b: Buffer) => {
      seen += b.toString();
      if (/"action":"stop".*"service":"db"/.test(seen)) resolve();
    }),
  );
  await dbStopped;
  watcher.kill();
  const events = seen.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { action: string; service: string });
  assert.deepEqual(events.filter((e) => e.action === 'stop').map((e) => e.service), ['web', 'app', 'db'], 'stopped dependants first');
  const stopped = JSON.parse(await env.ok(['compose', '-f', join(dir, 'compose.yaml'), 'ps', '-a', '--format', 'json'])) as Array<{ State: string }>;
  assert.deepEqual(stopped.map((c) => c.State), ['exited', 'exited', 'exited']);
  await composeOk(['start']);
  assert.equal(await page(), 'web -> bonjour, app sees: v2');
});

test('down -v leaves no container, network or volume behind', async () => {
  await composeOk(['down', '-v']);
  assert.equal((await env.ok(['ps', '-aq'])).trim(), '');
  assert.equal((await env.ok(['network', 'ls', '-q'])).trim(), '');
  assert.equal((await env.ok(['volume', 'ls', '-q'])).trim(), '');
});
