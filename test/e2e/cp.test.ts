/** cp both ways, tar streams, and copies that a container's symlinks cannot redirect to the host. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
  await env.ok(['run', '-d', '--name', 'box', 'busybox', 'sleep', '600']);
});
after(async () => env.cleanup());

test('a directory round trip host -> container -> host keeps contents and modes', async () => {
  const src = join(env.dir, 'site');
  mkdirSync(join(src, 'sub'), { recursive: true });
  writeFileSync(join(src, 'index.html'), '<h1>hi</h1>\n');
  writeFileSync(join(src, 'sub', 'run.sh'), '#!/bin/sh\necho ran\n', { mode: 0o755 });
  await env.ok(['cp', src, 'box:/tmp']);
  assert.equal(await env.ok(['exec', 'box', 'cat', '/tmp/site/index.html']), '<h1>hi</h1>\n');
  assert.equal(await env.ok(['exec', 'box', '/tmp/site/sub/run.sh']), 'ran\n');
  await env.ok(['cp', src + '/index.html', 'box:/tmp/renamed.html']);
  assert.equal(await env.ok(['exec', 'box', 'cat', '/tmp/renamed.html']), '<h1>hi</h1>\n');
  const back = join(env.dir, 'back');
  await env.ok(['cp', 'box:/tmp/site', back]);
  assert.equal(readFileSync(join(back, 'index.html'), 'utf8'), '<h1>hi</h1>\n');
  assert.equal(spawnSync('stat', ['-c', '%a', join(back, 'sub', 'run.sh')], { encoding: 'utf8' }).stdout.trim(), '755');
});

test('tar streams with -: out to stdout, in from stdin', async () => {
  const out = await env.hull(['cp', 'box:/etc/passwd', '-']);
  const listing = spawnSync('tar', ['-t'], { input: Buffer.from(out.stdout, 'latin1') }).stdout.toString();
  assert.equal(listing.trim(), 'passwd');
  const tar = spawnSync('tar', ['-C', env.dir, '-c', 'site']).stdout;
  await env.ok(['cp', '-', 'box:/root'], { input: tar });
  assert.equal(await env.ok(['exec', 'box', 'cat', '/root/site/index.html']), '<h1>hi</h1>\n');
});

test('/etc/hostname and /etc/hosts copy out as the container sees them (hull binds them over the image\'s)', async () => {
  const hostname = (await env.ok(['exec', 'box', 'hostname'])).trim();
  const out = join(env.dir, 'etc-out');
  mkdirSync(out);
  await env.ok(['cp', 'box:/etc/hostname', join(out, 'hostname')]);
  assert.equal(readFileSync(join(out, 'hostname'), 'utf8').trim(), hostname);
  await env.ok(['cp', 'box:/etc/hosts', join(out, 'hosts')]);
  assert.equal(readFileSync(join(out, 'hosts'), 'utf8'), await env.ok(['exec', 'box', 'cat', '/etc/hosts']));
});

test('copies work on stopped containers too', async () => {
  await env.ok(['create', '--name', 'stopped', 'busybox', 'cat', '/from-host']);
  writeFileSync(join(env.dir, 'from-host'), 'copied while stopped\n');
  await env.ok(['cp', join(env.dir, 'from-host'), 'stopped:/']);
  assert.equal((await env.hull(['start', '-a', 'stopped'])).stdout, 'copied while stopped\n');
});

test("a container's symlink to a host path never takes a copy outside the container", async () => {
  const victim = join(env.dir, 'host-victim');
  mkdirSync(victim);
  // Inside the container, /tmp/evil points at the host directory's path (absolute).
  await env.ok(['exec', 'box', 'ln', '-s', victim, '/tmp/evil']);
  writeFileSync(join(env.dir, 'payload'), 'x');
  await env.hull(['cp', join(env.dir, 'payload'), 'box:/tmp/evil/']);
  assert.ok(!existsSync(join(victim, 'payload')), 'nothing written through the symlink on the host');
  // A hostile tar stream is refused by the layer unpacker.
  const hostile = spawnSync('tar', ['-C', env.dir, '-c', '--absolute-names', join(env.dir, 'payload')]).stdout;
  const r = await env.hull(['cp', '-', 'box:/tmp'], { input: hostile });
  assert.ok(!existsSync(join(env.dir, 'payload.escaped')));
  assert.ok(r.code === 0 || /Cannot/.test(r.stderr));
});

test('top lists the container processes and stats reads its cgroups', async () => {
  const top = await env.ok(['top', 'box']);
  assert.match(top, /sleep 600/);
  const stats = JSON.parse(await env.ok(['stats', '--no-stream', '--format', 'json', 'box'])) as Array<{ Name: string; PIDs: string; MemUsage: string }>;
  assert.equal(stats[0]?.Name, 'box');
  assert.equal(stats[0]?.PIDs, '1');
  assert.match(stats[0]?.MemUsage ?? '', /B \/ /);
});
