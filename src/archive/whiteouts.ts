/**
 * Whiteouts, as image-spec layer.md "Whiteouts" defines them:
 * - `<dir>/.wh.<name>` removes `<dir>/<name>` as lower layers left it;
 * - `<dir>/.wh..wh..opq` (opaque) removes everything lower layers put in `<dir>`;
 * - both "MUST only apply to resources in lower/parent layers": entries of the same layer are
 *   never hidden, whatever their order in the tar.
 *
 * 'delete' mode (the directory already holds the parent's full tree): remove from it, keeping
 * what this layer created (LayerWriter.created) and, inside lower directories this layer wrote
 * into (LayerWriter.visited), removing only the lower entries.
 * 'overlay' mode (a fresh directory that will be an overlayfs upper/lower): write what overlayfs
 * reads, per the kernel's Documentation/filesystems/overlayfs.rst: a 0:0 character device for a
 * whiteout, `trusted.overlay.opaque=y` on an opaque directory.
 * Whiteout parents resolve with the same chroot semantics as every other entry (safe-path.ts).
 */
import { randomBytes } from '../sys/random.js';
import * as fs from 'node:fs';
import { errnoCode } from '../errors.js';
import type { LayerWriter } from './layer-writer.js';
import { joinRel } from './safe-path.js';
import { mknod } from './special-files.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** aufs kept its own metadata under this prefix (.wh..wh.plnk, .wh..wh.aufs); docker skips it. */
const AUFS_META_PREFIX = '.wh..wh.';

export class WhiteoutApplier {
  /** Overlay whiteouts are hardlinks to this 0:0 device (relative to the root), made on first use. */
  private template: string | undefined;
  private readonly templates: string[] = [];

  constructor(
    private readonly w: LayerWriter,
    private readonly mode: 'overlay' | 'delete',
  ) {}

  apply(comps: readonly string[], base: string): void {
    if (base === OPAQUE_MARKER) {
      this.opaque(comps);
      return;
    }
    if (base.startsWith(AUFS_META_PREFIX)) return;
    const target = base.slice(WHITEOUT_PREFIX.length);
    if (target === '' || target === '.' || target === '..') {
      this.w.refuse(`is a whiteout of "${target}", which names no file in its directory`);
    }
    if (this.mode === 'delete') this.deleteOne(comps, target);
    else this.overlayOne(comps, target);
  }

  /** Removes the whiteout template(s); they only exist while the layer is being written. */
  finish(): void {
    for (const t of this.templates) fs.rmSync(this.w.resolver.abs(t), { force: true });
    this.templates.length = 0;
    this.template = undefined;
  }

  private deleteOne(comps: readonly string[], target: string): void {
    const parent = this.w.resolver.resolveDir(comps, comps.length - 1, false);
    if (parent === undefined) return; // nothing there to hide
    const rel = joinRel(parent, target);
    if (this.w.created.has(rel)) return;
    const st = fs.lstatSync(this.w.resolver.abs(rel), { throwIfNoEntry: false });
    if (st === undefined) return;
    if (st.isDirectory() && this.w.visited.has(rel)) this.clearLower(rel);
    else this.w.remove(rel, st);
  }

  /** Removes what lower layers put under `rel`, keeping what this layer wrote there. */
  private clearLower(rel: string): void {
    for (const name of fs.readdirSync(this.w.resolver.abs(rel))) {
      const child = joinRel(rel, name);
      if (this.w.created.has(child)) continue;
      const st = fs.lstatSync(this.w.resolver.abs(child));
      if (st.isDirectory() && this.w.visited.has(child)) this.clearLower(child);
      else this.w.remove(child, st);
    }
  }

  private opaque(comps: readonly string[]): void {
    if (this.mode === 'delete') {
      const dir = this.w.resolver.resolveDir(comps, comps.length - 1, false);
      if (dir === undefined || this.w.created.has(dir)) return; // a new directory hides nothing
      this.clearLower(dir);
      return;
    }
    const dir = this.w.resolver.resolveDir(comps, comps.length - 1, true) ?? '';
    this.w.setOpaque(dir);
  }

  private overlayOne(comps: readonly string[], target: string): void {
    const parent = this.w.resolver.resolveDir(comps, comps.length - 1, true) ?? '';
    const rel = joinRel(parent, target);
    // Anything already there was written by this layer, which a whiteout does not hide; but a
    // directory this layer made must still hide the lower one's contents, so it becomes opaque.
    const st = fs.lstatSync(this.w.resolver.abs(rel), { throwIfNoEntry: false });
    if (st !== undefined) {
      if (st.isDirectory()) this.w.setOpaque(rel);
      return;
    }
    for (;;) {
      const template = this.template ?? this.newTemplate();
      try {
        fs.linkSync(this.w.resolver.abs(template), this.w.resolver.abs(rel));
        return;
      } catch (err) {
        if (errnoCode(err) !== 'EMLINK') throw err;
        this.template = undefined; // the filesystem's link limit: start another template
      }
    }
  }

  private newTemplate(): string {
    const name = `.hull-whiteout-${randomBytes(8).toString('hex')}`;
    mknod(this.w.resolver.root, name, 'char', 0, 0);
    this.templates.push(name);
    this.template = name;
    return name;
  }
}
