/**
 * `hull compose` when things go wrong, as root: a dependency that never becomes healthy fails
 * `up` naming it with its last probe's output, and `down` then removes what was made; one that
 * cannot start fails `up` with its error and its dependant never runs; two `up`
 * of one project at once leave one set of containers; a cycle is refused before anything runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';

async function project(env: HullEnv, name: string, text: string): Promise<(args: string[]) => ReturnType<HullEnv['hull']>> {
  const dir = join(env.dir, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'compose.yaml'), text);
  return (args) => env.hull(['compose', '-f', join(dir, 'compose.yaml'), ...args]);
}

const names = async (env: HullEnv) => (await env.ok(['ps', '-a', '--format', '{{.Names}}'])).split('\n').filter(Boolean).sort();

test('a dependency that never becomes healthy fails up with its name and last probe output; down cleans up', async () => {
  const env = await hullWithBusybox();
  try {
    const compose = await project(
      env,
      'sick',
      `
services:
  db:
    image: busybox
    init: true
    command: sleep 3600
    healthcheck:
      test: ["CMD-SHELL", "echo not ready yet; exit 1"]
      interval: 100ms
      retries: 2
  app:
    image: busybox
    init: true
    command: sleep 3600
    depends_on:
      db: {condition: service_healthy}
`,
    );
    const up = await compose(['up', '-d']);
    assert.equal(up.code, 125);
    assert.match(up.stderr, /Error: Cannot start service "app": dependency "db" \(sick-db-1\) is unhealthy; its last probe exited 1: "not ready yet"\n/);
    assert.deepEqual(await names(env), ['sick-db-1'], 'app was never created');
    const down = await compose(['down', '-t', '1']);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await names(env), []);
    assert.equal((await env.ok(['network', 'ls', '-q'])).trim(), '');
  } finally {
    await env.cleanup();
  }
});

test('a dependency that cannot start fails up with its error; its dependant, set up beside it, never runs; down cleans up', async () => {
  const env = await hullWithBusybox();
  try {
    const compose = await project(
      env,
      'broken',
      `
services:
  db:
    image: busybox
    command: /no/such/program
  app:
    image: busybox
    command: sleep 3600
    depends_on: [db]
`,
    );
    const up = await compose(['up', '-d']);
    assert.equal(up.code, 127, up.stderr); // docker's code for a command that is not found
    assert.match(up.stderr, /Error: Cannot run "\/no\/such\/program" in the container: executable file not found\n/);
    // app was created beside db (service_started), but its process never started.
    const app = JSON.parse(await env.ok(['inspect', 'broken-app-1'])) as Array<{ State: { Status: string; StartedAt: string } }>;
    assert.equal(app[0]?.State.Status, 'created');
    assert.equal(app[0]?.State.StartedAt, '0001-01-01T00:00:00Z');
    const down = await compose(['down']);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await names(env), []);
    assert.equal((await env.ok(['network', 'ls', '-q'])).trim(), '');
  } finally {
    await env.cleanup();
  }
});

test('two up of one project at once make one set of containers; a cycle is refused before anything is made', async () => {
  const env = await hullWithBusybox();
  try {
    const compose = await project(env, 'twice', 'services:\n  a: {image: busybox, init: true, command: sleep 3600}\n  b: {image: busybox, init: true, command: sleep 3600, depends_on: [a]}\n');
    const [x, y] = await Promise.all([compose(['up', '-d']), compose(['up', '-d'])]);
    assert.deepEqual([x.code, y.code], [0, 0], `${x.stderr}\n${y.stderr}`);
    assert.deepEqual(await names(env), ['twice-a-1', 'twice-b-1']);
    assert.equal((await compose(['down', '-t', '1'])).code, 0);

    const cyclic = await project(env, 'cyc', 'services:\n  a: {image: busybox, depends_on: [b]}\n  b: {image: busybox, depends_on: [a]}\n');
    const r = await cyclic(['up', '-d']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /Cannot order the services of "cyc": they depend on each other in a cycle: a -> b -> a/);
    assert.deepEqual(await names(env), []);
    assert.equal((await env.ok(['network', 'ls', '-q'])).trim(), '', 'nothing was made');
  } finally {
    await env.cleanup();
  }
});
