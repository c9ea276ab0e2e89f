/**
 * Snapshotter: layered filesystems for images and containers, named by chainID.
 *
 * Lifecycle of an image layer (only under a GC lease: a layer nobody records yet must not be
 * collected half-way, so prepareLayer asks for the lease and commitLayer checks it is still held):
 *   prepareLayer(parent, lease) -> a fresh directory under tmp/, named by this process
 *                            (sys/owner.ts), to apply one layer diff into
 *                            (overlay: empty; copy: a full copy of the parent's tree)
 *   commitLayer(key, id)  -> atomic rename into place; if `id` exists already, the work is discarded
 *   abortLayer(key)       -> on failure, nothing half-applied is ever visible
 * What a killed process leaves in tmp/ (a half-applied layer, a layer renamed for deletion) is
 * reclaimed once its maker is proven dead (temp.ts).
 * Lifecycle of a container's writable view:
 *   prepareView(id, parent) -> Mount[] (data, mounted by the caller) ; removeView(id)
 */
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import type { Mount } from '../sys/mount.js';
import { ownedName } from '../sys/owner.js';
import type { WriteLease } from '../content/store.js';
import type { SpecIdMapping } from '../oci/runtime-spec.js';

/**
 * overlay: the kernel's overlayfs. fuse-overlayfs: the same layers and views, mounted by the
 * fuse-overlayfs program (rootless on kernels before 5.11, podman's mount_program). copy: full
 * copies, where neither works (podman's vfs; "vfs" is accepted as its name).
 */
export type SnapshotDriver = 'overlay' | 'fuse-overlayfs' | 'copy';

/** Pure: a driver name as a user gives it (flag, $HULL_STORAGE_DRIVER); undefined when unknown. */
export function parseSnapshotDriver(name: string): SnapshotDriver | undefined {
  if (name === 'vfs') return 'copy';
  return name === 'overlay' || name === 'fuse-overlayfs' || name === 'copy' ? name : undefined;
}

/**
 * IDs a view presents shifted: `containerID` is the ID on disk (and in the image), `hostID` the
 * one the mount shows to this process's namespace (a runtime spec's mapping of a keep-id user
 * namespace, so that the container sees the image's own IDs).
 */
export interface ViewIdMap {
  uid: SpecIdMapping[];
  gid: SpecIdMapping[];
}

export interface PreparedLayer {
  key: string;
  /** Directory the layer's tar is applied into. */
  dir: string;
  lease: WriteLease;
}

export interface Snapshotter {
  readonly driver: SnapshotDriver;
  /** How a layer tar's whiteouts must be applied into a prepared layer directory. */
  readonly whiteouts: 'overlay' | 'delete';
  hasLayer(chainID: string): boolean;
  prepareLayer(parent: string | undefined, lease: WriteLease): Promise<PreparedLayer>;
  commitLayer(prepared: PreparedLayer, chainID: string, parent: string | undefined): Promise<void>;
  abortLayer(prepared: PreparedLayer): Promise<void>;
  removeLayer(chainID: string): Promise<void>;
  listLayers(): string[];
  /** The directories of a committed layer chain, topmost first (overlay lowerdirs). */
  layerDirs(chainID: string): string[];
  prepareView(id: string, parent: string | undefined): Promise<Mount[]>;
  /** The view's mounts; with `idMap`, shifted where the driver can (overlay and fuse-overlayfs through fuse-overlayfs). */
  viewMounts(id: string, parent: string | undefined, idMap?: ViewIdMap): Mount[];
  /** The writable directory of a view: overlay's upperdir, the copy driver's whole tree. */
  viewUpperDir(id: string): string;
  removeView(id: string): Promise<void>;
  listViews(): string[];
}

/** The key under which a layer is stored on disk: the chainID's hex. */
export function layerKey(chainID: string): string {
  return chainID.slice(chainID.indexOf(':') + 1);
}

/**
 * Removes a committed directory so that a half-deleted one is never mistaken for a complete one:
 * rename it into the store's tmp/ first (atomic), then delete. A missing directory is success.
 */
export function removeCommittedDir(dir: string, tmpDir: string): void {
  const doomed = join(tmpDir, ownedName('rm-'));
  try {
    renameSync(dir, doomed);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  rmSync(doomed, { recursive: true, force: true });
}
