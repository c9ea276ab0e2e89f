/**
 * Mounted views for build steps: a fresh overlay view on a layer chain, mounted under the build's
 * private directory in the runroot. A step works in it, unmounts it, and stores the upper directory
 * as its layer; a view used only for reading (COPY --from, RUN --mount=from=) is removed unchanged.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomId } from '../sys/ids.js';
import { applyMount, unmountIfMounted } from '../sys/mount.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';

export interface MountedView {
  id: string;
  rootfs: string;
  /** Unmounts (idempotent); the view itself stays until remove(). */
  unmount(): Promise<void>;
  /** Unmounts and removes the view and its mount point. */
  remove(): Promise<void>;
}

export async function mountView(snapshotter: Snapshotter, buildDir: string, parent: string | undefined): Promise<MountedView> {
  const id = randomId();
  const rootfs = join(buildDir, id.slice(0, 16), 'rootfs');
  mkdirSync(rootfs, { recursive: true });
  const mounts = await snapshotter.prepareView(id, parent);
  const unmount = () => unmountIfMounted(rootfs);
  try {
    for (const m of mounts) await applyMount(m, rootfs);
  } catch (err) {
    await unmount();
    await snapshotter.removeView(id);
    throw err;
  }
  return {
    id,
    rootfs,
    unmount,
    async remove() {
      await unmount();
      await snapshotter.removeView(id);
      rmSync(join(buildDir, id.slice(0, 16)), { recursive: true, force: true });
    },
  };
}
