/**
 * Mounted views for build steps: a fresh overlay view on a layer chain, mounted under the build's
 * private directory in the runroot. A step works in it, unmounts it, and stores the upper directory
 * as its layer; a view used only for reading (COPY --from, RUN --mount=from=) is removed unchanged.
 *
 *   <runroot>/build/<build id 16>/      one per running build, removed when it ends
 *     owner                             "pid starttime" of the hull process building
 *     <view id>/rootfs                  a mounted view (the directory is named by the view id)
 *     step-<n>-<x>/                     a RUN step's bundle: config.json, /etc files, secret copies
 *     net/                              the build's network /etc files
 *
 * A build killed with -9 leaves its directory, mounts, views and maybe a running step behind;
 * the next build reaps them (reapDeadBuilds).
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTime } from '../sys/lock.js';
import { deleteContainer, type RuntimeOptions } from '../runtime/runc.js';
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
  const rootfs = join(buildDir, id, 'rootfs');
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
      rmSync(join(buildDir, id), { recursive: true, force: true });
    },
  };
}

export function writeOwner(buildDir: string): void {
  writeFileSync(join(buildDir, 'owner'), `${process.pid} ${processStartTime(process.pid) ?? 0}`);
}

function ownerAlive(buildDir: string): boolean {
  try {
    const [pid, start] = readFileSync(join(buildDir, 'owner'), 'utf8').split(' ');
    return processStartTime(Number(pid)) === start;
  } catch {
    return false; // no owner file: its build died before writing it
  }
}

/**
 * Cleans up after builds whose process is gone: kills and deletes their step containers (named
 * `<build id 32>-<step>`), unmounts and removes their views, and removes their directories.
 */
export async function reapDeadBuilds(runroot: string, snapshotter: Snapshotter, runtime: RuntimeOptions): Promise<void> {
  const root = join(runroot, 'build');
  let builds: string[];
  try {
    builds = readdirSync(root);
  } catch {
    return;
  }
  let steps: string[];
  try {
    steps = readdirSync(runtime.stateDir);
  } catch {
    steps = [];
  }
  for (const b of builds) {
    const dir = join(root, b);
    if (ownerAlive(dir)) continue;
    for (const step of steps.filter((s) => s.startsWith(b))) await deleteContainer(runtime, step).catch(() => {});
    for (const entry of readdirSync(dir)) {
      if (!/^[a-f0-9]{64}$/.test(entry)) continue;
      await unmountIfMounted(join(dir, entry, 'rootfs')).catch(() => {});
      await snapshotter.removeView(entry);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
