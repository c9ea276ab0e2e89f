/**
 * The four defects of issue #14, each reproduced as a user would meet it:
 *   1. commit and import beside `image prune` record images whose blobs GC deleted;
 *   2. nothing reclaimed what a killed process left in the snapshot temp areas;
 *   3. a killed commit left its container paused, and the next commit left it paused too;
 *   (4. the build runroot claim: src/build/views.test.ts)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HULL_BIN, busyboxTarball, hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { deadOwnerToken, liveOwnerToken } from '../../src/testing/dead-owner.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

/** Runs `image prune -f` (dangling images, then GC) over and over until `during` settles; returns what `during` gave. */
async function besidePrune<T>(during: Promise<T>): Promise<T> {
  let done = false;
  const loop = (async () => {
    while (!done) await env.hull(['image', 'prune', '-f']);
  })();
  try {
    return await during;
  } finally {
    done = true;
    await loop;
  }
}

test('commit and import beside a looping image prune record only complete images', async () => {
  await env.ok(['run', '-d', '--name', 'writer', 'busybox', 'sh', '-c', 'dd if=/dev/urandom of=/data bs=1M count=4 2>/dev/null; sleep 600']);
  await env.ok(['exec', 'writer', 'sh', '-c', 'while [ $(stat -c %s /data 2>/dev/null || echo 0) -lt 4194304 ]; do sleep 0.05; done']);
  for (let i = 0; i < 4; i++) {
    const id = (await besidePrune(env.ok(['commit', 'writer', `committed:${i}`]))).trim();
    assert.equal(await env.ok(['run', '--rm', id, 'sh', '-c', 'test -s /data && echo ok']), 'ok\n', `commit ${i}`);
    const imported = (await besidePrune(env.ok(['import', busyboxTarball(), `imported:${i}`]))).trim();
    assert.equal(await env.ok(['run', '--rm', imported, 'echo', 'ok']), 'ok\n', `import ${i}`);
  }
  await env.ok(['rm', '-f', 'writer']);
  const check = await env.hull(['system', 'check']);
  assert.equal(check.code, 0, check.stdout);
});

test('temp areas: what a dead process left is reclaimed by the next GC and the next lease; a live one stays', async () => {
  await env.ok(['images']);
  const overlayTmp = join(env.root, 'snapshots/overlay/tmp');
  mkdirSync(overlayTmp, { recursive: true });
  const dead = await deadOwnerToken();
  const live = liveOwnerToken();
  const plant = () => {
    for (const name of [`${dead}-aa11`, `rm-${dead}-bb22`, `${live}-cc33`]) {
      mkdirSync(join(overlayTmp, name, 'diff'), { recursive: true });
      writeFileSync(join(overlayTmp, name, 'diff', 'half-applied'), 'x'.repeat(4096));
    }
    writeFileSync(join(env.root, 'content/ingest', `${dead}-dd44`), 'half a blob');
  };
  plant();
  await env.ok(['image', 'prune', '-f']); // GC
  assert.deepEqual(readdirSync(overlayTmp), [`${live}-cc33`]);
  assert.deepEqual(readdirSync(join(env.root, 'content/ingest')), []);
  plant();
  const before = await env.hull(['system', 'check', '--format', 'json']);
  assert.equal(before.code, 1);
  const found = (JSON.parse(before.stdout) as { findings: Array<{ area: string; subject: string }> }).findings;
  assert.deepEqual(found.map((f) => f.area).sort(), ['ingest', 'temp', 'temp']);
  await env.ok(['import', busyboxTarball(), 'again']); // a lease
  assert.deepEqual(readdirSync(overlayTmp).sort(), [`${live}-cc33`]);
  assert.deepEqual(readdirSync(join(env.root, 'content/ingest')), []);
  const after = await env.hull(['system', 'check']);
  assert.equal(after.code, 0, after.stdout);
});

async function status(name: string): Promise<string> {
  return (await env.ok(['inspect', '--format', '{{.State.Status}}', name])).trim();
}

test('a commit killed while it holds the container paused: the next command unpauses it; a user pause survives a commit', async () => {
  await env.ok(['run', '-d', '--name', 'busy', 'busybox', 'sh', '-c', 'dd if=/dev/urandom of=/big bs=1M count=48 2>/dev/null; sleep 600']);
  await env.ok(['exec', 'busy', 'sh', '-c', 'while [ $(stat -c %s /big 2>/dev/null || echo 0) -lt 50331648 ]; do sleep 0.05; done']);
  const child = spawn(HULL_BIN, ['--root', env.root, '--runroot', env.runroot, 'commit', 'busy', 'half:1'], { stdio: 'ignore' });
  const closed = new Promise((r) => child.on('close', r));
  let seen = '';
  while (child.exitCode === null && (seen = await status('busy')) !== 'paused');
  child.kill('SIGKILL');
  await closed;
  assert.equal(seen, 'paused', 'the commit finished before it was seen paused: make /big bigger');
  assert.equal(await status('busy'), 'paused');
  // The next commit finds the owner dead, unpauses, commits with its own pause, and resumes.
  await env.ok(['commit', 'busy', 'whole:1']);
  assert.equal(await status('busy'), 'running');
  // A pause the user made is the user's: a commit leaves it paused.
  await env.ok(['pause', 'busy']);
  await env.ok(['commit', 'busy', 'whole:2']);
  assert.equal(await status('busy'), 'paused');
  // The record of who paused it, as a killed commit leaves it: check reports it, --repair unpauses.
  const id = (await env.ok(['inspect', '--format', '{{.Id}}', 'busy'])).trim();
  writeFileSync(join(env.runroot, 'paused-by', id), `${(await deadOwnerToken()).replace('-', ' ')} commit`);
  const check = await env.hull(['system', 'check']);
  assert.equal(check.code, 1);
  assert.match(check.stdout, /pause busy: paused on behalf of a commit whose process is gone/);
  assert.equal((await env.hull(['system', 'check', '--repair'])).code, 0);
  assert.equal(await status('busy'), 'running');
  await env.ok(['rm', '-f', 'busy']);
  const clean = await env.hull(['system', 'check']);
  assert.equal(clean.code, 0, clean.stdout);
});


test('a layer whose short overlay link a kill -9 cut (found by the crash suite) still mounts: the link is remade', async () => {
  const linkDir = join(env.root, 'snapshots', 'overlay', 'l');
  for (const name of readdirSync(linkDir)) (await import('node:fs')).rmSync(join(linkDir, name));
  assert.equal(await env.ok(['run', '--rm', '--network', 'none', 'busybox', 'echo', 'mounted']), 'mounted\n');
  assert.ok(readdirSync(linkDir).length > 0, 'the links are back');
});
