/**
 * One conformance suite for every Snapshotter (issue #13): the overlay, fuse-overlayfs and copy drivers must
 * behave the same wherever the interface promises it. Real directories, real mounts (as root).
 * Driver differences the interface allows (layerDirs: a chain vs. one full tree) are named here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMount, unmountIfMounted } from '../sys/mount.js';
import { HullError } from '../errors.js';
import { Lease } from '../images/lease.js';
import { OverlaySnapshotter } from './overlay.js';
import { CopySnapshotter } from './copy.js';
import { FuseOverlaySnapshotter } from './fuse-overlay.js';
import { listSnapshotTemp, reclaimSnapshotTemp } from './temp.js';
import type { Snapshotter } from './snapshotter.js';
import { deadOwnerToken } from '../testing/dead-owner.js';

const drivers: Array<[string, (root: string) => Snapshotter]> = [
  ['overlay', (root) => new OverlaySnapshotter(root)],
  ['copy', (root) => new CopySnapshotter(root)],
  ['fuse-overlayfs', (root) => new FuseOverlaySnapshotter(root)],
];

const L1 = `sha256:${'1'.repeat(64)}`;
const L2 = `sha256:${'2'.repeat(64)}`;

async function withStore(fn: (s: Snapshotter, root: string, lease: Lease) => Promise<void>, make: (root: string) => Snapshotter): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'hull-snap-'));
  const lease = await Lease.acquire(root, 'conformance');
  try {
    await fn(make(root), root, lease);
  } finally {
    lease.release();
    rmSync(root, { recursive: true, force: true });
  }
}

/** Commits a layer holding `files` on `parent` (the copy driver's prepared dir already holds the parent's tree). */
async function layer(s: Snapshotter, lease: Lease, chainID: string, parent: string | undefined, files: Record<string, string>): Promise<void> {
  const p = await s.prepareLayer(parent, lease);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(p.dir, name), text);
  await s.commitLayer(p, chainID, parent);
}

function tempNames(root: string): string[] {
  return listSnapshotTemp(root).map((e) => e.name);
}

for (const [name, make] of drivers) {
  test(`${name}: prepare, commit, list, remove; nothing left in tmp/`, () =>
    withStore(async (s, root, lease) => {
      assert.equal(s.hasLayer(L1), false);
      await layer(s, lease, L1, undefined, { a: 'one' });
      await layer(s, lease, L2, L1, { b: 'two' });
      assert.deepEqual(s.listLayers().sort(), [L1, L2]);
      assert.equal(s.hasLayer(L2), true);
      assert.deepEqual(tempNames(root), []);
      await s.removeLayer(L2);
      await s.removeLayer(L2); // removing a missing layer is success
      assert.deepEqual(s.listLayers(), [L1]);
      assert.deepEqual(tempNames(root), []);
    }, make));

  test(`${name}: committing a chainID that exists keeps the first and discards the second`, () =>
    withStore(async (s, root, lease) => {
      await layer(s, lease, L1, undefined, { a: 'first' });
      await layer(s, lease, L1, undefined, { a: 'second' });
      assert.equal(readFileSync(join(s.layerDirs(L1)[0] as string, 'a'), 'utf8'), 'first');
      assert.deepEqual(tempNames(root), []);
    }, make));

  test(`${name}: an aborted layer leaves nothing; a layer needs a held lease`, () =>
    withStore(async (s, root, lease) => {
      const p = await s.prepareLayer(undefined, lease);
      writeFileSync(join(p.dir, 'half'), 'x');
      await s.abortLayer(p);
      assert.equal(s.hasLayer(L1), false);
      assert.deepEqual(tempNames(root), []);
      const gone = await Lease.acquire(root, 'released');
      const q = await s.prepareLayer(undefined, gone);
      gone.release();
      await assert.rejects(s.commitLayer(q, L1, undefined), (e: unknown) => e instanceof HullError && e.code === 'INTERNAL');
      await assert.rejects(s.prepareLayer(undefined, gone), (e: unknown) => e instanceof HullError && e.code === 'INTERNAL');
      await s.abortLayer(q);
    }, make));

  test(`${name}: a view shows its parent chain, takes writes, and goes with removeView`, () =>
    withStore(async (s, root, lease) => {
      await layer(s, lease, L1, undefined, { a: 'one' });
      await layer(s, lease, L2, L1, { b: 'two' });
      const target = join(root, 'mnt');
      mkdirSync(target);
      const mounts = await s.prepareView('v1', L2);
      for (const m of mounts) await applyMount(m, target);
      try {
        assert.equal(readFileSync(join(target, 'a'), 'utf8'), 'one');
        assert.equal(readFileSync(join(target, 'b'), 'utf8'), 'two');
        writeFileSync(join(target, 'c'), 'three');
      } finally {
        await unmountIfMounted(target);
      }
      assert.equal(readFileSync(join(s.viewUpperDir('v1'), 'c'), 'utf8'), 'three');
      assert.equal(existsSync(join(s.layerDirs(L2)[0] as string, 'c')), false, 'a view never writes into a layer');
      assert.deepEqual(s.listViews(), ['v1']);
      await s.removeView('v1');
      assert.deepEqual(s.listViews(), []);
      // Where the drivers differ, as the interface allows: overlay stacks the chain, copy keeps one full tree.
      assert.equal(s.layerDirs(L2).length, name === 'copy' ? 1 : 2);
    }, make));

  test(`${name}: temp entries of a dead process are reclaimed, a live one's stay, unowned ones only on request`, () =>
    withStore(async (s, root, lease) => {
      const live = await s.prepareLayer(undefined, lease);
      const area = join(root, 'snapshots', name === 'copy' ? 'copy' : 'overlay', 'tmp'); // fuse-overlayfs keeps overlay's layout
      const dead = await deadOwnerToken();
      mkdirSync(join(area, `${dead}-aa`, 'diff'), { recursive: true });
      mkdirSync(join(area, `rm-${dead}-bb`));
      mkdirSync(join(area, 'c0ffee00c0ffee00c0ffee00')); // an older hull's random name
      assert.deepEqual(reclaimSnapshotTemp(root).map((e) => e.name).sort(), [`${dead}-aa`, `rm-${dead}-bb`]);
      assert.deepEqual(readdirSync(area).sort(), ['c0ffee00c0ffee00c0ffee00', live.key].sort());
      reclaimSnapshotTemp(root, { unowned: true });
      assert.deepEqual(readdirSync(area), [live.key]);
      await s.abortLayer(live);
    }, make));
}
