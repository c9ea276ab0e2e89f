/**
 * Choosing a store's driver (select.ts): the chain overlay → (rootless) fuse-overlayfs → copy with
 * each step's reason, a requested driver recorded, and a store never switched to another driver.
 * The probes are real test mounts where the chain's order is not the question.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HullError } from '../errors.js';
import { chooseDriver, openSnapshotter, readDriverReason } from './select.js';
import { probeFuseOverlay } from './fuse-overlay.js';
import { parseSnapshotDriver } from './snapshotter.js';

const overlayFails = async () => ({ driver: 'copy' as const, reason: 'overlay mount failed: permission denied' });
const fuseWorks = async () => ({ ok: true, reason: 'fuse-overlayfs test mount succeeded' });
const fuseFails = async () => ({ ok: false, reason: 'cannot open /dev/fuse (mode 0600): EACCES' });

test('chooseDriver: overlay first; rootless falls back to fuse-overlayfs, then copy, saying why', async () => {
  const overlayWorks = async () => ({ driver: 'overlay' as const, reason: 'overlay test mount succeeded' });
  assert.equal((await chooseDriver({ overlay: overlayWorks, fuse: fuseWorks }, true)).driver, 'overlay');
  const fuse = await chooseDriver({ overlay: overlayFails, fuse: fuseWorks }, true);
  assert.equal(fuse.driver, 'fuse-overlayfs');
  assert.match(fuse.reason, /fuse-overlayfs test mount succeeded \(overlay mount failed: permission denied\)/);
  const copy = await chooseDriver({ overlay: overlayFails, fuse: fuseFails }, true);
  assert.equal(copy.driver, 'copy');
  assert.match(copy.reason, /overlay mount failed.*; cannot open \/dev\/fuse/);
  // root falls back to copy directly, as podman does (vfs): fuse-overlayfs only when asked.
  assert.equal((await chooseDriver({ overlay: overlayFails, fuse: fuseWorks }, false)).driver, 'copy');
});

test('parseSnapshotDriver: the three drivers, vfs as the copy driver, nothing else', () => {
  assert.equal(parseSnapshotDriver('fuse-overlayfs'), 'fuse-overlayfs');
  assert.equal(parseSnapshotDriver('vfs'), 'copy');
  assert.equal(parseSnapshotDriver('btrfs'), undefined);
});

test('a requested driver is recorded with its reason; another driver for that store is refused', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hull-select-'));
  try {
    const s = await openSnapshotter(root, { requested: 'fuse-overlayfs', probeCacheDir: join(root, 'probes') });
    assert.equal(s.driver, 'fuse-overlayfs');
    assert.match((await readDriverReason(root)) ?? '', /requested .*fuse-overlayfs test mount succeeded/);
    assert.equal((await openSnapshotter(root, { probeCacheDir: join(root, 'probes') })).driver, 'fuse-overlayfs', 'the record decides later');
    await assert.rejects(openSnapshotter(root, { requested: 'overlay', probeCacheDir: join(root, 'probes') }), (e: unknown) => {
      assert.ok(e instanceof HullError && e.code === 'CONFLICT');
      assert.match(e.message, /Cannot use storage driver "overlay" for ".*": the store was created with "fuse-overlayfs"/);
      return true;
    });
    assert.equal(JSON.parse(readFileSync(join(root, 'storage.json'), 'utf8')).driver, 'fuse-overlayfs', 'the refusal changed nothing');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('probeFuseOverlay mounts and unmounts a real fuse-overlayfs', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hull-select-'));
  try {
    const r = await probeFuseOverlay(root);
    assert.equal(r.ok, true, r.reason);
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(root), false, 'the probe leaves no mount');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
