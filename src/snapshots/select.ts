/**
 * Choosing the snapshot driver: overlay when a test mount works on the store's filesystem; for a
 * rootless store (a user namespace) fuse-overlayfs next, when its test mount works; the copy driver
 * otherwise (podman's chain: overlay, overlay with mount_program, vfs). Each failed step's reason
 * is kept with the choice. The choice is recorded in <root>/storage.json so that every later
 * process uses the same driver without probing; a store is never switched to another driver (its
 * layers and views are only right for the one that wrote them), as containers-storage refuses too.
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
import { FuseOverlaySnapshotter, probeFuseOverlay } from './fuse-overlay.js';
import { overlayUsesUserXattrs } from '../sys/overlay-xattrs.js';
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
    const opts = `lowerdir=${probe}/lower,upperdir=${probe}/upper,workdir=${probe}/work${overlayUsesUserXattrs() ? ',userxattr' : ''}`;
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

export interface SnapshotterOptions {
  /** The driver asked for (--storage-driver, $HULL_STORAGE_DRIVER); undefined: choose. */
  requested?: SnapshotDriver | undefined;
  /** Where the overlay probe's answer is cached (HostPaths.probeCache). */
  probeCacheDir: string;
  /** A rootless store: fuse-overlayfs is tried before the copy driver. */
  rootless?: boolean;
}

/** The steps of the chain, as functions: a probe each. */
export interface DriverProbes {
  overlay(): Promise<DriverChoice>;
  fuse(): Promise<{ ok: boolean; reason: string }>;
}

/** overlay, then (rootless) fuse-overlayfs, then copy; the reason says why each step before failed. */
export async function chooseDriver(probes: DriverProbes, rootless: boolean): Promise<DriverChoice> {
  const overlay = await probes.overlay();
  if (overlay.driver === 'overlay') return overlay;
  if (!rootless) return overlay;
  const fuse = await probes.fuse();
  if (fuse.ok) return { driver: 'fuse-overlayfs', reason: `${fuse.reason} (${overlay.reason})` };
  return { driver: 'copy', reason: `${overlay.reason}; ${fuse.reason}` };
}

/** The choice for a new store: the one requested (fuse-overlayfs only once its test mount works), or the chain's. */
async function choose(root: string, o: SnapshotterOptions): Promise<DriverChoice> {
  const requested = 'requested with --storage-driver or $HULL_STORAGE_DRIVER';
  if (o.requested === 'fuse-overlayfs') {
    mkdirSync(root, { recursive: true });
    const fuse = await probeFuseOverlay(root);
    if (!fuse.ok) {
      throw new HullError('UNSUPPORTED', `Cannot use storage driver "fuse-overlayfs" for "${root}": ${fuse.reason}`, { hint: 'fix that, or use --storage-driver overlay or copy' });
    }
    return { driver: 'fuse-overlayfs', reason: `${requested}; ${fuse.reason}` };
  }
  if (o.requested) return { driver: o.requested, reason: requested };
  return chooseDriver({ overlay: () => probeOverlayOnce(root, o.probeCacheDir), fuse: () => probeFuseOverlay(root) }, o.rootless === true);
}

function readRecord(root: string): StorageRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(root, 'storage.json'), 'utf8')) as StorageRecord;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    return undefined;
  }
}

/**
 * Refuses a driver other than the store's own, before any command touches the store (the engine
 * calls this when a driver is asked for; containers-storage refuses the same way).
 */
export function checkRequestedDriver(root: string, requested: SnapshotDriver | undefined): void {
  const record = requested ? readRecord(root) : undefined;
  if (record && record.driver !== requested) {
    throw new HullError('CONFLICT', `Cannot use storage driver "${requested}" for "${root}": the store was created with "${record.driver}", whose layers and containers another driver cannot use`, {
      hint: `use --storage-driver ${record.driver} (or leave it out), or another --root; a store changes driver only by being emptied (docs/storage.md)`,
    });
  }
}

export async function openSnapshotter(root: string, o: SnapshotterOptions): Promise<Snapshotter> {
  const recordPath = join(root, 'storage.json');
  checkRequestedDriver(root, o.requested);
  let record = readRecord(root);
  if (!record) {
    const choice = await choose(root, o);
    record = { version: 1, driver: choice.driver, reason: choice.reason };
    writeJsonAtomic(recordPath, record);
  }
  if (record.driver === 'overlay') return new OverlaySnapshotter(root);
  if (record.driver === 'fuse-overlayfs') return new FuseOverlaySnapshotter(root);
  return new CopySnapshotter(root);
}

export async function readDriverReason(root: string): Promise<string | undefined> {
  try {
    return (JSON.parse(readFileSync(join(root, 'storage.json'), 'utf8')) as StorageRecord).reason;
  } catch {
    return undefined;
  }
}
