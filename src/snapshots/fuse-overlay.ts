/**
 * The fuse-overlayfs driver: the overlay driver's layers and views (overlay.ts, same layout), with
 * each view mounted by the fuse-overlayfs program instead of the kernel (podman's overlay driver
 * with `mount_program`). It serves a rootless user whose kernel cannot mount overlayfs in a user
 * namespace (before 5.11), or anyone who asks for it. Whiteouts are overlay's 0:0 devices in both
 * (a user namespace may make them since 5.8); an opaque directory is user.overlay.opaque in a layer
 * and user.fuseoverlayfs.opaque in an upper directory (sys/overlay-xattrs.ts).
 *
 * The mount lives as long as its daemon: umount ends both (unmountIfMounted, as for the kernel's).
 * A daemon killed under a mount leaves a dead one ("Transport endpoint is not connected"), which
 * the next mount of that view unmounts first, as it does a stale kernel one.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execCapture } from '../sys/exec.js';
import { FUSE_OVERLAY, unmountIfMounted, type Mount } from '../sys/mount.js';
import { randomBytes } from '../sys/random.js';
import { which } from '../sys/which.js';
import { OverlaySnapshotter } from './overlay.js';
import { devFuseProblem, fuseOverlayMount } from './fuse-mount.js';
import type { SnapshotDriver, ViewIdMap } from './snapshotter.js';

export class FuseOverlaySnapshotter extends OverlaySnapshotter {
  override readonly driver: SnapshotDriver = 'fuse-overlayfs';

  override viewMounts(id: string, parent: string | undefined, idMap?: ViewIdMap): Mount[] {
    return [fuseOverlayMount(this.viewOptions(id, parent), idMap)];
  }
}

export interface FuseProbe {
  ok: boolean;
  reason: string;
}

/** Mounts a tiny fuse-overlayfs under the store: the program is there, /dev/fuse opens, the mount works. */
export async function probeFuseOverlay(root: string): Promise<FuseProbe> {
  if (which(FUSE_OVERLAY) === undefined) return { ok: false, reason: 'fuse-overlayfs is not installed (apt-get install fuse-overlayfs)' };
  const dev = devFuseProblem();
  if (dev !== undefined) return { ok: false, reason: dev };
  const probe = join(root, 'snapshots', `probe-fuse-${randomBytes(4).toString('hex')}`);
  for (const d of ['lower', 'upper', 'work', 'merged']) mkdirSync(join(probe, d), { recursive: true });
  writeFileSync(join(probe, 'lower', 'f'), 'x');
  try {
    const options = [`lowerdir=${probe}/lower`, `upperdir=${probe}/upper`, `workdir=${probe}/work`];
    const r = await execCapture([FUSE_OVERLAY, '-o', options.join(','), join(probe, 'merged')]);
    if (r.code !== 0) return { ok: false, reason: `fuse-overlayfs test mount failed: ${r.stderr.trim()}` };
    await unmountIfMounted(join(probe, 'merged'));
    return { ok: true, reason: 'fuse-overlayfs test mount succeeded' };
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
