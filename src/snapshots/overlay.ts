/**
 * OverlaySnapshotter: each layer is a directory of its diff; a container's view is one overlay
 * mount of the layer chain under a fresh upperdir.
 *
 *   <root>/snapshots/overlay/            layout version 1
 *     layers/<chainID hex>/diff/         the layer's files, whiteouts as overlayfs writes them
 *     layers/<chainID hex>/parent        parent chainID (absent for a base layer)
 *     l/<short id> -> ../layers/<hex>/diff   short names keep lowerdir= under one page for deep chains
 *     layers/<chainID hex>/link          the short id
 *     views/<id>/{upper,work}/           a container's writable layer
 *     tmp/<pid>-<start>-<rand>/          layers being applied; renamed into layers/ when complete
 *     tmp/rm-<pid>-<start>-<rand>/       a layer being deleted (renamed here first)
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { randomBytes } from '../sys/random.js';
import { join } from 'node:path';
import type { Mount } from '../sys/mount.js';
import { fuseOverlayMount, fuseOverlayUsable } from './fuse-mount.js';
import { HullError, errnoCode } from '../errors.js';
import { fsyncDir } from '../sys/atomic-write.js';
import { ownedName } from '../sys/owner.js';
import type { WriteLease } from '../content/store.js';
import { overlayUsesUserXattrs } from '../sys/overlay-xattrs.js';
import { layerKey, removeCommittedDir, type PreparedLayer, type SnapshotDriver, type Snapshotter, type ViewIdMap } from './snapshotter.js';

export class OverlaySnapshotter implements Snapshotter {
  readonly driver: SnapshotDriver = 'overlay';
  readonly whiteouts = 'overlay' as const;
  protected readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'snapshots', 'overlay');
    for (const d of ['layers', 'l', 'views', 'tmp']) mkdirSync(join(this.dir, d), { recursive: true });
  }

  private layerDir(chainID: string): string {
    return join(this.dir, 'layers', layerKey(chainID));
  }

  hasLayer(chainID: string): boolean {
    return existsSync(this.layerDir(chainID));
  }

  async prepareLayer(_parent: string | undefined, lease: WriteLease): Promise<PreparedLayer> {
    lease.assertHeld('prepare a layer');
    const key = ownedName();
    const dir = join(this.dir, 'tmp', key);
    mkdirSync(join(dir, 'diff'), { recursive: true });
    return { key, dir: join(dir, 'diff'), lease };
  }

  async commitLayer(prepared: PreparedLayer, chainID: string, parent: string | undefined): Promise<void> {
    prepared.lease.assertHeld('commit a layer');
    const tmp = join(this.dir, 'tmp', prepared.key);
    const link = randomBytes(10).toString('hex').toUpperCase();
    if (parent !== undefined) writeFileSync(join(tmp, 'parent'), parent);
    writeFileSync(join(tmp, 'link'), link);
    // The short link first, dangling until the rename: a layer is never visible without it (a kill
    // -9 between the two left layers whose overlay mount failed). A dead link left by a kill is inert.
    symlinkSync(`../layers/${layerKey(chainID)}/diff`, join(this.dir, 'l', link));
    try {
      renameSync(tmp, this.layerDir(chainID));
    } catch (err) {
      rmSync(join(this.dir, 'l', link), { force: true });
      // Another process committed the same layer first: theirs is as good as ours.
      if (errnoCode(err) === 'ENOTEMPTY' || errnoCode(err) === 'EEXIST') return this.abortLayer(prepared);
      throw err;
    }
    fsyncDir(join(this.dir, 'layers'));
  }

  async abortLayer(prepared: PreparedLayer): Promise<void> {
    rmSync(join(this.dir, 'tmp', prepared.key), { recursive: true, force: true });
  }

  async removeLayer(chainID: string): Promise<void> {
    const dir = this.layerDir(chainID);
    try {
      rmSync(join(this.dir, 'l', readFileSync(join(dir, 'link'), 'utf8')), { force: true });
    } catch {
      // no link: a layer from an interrupted commit
    }
    removeCommittedDir(dir, join(this.dir, 'tmp'));
  }

  listLayers(): string[] {
    return readdirSync(join(this.dir, 'layers')).map((hex) => `sha256:${hex}`);
  }

  layerDirs(chainID: string): string[] {
    const dirs: string[] = [];
    for (let id: string | undefined = chainID; id !== undefined; ) {
      const dir = this.layerDir(id);
      if (!existsSync(dir)) throw new HullError('NOT_FOUND', `Cannot find layer "${id}" in the overlay store`, { hint: 'remove and pull or load the image again' });
      dirs.push(join(dir, 'diff'));
      id = readOptional(join(dir, 'parent'));
    }
    return dirs;
  }

  private lowerOption(chainID: string): string {
    const links: string[] = [];
    for (let id: string | undefined = chainID; id !== undefined; id = readOptional(join(this.layerDir(id), 'parent'))) {
      const link = readOptional(join(this.layerDir(id), 'link'));
      if (link === undefined) throw new HullError('NOT_FOUND', `Cannot find layer "${id}" in the overlay store`);
      // Stores written before links came first may hold a layer whose link a kill -9 cut: remade.
      if (!existsSync(join(this.dir, 'l', link))) symlinkSync(`../layers/${layerKey(id)}/diff`, join(this.dir, 'l', link));
      links.push(join(this.dir, 'l', link));
    }
    return links.join(':');
  }

  async prepareView(id: string, parent: string | undefined): Promise<Mount[]> {
    const view = join(this.dir, 'views', id);
    mkdirSync(join(view, 'upper'), { recursive: true });
    mkdirSync(join(view, 'work'), { recursive: true });
    if (parent === undefined) mkdirSync(join(view, 'empty'), { recursive: true });
    return this.viewMounts(id, parent);
  }

  viewMounts(id: string, parent: string | undefined, idMap?: ViewIdMap): Mount[] {
    // The kernel's overlay cannot shift IDs here (idmapped layers need mount_setattr(2), which
    // neither Node nor this util-linux offers); fuse-overlayfs can, on the same layout. Without
    // it the view is unshifted (docs/storage.md).
    if (idMap && fuseOverlayUsable()) return [fuseOverlayMount(this.viewOptions(id, parent), idMap)];
    // In a user namespace trusted.* xattrs are refused: without userxattr, removing a lower
    // directory (an opaque one made in its place) fails with EIO (sys/overlay-xattrs.ts).
    return [{ type: 'overlay', source: 'overlay', options: [...this.viewOptions(id, parent), ...(overlayUsesUserXattrs() ? ['userxattr'] : [])] }];
  }

  /** lowerdir, upperdir and workdir of a view: one syntax for the kernel's overlay and fuse-overlayfs. */
  protected viewOptions(id: string, parent: string | undefined): string[] {
    const view = join(this.dir, 'views', id);
    const lower = parent === undefined ? join(view, 'empty') : this.lowerOption(parent);
    return [`lowerdir=${lower}`, `upperdir=${join(view, 'upper')}`, `workdir=${join(view, 'work')}`];
  }

  viewUpperDir(id: string): string {
    return join(this.dir, 'views', id, 'upper');
  }

  async removeView(id: string): Promise<void> {
    rmSync(join(this.dir, 'views', id), { recursive: true, force: true });
  }

  listViews(): string[] {
    return readdirSync(join(this.dir, 'views'));
  }
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
