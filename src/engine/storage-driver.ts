/** The storage driver a door was asked for: the core owns which names exist (snapshots/snapshotter.ts). */
import { HullError, showUntrusted } from '../errors.js';
import { parseSnapshotDriver, type SnapshotDriver } from '../snapshots/snapshotter.js';

/** --storage-driver or $HULL_STORAGE_DRIVER (podman reads $STORAGE_DRIVER); undefined or '' means choose. */
export function parseStorageDriverOption(name: string | undefined): SnapshotDriver | undefined {
  if (name === undefined || name === '') return undefined;
  const driver = parseSnapshotDriver(name);
  if (driver === undefined) {
    throw new HullError('INVALID_ARGUMENT', `Cannot use storage driver "${showUntrusted(name)}": unknown driver`, { hint: 'expected overlay, fuse-overlayfs or copy (vfs)' });
  }
  return driver;
}
