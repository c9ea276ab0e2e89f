/**
 * Choosing the snapshot driver: overlay when a test mount works on the store's filesystem, the copy
 * driver otherwise. The choice is recorded in <root>/storage.json so that every later process uses
 * the same driver (a store's layers are only readable by the driver that wrote them) without probing.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from '../sys/random.js';
import { HullError, errnoCode } from '../errors.js';
import { writeJsonAtomic } from '../sys/atomic-write.js';
import { execCapture } from '../sys/exec.js';
import { unmountIfMounted } from '../sys/mount.js';
import { CopySnapshotter } from './copy.js';
import { OverlaySnapshotter } from './overlay.js';
import type { SnapshotDriver, Snapshotter } from './snapshotter.js';

interface StorageRecord {
  version: 1;
  driver: SnapshotDriver;
  reason?: string;
}

export interface DriverChoice {
  driver: SnapshotDriver;
  reason: string;
}

/** Mounts a tiny overlay under the store to see whether the kernel and filesystem allow it. */
export async function probeOverlay(root: string): Promise<DriverChoice> {
  const probe = join(root, 'snapshots', `probe-${randomBytes(4).toString('hex')}`);
  for (const d of ['lower', 'upper', 'work', 'merged']) mkdirSync(join(probe, d), { recursive: true });
  writeFileSync(join(probe, 'lower', 'f'), 'x');
  try {
    const opts = `lowerdir=${probe}/lower,upperdir=${probe}/upper,workdir=${probe}/work`;
    const r = await execCapture(['mount', '-t', 'overlay', 'overlay', '-o', opts, join(probe, 'merged')]);
    if (r.code !== 0) return { driver: 'copy', reason: `overlay mount failed: ${r.stderr.trim()}` };
    await unmountIfMounted(join(probe, 'merged'));
    return { driver: 'overlay', reason: 'overlay test mount succeeded' };
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/**
 * probeOverlay, answered once per filesystem and kernel: whether overlay works is a property of
 * the host, not of a store, and the test mount costs ~25 ms of the first command in every new
 * store. Kept in `cacheDir` (HostPaths.probeCache, in /run: tmpfs), so a new kernel probes again
 * after its reboot.
 */
async function probeOverlayOnce(root: string, cacheDir: string): Promise<DriverChoice> {
  mkdirSync(root, { recursive: true });
  const file = join(cacheDir, `overlay-${statSync(root).dev}-${release()}.json`);
  try {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as DriverChoice;
    if (cached.driver === 'overlay') return { driver: cached.driver, reason: `${cached.reason} (probed earlier on this filesystem)` };
  } catch {
    // not probed yet on this filesystem since boot
  }
  const choice = await probeOverlay(root);
  // Only a success is kept: a failed probe may have failed for a passing reason, and the copy
  // driver it chose would otherwise spread to every new store on this filesystem.
  if (choice.driver === 'overlay') {
    try {
      mkdirSync(cacheDir, { recursive: true });
      writeJsonAtomic(file, choice, { ephemeral: true });
    } catch {
      // a cache only: the next new store probes again
    }
  }
  return choice;
}

export async function openSnapshotter(root: string, requested: SnapshotDriver | undefined, probeCacheDir: string): Promise<Snapshotter> {
  const recordPath = join(root, 'storage.json');
  let record: StorageRecord | undefined;
  try {
    record = JSON.parse(readFileSync(recordPath, 'utf8')) as StorageRecord;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  if (record && requested && record.driver !== requested) {
    throw new HullError('CONFLICT', `Cannot use storage driver "${requested}" for "${root}": the store was created with "${record.driver}"`, {
      hint: `use --storage-driver ${record.driver}, or another --root`,
    });
  }
  if (!record) {
    const choice: DriverChoice = requested ? { driver: requested, reason: 'requested with --storage-driver' } : await probeOverlayOnce(root, probeCacheDir);
    record = { version: 1, driver: choice.driver, reason: choice.reason };
    writeJsonAtomic(recordPath, record);
  }
  return record.driver === 'overlay' ? new OverlaySnapshotter(root) : new CopySnapshotter(root);
}

export async function readDriverReason(root: string): Promise<string | undefined> {
  try {
    return (JSON.parse(readFileSync(join(root, 'storage.json'), 'utf8')) as StorageRecord).reason;
  } catch {
    return undefined;
  }
}
