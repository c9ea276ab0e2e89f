/**
 * CopySnapshotter: the fallback where overlayfs cannot mount (e.g. a store on overlayfs itself).
 * Each layer directory holds the full tree of its chain; a container's view is a full copy bind-
 * mounted as its rootfs. Slow and large, but works on any filesystem.
 *
 *   <root>/snapshots/copy/               layout version 1
 *     layers/<chainID hex>/fs/           the whole tree up to this layer
 *     views/<id>/fs/                     a container's private copy
 *     tmp/<pid>-<start>-<rand>/fs/       a layer being applied (named by its process, sys/owner.ts)
 *     tmp/rm-<pid>-<start>-<rand>/       a layer being deleted (renamed here first)
 */
import { mkdirSync, readdirSync, renameSync, rmSync, existsSync } from 'node:fs';
import { ownedName } from '../sys/owner.js';
import type { WriteLease } from '../content/store.js';
import { join } from 'node:path';
import type { Mount } from '../sys/mount.js';
import { execOrThrow } from '../sys/exec.js';
import { HullError, errnoCode } from '../errors.js';
import { layerKey, removeCommittedDir, type PreparedLayer, type Snapshotter } from './snapshotter.js';

/** cp -a keeps owners, modes, times, xattrs, hardlinks and device nodes; reflinks where the fs can. */
async function copyTree(from: string, to: string): Promise<void> {
  await execOrThrow(['cp', '-a', '--reflink=auto', `${from}/.`, to], `copy "${from}"`);
}

export class CopySnapshotter implements Snapshotter {
  readonly driver = 'copy' as const;
  readonly whiteouts = 'delete' as const;
  private readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'snapshots', 'copy');
    for (const d of ['layers', 'views', 'tmp']) mkdirSync(join(this.dir, d), { recursive: true });
  }

  private layerFs(chainID: string): string {
    return join(this.dir, 'layers', layerKey(chainID), 'fs');
  }

  hasLayer(chainID: string): boolean {
    return existsSync(join(this.dir, 'layers', layerKey(chainID)));
  }

  async prepareLayer(parent: string | undefined, lease: WriteLease): Promise<PreparedLayer> {
    lease.assertHeld('prepare a layer');
    const key = ownedName();
    const dir = join(this.dir, 'tmp', key, 'fs');
    mkdirSync(dir, { recursive: true });
    if (parent !== undefined) await copyTree(this.requireLayer(parent), dir);
    return { key, dir, lease };
  }

  async commitLayer(prepared: PreparedLayer, chainID: string): Promise<void> {
    prepared.lease.assertHeld('commit a layer');
    try {
      renameSync(join(this.dir, 'tmp', prepared.key), join(this.dir, 'layers', layerKey(chainID)));
    } catch (err) {
      if (errnoCode(err) === 'ENOTEMPTY' || errnoCode(err) === 'EEXIST') return this.abortLayer(prepared);
      throw err;
    }
  }

  async abortLayer(prepared: PreparedLayer): Promise<void> {
    rmSync(join(this.dir, 'tmp', prepared.key), { recursive: true, force: true });
  }

  async removeLayer(chainID: string): Promise<void> {
    removeCommittedDir(join(this.dir, 'layers', layerKey(chainID)), join(this.dir, 'tmp'));
  }

  listLayers(): string[] {
    return readdirSync(join(this.dir, 'layers')).map((hex) => `sha256:${hex}`);
  }

  layerDirs(chainID: string): string[] {
    return [this.requireLayer(chainID)];
  }

  private requireLayer(chainID: string): string {
    const fs = this.layerFs(chainID);
    if (!existsSync(fs)) throw new HullError('NOT_FOUND', `Cannot find layer "${chainID}" in the copy store`, { hint: 'remove and pull or load the image again' });
    return fs;
  }

  async prepareView(id: string, parent: string | undefined): Promise<Mount[]> {
    const fs = join(this.dir, 'views', id, 'fs');
    mkdirSync(fs, { recursive: true });
    if (parent !== undefined) await copyTree(this.requireLayer(parent), fs);
    return this.viewMounts(id);
  }

  viewMounts(id: string): Mount[] {
    return [{ type: 'none', source: join(this.dir, 'views', id, 'fs'), options: ['rbind', 'rw'] }];
  }

  viewUpperDir(id: string): string {
    return join(this.dir, 'views', id, 'fs');
  }

  async removeView(id: string): Promise<void> {
    rmSync(join(this.dir, 'views', id), { recursive: true, force: true });
  }

  listViews(): string[] {
    return readdirSync(join(this.dir, 'views'));
  }
}
