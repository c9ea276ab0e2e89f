/**
 * Pull and push through the CLI against the reference registry (docker/distribution from Debian):
 * import busybox -> push -> rmi -> pull -> run; blobs skipped and mounted on later pushes; pull by
 * digest; chunked uploads; errors that say what to do.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxTarball, createHullEnv, hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { freePort, haveReferenceRegistry, startReferenceRegistry, type ReferenceRegistry } from '../../src/registry-client/testing/reference-registry.js';
import { openEngine } from '../../src/engine/engine.js';
import type { TransferEvent } from '../../src/registry-client/events.js';

const skip = haveReferenceRegistry() ? false : 'docker-registry is not installed (scripts/setup.sh installs it)';
let env: HullEnv;
let reg: ReferenceRegistry;

before(async () => {
  if (skip) return;
  env = await hullWithBusybox();
  reg = await startReferenceRegistry();
});
after(async () => {
  await env?.cleanup();
  await reg?.close();
});

test('import busybox -> push -> rmi -> pull -> run, with the image ID kept', { skip }, async () => {
  const id = JSON.parse(await env.ok(['inspect', '--format', '{{json .Id}}', 'busybox'])) as string;
  const name = `${reg.host}/hull/busybox:1`;
  await env.ok(['tag', 'busybox', name]);
  const pushed = await env.hull(['push', name]);
  assert.equal(pushed.code, 0, pushed.stderr);
  const digest = /^1: digest: (sha256:[a-f0-9]{64}) size: \d+$/m.exec(pushed.stdout)?.[1];
  assert.ok(digest, pushed.stdout);
  assert.match(pushed.stderr, /Copying blob sha256:[a-f0-9]{12}\.\.\. done/);
  assert.match(pushed.stderr, /Writing manifest/);

  await env.ok(['rmi', name]);
  await env.ok(['rmi', 'busybox']);
  assert.equal((await env.ok(['images', '-q'])).trim(), '');

  const pulled = await env.hull(['pull', name]);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.equal(pulled.stdout.trim(), id, 'the config digest, so the image ID, survives the round trip');
  assert.equal(await env.ok(['run', '--rm', name, 'echo', 'ok']), 'ok\n');
  assert.deepEqual(readdirSync(join(env.root, 'content/ingest')), []);

  // Everything is there already: both blobs are skipped, and a second name mounts them.
  const again = await env.ok(['tag', name, `${reg.host}/hull/other:2`]);
  assert.equal(again, '');
  const pushAgain = await env.hull(['push', name]);
  assert.match(pushAgain.stderr, /skipped: already exists/);
  const mounted = await env.hull(['push', `${reg.host}/hull/other:2`]);
  assert.equal(mounted.code, 0, mounted.stderr);
  assert.match(mounted.stderr, /mounted from hull\/busybox/);

  // By digest, into a fresh store: no name is recorded, the ID is printed.
  const fresh = createHullEnv();
  try {
    const byDigest = await fresh.hull(['pull', '--quiet', `${reg.host}/hull/busybox@${digest}`]);
    assert.equal(byDigest.code, 0, byDigest.stderr);
    assert.equal(byDigest.stdout, `${id}\n`);
    assert.equal(byDigest.stderr, '', '--quiet prints no progress');
    assert.equal(await fresh.ok(['run', '--rm', id.slice(7, 19), 'echo', 'by id']), 'by id\n');
    // The digest reference finds what it pulled: run and inspect do not pull again, as docker.
    const ref = `${reg.host}/hull/busybox@${digest}`;
    const run = await fresh.hull(['run', '--rm', ref, 'echo', 'by digest']);
    assert.equal(run.stdout, 'by digest\n');
    assert.doesNotMatch(run.stderr, /Unable to find image/);
    assert.equal((await fresh.ok(['inspect', '-f', '{{json .RepoDigests}}', ref])).trim(), JSON.stringify([ref]));
    assert.equal((await fresh.ok(['images', '--format', '{{.Repository}} {{.Tag}}'])).trim(), `${reg.host}/hull/busybox <none>`);
    await fresh.ok(['image', 'prune', '-f']);
    assert.equal((await fresh.ok(['images', '-q'])).trim(), id.slice(7, 19), 'an image pulled by digest is not dangling');
  } finally {
    await fresh.cleanup();
  }
});

test('push to another destination, and hull run pulls a missing image', { skip }, async () => {
  const dest = `${reg.host}/team/app:v2`;
  await env.ok(['import', '--change', 'CMD ["echo", "default cmd"]', busyboxTarball(), 'local-app']);
  const r = await env.hull(['push', 'local-app', dest]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^v2: digest: sha256:/);
  const fresh = createHullEnv();
  try {
    const ran = await fresh.hull(['run', '--rm', dest]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout, 'default cmd\n');
    assert.match(ran.stderr, /Unable to find image/);
    const listed = await fresh.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.equal(listed.trim(), dest);
  } finally {
    await fresh.cleanup();
  }
});

test('pull errors say what to do', { skip }, async () => {
  const missing = await env.hull(['pull', `${reg.host}/hull/busybox:nope`]);
  assert.equal(missing.code, 125);
  assert.match(missing.stderr, /^Error: Cannot pull "127\.0\.0\.1:\d+\/hull\/busybox:nope": registry returned 404 MANIFEST_UNKNOWN/m);
  assert.match(missing.stderr, /^hint: /m);
  const port = await freePort();
  const down = await env.hull(['pull', `127.0.0.1:${port}/x/y:1`]);
  assert.equal(down.code, 125);
  assert.match(down.stderr, /Cannot pull "127\.0\.0\.1:\d+\/x\/y:1": cannot reach/);
  assert.match(down.stderr, /hint: check that the registry is running/);
  const bad = await env.hull(['pull', 'bad//name']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /Cannot parse reference/);
  const badPlatform = await env.hull(['pull', '--platform', 'linux', `${reg.host}/hull/busybox:1`]);
  assert.match(badPlatform.stderr, /Cannot parse platform "linux"/);
  const noImage = await env.hull(['push', 'never-imported:1']);
  assert.match(noImage.stderr, /Cannot find image "never-imported:1"/);
});

test('chunked uploads (POST, PATCH per chunk, PUT) and events from the core', { skip }, async (t) => {
  // A registry of its own, so that no blob is there to mount.
  const reg2 = await startReferenceRegistry();
  t.after(() => reg2.close());
  const engine = openEngine({ root: env.root, runroot: env.runroot });
  const events: TransferEvent[] = [];
  const dest = `${reg2.host}/hull/chunked:1`;
  const result = await engine.images.push('local-app:latest', dest, { chunkSize: 100_000, onEvent: (e) => events.push(e) });
  assert.match(result.digest, /^sha256:/);
  const layer = events.find((e) => e.type === 'blob-start' && e.role === 'layer');
  assert.ok(layer, JSON.stringify(events.map((e) => e.type)));
  const progress = events.filter((e) => e.type === 'blob-progress');
  assert.ok(progress.length > 5, 'progress events while uploading');
  assert.ok(events.some((e) => e.type === 'manifest-pushed'));
  // Pull it back in process and check what the store recorded.
  const other = createHullEnv();
  try {
    const e2 = openEngine({ root: other.root, runroot: other.runroot });
    const pullEvents: TransferEvent[] = [];
    const pulled = await e2.images.pull(dest, { onEvent: (e) => pullEvents.push(e) });
    assert.equal(pulled.digest, result.digest);
    assert.deepEqual(pulled.record.names, [dest]);
    const order = pullEvents.map((e) => e.type).filter((t) => t !== 'blob-progress');
    // The config and the layer download side by side: their events interleave.
    assert.deepEqual(order.slice(0, 2), ['resolved', 'plan']);
    assert.deepEqual(order.slice(2, 6).sort(), ['blob-done', 'blob-done', 'blob-start', 'blob-start']);
    assert.equal(order[2], 'blob-start');
    assert.deepEqual(order.slice(6), ['layer-unpacking', 'layer-unpacked', 'done']);
    assert.equal(await other.ok(['run', '--rm', dest, 'echo', 'chunked']), 'chunked\n');
  } finally {
    await other.cleanup();
  }
});
