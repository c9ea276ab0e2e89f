/**
 * Mounted views for build steps: a fresh overlay view on a layer chain, mounted under the build's
 * private directory in the runroot. A step works in it, unmounts it, and stores the upper directory
 * as its layer; a view used only for reading (COPY --from, RUN --mount=from=) is removed unchanged.
 *
 *   <runroot>/build/<build id 16>/      one per running build, removed when it ends
 *     owner                             "pid starttime" of the hull process building
 *   <runroot>/build/.new-<pid>-<start>-<rand>/   a build directory being claimed (see claimBuildDir)
 *   <runroot>/build/.reap.lock          held while a reaper cleans up dead builds
 *     <view id>/rootfs                  a mounted view (the directory is named by the view id)
 *     step-<n>-<x>/                     a RUN step's bundle: config.json, /etc files, secret copies
 *     net/                              the build's network /etc files
 *
 * A build killed with -9 leaves its directory, mounts, views and maybe a running step behind;
 * the next build reaps them (reapDeadBuilds). A directory appears only with its owner file in it
 * (written in a temp directory, then renamed into place), and a reaper takes only a directory
 * whose owner it can prove dead: never one without an owner file.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withLock } from '../sys/lock.js';
import { ownedName, ownedNameAlive, selfOwnerToken, tokenAlive } from '../sys/owner.js';
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

/** Creates `<runroot>/build/<name>` owned by this process in one atomic step. */
export function claimBuildDir(runroot: string, name: string): string {
  const root = join(runroot, 'build');
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const staging = join(root, ownedName('.new-'));
  mkdirSync(staging, { mode: 0o700 });
  writeFileSync(join(staging, 'owner'), selfOwnerToken());
  const dir = join(root, name);
  renameSync(staging, dir);
  return dir;
}

/** Whether a build directory's owner is proven dead; false when there is no readable owner (never proven). */
export function buildOwnerDead(buildDir: string): boolean {
  let token: string;
  try {
    token = readFileSync(join(buildDir, 'owner'), 'utf8');
  } catch {
    return false;
  }
  return token.trim() !== '' && !tokenAlive(token);
}

/** What `hull system check` reports: build directories and claims of dead processes. */
export function listDeadBuilds(runroot: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(runroot, 'build'));
  } catch {
    return [];
  }
  return names.filter((n) => (n.startsWith('.new-') ? ownedNameAlive(n, '.new-') === false : !n.startsWith('.') && buildOwnerDead(join(runroot, 'build', n))));
}

/**
 * Cleans up after builds whose process is gone: kills and deletes their step containers (named
 * `<build id 32>-<step>`), unmounts and removes their views, and removes their directories.
 */
export async function reapDeadBuilds(runroot: string, snapshotter: Snapshotter, runtime: RuntimeOptions): Promise<string[]> {
  const root = join(runroot, 'build');
  if (listDeadBuilds(runroot).length === 0) return [];
  // One reaper at a time: two would unmount and remove the same views under each other.
  return withLock(join(root, '.reap.lock'), () => reapUnderLock(root, runroot, snapshotter, runtime));
}

async function reapUnderLock(root: string, runroot: string, snapshotter: Snapshotter, runtime: RuntimeOptions): Promise<string[]> {
  const builds = listDeadBuilds(runroot);
  let steps: string[];
  try {
    steps = readdirSync(runtime.stateDir);
  } catch {
    steps = [];
  }
  for (const b of builds) {
    const dir = join(root, b);
    for (const step of steps.filter((s) => s.startsWith(b))) await deleteContainer(runtime, step).catch(() => {});
    for (const entry of readdirSync(dir)) {
      if (!/^[a-f0-9]{64}$/.test(entry)) continue;
      await unmountIfMounted(join(dir, entry, 'rootfs')).catch(() => {});
      await snapshotter.removeView(entry);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return builds;
}
