/**
 * A `hull load` killed with SIGKILL at several points leaves a store the next command can use: no
 * partial image listed, no half-written blob under content/blobs, and the same load succeeds after.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HULL_BIN, busyboxTarball, createHullEnv, type HullEnv } from '../../src/testing/hull-cli.js';

let env: HullEnv;
let archive: string;
before(async () => {
  env = createHullEnv();
  // A bigger image: busybox plus 8 MB of random (incompressible) files, saved as a docker-archive.
  const rootfs = join(env.dir, 'rootfs');
  mkdirSync(join(rootfs, 'data'), { recursive: true });
  execFileSync('tar', ['-xzf', busyboxTarball(), '-C', rootfs]);
  for (let i = 0; i < 8; i++) writeFileSync(join(rootfs, 'data', `blob${i}`), randomBytes(1 << 20));
  const tarball = join(env.dir, 'big-rootfs.tar.gz');
  execFileSync('tar', ['-czf', tarball, '-C', rootfs, '.']);
  const maker = createHullEnv();
  try {
    await maker.ok(['import', tarball, 'big:1']);
    archive = join(env.dir, 'big.tar');
    await maker.ok(['save', '--format', 'oci-archive', '-o', archive, 'big:1']);
  } finally {
    await maker.cleanup();
  }
});
after(async () => env.cleanup());

function killedLoad(afterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(HULL_BIN, ['--root', env.root, '--runroot', env.runroot, 'load', '-i', archive], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    child.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Every committed blob is complete: its content hashes to its name. */
function checkBlobs(): void {
  const dir = join(env.root, 'content/blobs/sha256');
  for (const hex of readdirSync(dir)) {
    const actual = createHash('sha256').update(readFileSync(join(dir, hex))).digest('hex');
    assert.equal(actual, hex, `blob ${hex} is not complete`);
  }
}

test('a load killed with SIGKILL leaves a consistent store, and loading again succeeds', async () => {
  for (const ms of [50, 150, 400, 900]) {
    await killedLoad(ms);
    const listed = (await env.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim();
    assert.ok(listed === '' || listed === 'big:1', `after ${ms} ms: ${listed}`);
    if (listed === 'big:1') assert.equal(await env.ok(['run', '--rm', 'big:1', 'cat', '/data/blob7']).then((s) => s.length > 0), true, `after ${ms} ms the listed image runs`);
    checkBlobs();
    assert.match(await env.ok(['load', '-i', archive]), /Loaded image: big:1/);
    assert.equal(await env.ok(['run', '--rm', 'big:1', 'echo', 'ok']), 'ok\n');
    checkBlobs();
    await env.ok(['rmi', 'big:1']);
    // The next GC removed the killed load's lease and staging.
    assert.deepEqual(readdirSync(join(env.root, 'leases')).filter((n) => !n.startsWith('gc.lock')), [], `after ${ms} ms`);
  }
});
