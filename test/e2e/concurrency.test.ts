/** Many hull processes at once, no daemon: the store stays consistent. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

test('20 containers started and removed concurrently by separate hull processes', async () => {
  const names = Array.from({ length: 20 }, (_, i) => `c${i}`);
  const ids = await Promise.all(names.map((n) => env.ok(['run', '-d', '--name', n, 'busybox', 'sleep', '600'])));
  assert.equal(new Set(ids).size, 20);
  const running = (await env.ok(['ps', '--format', '{{.Names}}'])).trim().split('\n').sort();
  assert.deepEqual(running, [...names].sort());
  await Promise.all(names.map((n) => env.ok(['rm', '-f', n])));
  assert.equal(await env.ok(['ps', '-aq']), '');
  // Nothing left behind: no views, bundles, runtime state, names or mounts.
  const overlayViews = join(env.root, 'snapshots/overlay/views');
  assert.deepEqual(existsSync(overlayViews) ? readdirSync(overlayViews) : [], []);
  assert.deepEqual(readdirSync(join(env.root, 'containers/names')), []);
  assert.deepEqual(readdirSync(join(env.runroot, 'containers')), []);
  assert.deepEqual(readdirSync(join(env.runroot, 'runc')), []);
});

test('the same name raced by several processes: exactly one wins', async () => {
  const results = await Promise.all(Array.from({ length: 6 }, () => env.hull(['create', '--name', 'contested', 'busybox', 'true'])));
  assert.equal(results.filter((r) => r.code === 0).length, 1);
  assert.ok(results.filter((r) => r.code !== 0).every((r) => /already in use/.test(r.stderr)));
  await env.ok(['rm', 'contested']);
});
