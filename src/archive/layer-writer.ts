/**
 * LayerWriter: turns tar entries into files under the layer root, one entry at a time, safely.
 *
 * For each entry: clean the name (safe-path.ts), resolve its parent with chroot semantics, lstat
 * the last component and replace whatever is there (a directory over a directory is kept, as
 * docker does), then create the entry without following anything: regular files are opened
 * O_CREAT|O_EXCL|O_NOFOLLOW and get owner, mode and times through the open fd. Ownership comes
 * before mode because chown clears setuid/setgid. Directory times are set at the end, after their
 * contents are written; xattrs too, in one batch (special-files.ts). Whiteouts follow image-spec
 * layer.md "Whiteouts": see whiteouts.ts.
 */
import * as fs from 'node:fs';
import { errnoCode, isHullError } from '../errors.js';
import { layerError } from './layer-error.js';
import { cleanPath, joinRel, PathRefusal, RootResolver } from './safe-path.js';
import { mkfifo, mknod, setXattrs } from './special-files.js';
import type { TarEntry, TarEntryHandler } from './tar-reader.js';
import { WhiteoutApplier, WHITEOUT_PREFIX } from './whiteouts.js';
import { OVERLAY_PRIVATE_XATTR, opaqueXattr } from '../sys/overlay-xattrs.js';

export interface LayerWriterOptions {
  root: string;
  layer: string;
  whiteouts: 'overlay' | 'delete';
  /** Ownership and device nodes need root; without it owners are left as they fall. */
  privileged: boolean;
}

const O_CREATE_NEW = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/** xattr names as the kernel knows them; '=', '\\' and whitespace would corrupt setfattr's input. */
const XATTR_NAME = /^(user|trusted|security|system)\.[\x21-\x3c\x3e-\x5b\x5d-\x7e]+$/;

export class LayerWriter implements TarEntryHandler {
  readonly resolver: RootResolver;
  /** Paths this layer created, in 'delete' mode: whiteouts only hide what lower layers made. */
  readonly created = new Set<string>();
  /** Existing (lower) directories this layer walked into or re-declared, in 'delete' mode. */
  readonly visited = new Set<string>();
  private readonly dirTimes = new Map<string, number>();
  private readonly xattrs = new Map<string, Map<string, Buffer>>();
  private readonly whiteouts: WhiteoutApplier;
  private fd = -1;
  private file: TarEntry | undefined;
  private name = '';
  private readonly umask = process.umask();

  constructor(private readonly opts: LayerWriterOptions) {
    const track = opts.whiteouts === 'delete';
    this.resolver = new RootResolver(opts.root, {
      createdDir: (rel) => {
        if (!track) return;
        this.created.add(rel);
        this.visited.delete(rel);
      },
      visitedDir: (rel) => {
        if (track && !this.created.has(rel)) this.visited.add(rel);
      },
    });
    this.whiteouts = new WhiteoutApplier(this, opts.whiteouts);
  }

  entry(e: TarEntry): void {
    this.name = e.name;
    try {
      this.applyEntry(e);
    } catch (err) {
      throw this.wrap(err);
    }
  }

  data(chunk: Buffer): void {
    if (this.fd < 0) return; // data of an entry that is not a regular file (or a whiteout)
    try {
      let off = 0;
      while (off < chunk.length) off += fs.writeSync(this.fd, chunk, off, chunk.length - off);
    } catch (err) {
      throw this.wrap(err);
    }
  }

  entryEnd(): void {
    if (this.fd < 0 || this.file === undefined) return;
    const { fd, file: e } = this;
    this.fd = -1;
    this.file = undefined;
    try {
      if (this.opts.privileged) fs.fchownSync(fd, e.uid, e.gid);
      // open() already gave the mode unless the umask cut it or it has setuid/setgid/sticky bits
      // (which chown clears): a syscall saved per file in the common case.
      if ((e.mode & (0o7000 | this.umask)) !== 0) fs.fchmodSync(fd, e.mode);
      fs.futimesSync(fd, e.mtime, e.mtime);
    } catch (err) {
      throw this.wrap(err);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Applies what was deferred: xattrs, then directory times (last, as everything above touches them). */
  finish(): void {
    this.name = '';
    try {
      this.whiteouts.finish();
      setXattrs(this.opts.root, this.xattrs);
      for (const [rel, mtime] of this.dirTimes) fs.lutimesSync(this.resolver.abs(rel), mtime, mtime);
    } catch (err) {
      throw this.wrap(err);
    }
  }

  /** Closes what is open after a failure; the caller removes the directory. */
  abort(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  refuse(reason: string): never {
    throw layerError('UNSAFE_ARCHIVE', this.opts.layer, this.name, reason);
  }

  private wrap(err: unknown): Error {
    if (isHullError(err)) return err;
    if (err instanceof PathRefusal) return layerError('UNSAFE_ARCHIVE', this.opts.layer, this.name, err.message);
    const msg = err instanceof Error ? err.message : String(err);
    return layerError('INTERNAL', this.opts.layer, this.name || undefined, `could not be written: ${msg}`, { cause: err });
  }

  private applyEntry(e: TarEntry): void {
    const comps = cleanPath(e.name);
    if (comps === 'escapes') this.refuse('escapes the layer directory');
    if (comps === 'nul') this.refuse('has a NUL byte in its name');
    const base = comps[comps.length - 1];
    if (base === undefined) {
      // "./" names the root, which belongs to the caller (docker skips it too).
      if (e.type === 'dir') return;
      this.refuse('names the layer directory itself');
    }
    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.whiteouts.apply(comps, base);
      return;
    }
    const parent = this.resolver.resolveDir(comps, comps.length - 1, true) ?? '';
    const rel = joinRel(parent, base);
    if (e.type === 'link') {
      this.link(e, rel);
      return;
    }
    const abs = this.resolver.abs(rel);
    // Create first and clear only on EEXIST: most entries land on an empty path, and O_EXCL,
    // mkdir and symlink all fail on anything already there, a symlink included, without following it.
    const state: { replaced: 'kept' | 'whiteout' | 'empty' } = { replaced: 'empty' };
    const make = (create: () => void): void => {
      try {
        create();
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw err;
        state.replaced = this.clear(rel, e.type === 'dir');
        if (state.replaced !== 'kept') create();
      }
    };
    switch (e.type) {
      case 'file':
        make(() => (this.fd = fs.openSync(abs, O_CREATE_NEW, e.mode & 0o777)));
        this.file = e;
        if (e.size === 0) this.entryEnd();
        break;
      case 'dir':
        make(() => fs.mkdirSync(abs, 0o700));
        if (state.replaced === 'whiteout') this.setOpaque(rel);
        this.setOwnerMode(abs, e);
        this.dirTimes.set(rel, e.mtime);
        break;
      case 'symlink':
        if (e.linkname === '') this.refuse('is a symlink with an empty target');
        make(() => fs.symlinkSync(e.linkname, abs));
        if (this.opts.privileged) fs.lchownSync(abs, e.uid, e.gid);
        fs.lutimesSync(abs, e.mtime, e.mtime);
        break;
      default:
        this.clear(rel, false);
    }
    if (state.replaced !== 'kept') this.markCreated(rel);
    switch (e.type) {
      case 'char':
      case 'block':
        if (!this.opts.privileged) this.refuse('is a device node, which only root may create');
        mknod(this.opts.root, rel, e.type, e.devmajor, e.devminor);
        this.setOwnerMode(abs, e);
        fs.lutimesSync(abs, e.mtime, e.mtime);
        break;
      case 'fifo':
        mkfifo(this.opts.root, rel);
        this.setOwnerMode(abs, e);
        fs.lutimesSync(abs, e.mtime, e.mtime);
        break;
    }
    if (e.xattrs) this.addXattrs(rel, e);
  }

  /** Hardlink: the target is cleaned and resolved like a name, and must already be in the tree. */
  private link(e: TarEntry, rel: string): void {
    const comps = cleanPath(e.linkname);
    if (comps === 'escapes') this.refuse(`is a hardlink to "${e.linkname}", which escapes the layer directory`);
    if (comps === 'nul' || comps.length === 0) this.refuse(`is a hardlink to "${e.linkname}", which is not a file`);
    const parent = this.resolver.resolveDir(comps, comps.length - 1, false);
    const src = parent === undefined ? undefined : joinRel(parent, comps[comps.length - 1] ?? '');
    const st = src === undefined ? undefined : fs.lstatSync(this.resolver.abs(src), { throwIfNoEntry: false });
    if (src === undefined || st === undefined) {
      throw layerError('INVALID_FORMAT', this.opts.layer, this.name, `is a hardlink to "${e.linkname}", which is not in the layer`);
    }
    if (st.isDirectory()) this.refuse(`is a hardlink to directory "${e.linkname}"`);
    if (src === rel) return;
    this.clear(rel, false);
    this.markCreated(rel);
    fs.linkSync(this.resolver.abs(src), this.resolver.abs(rel)); // link(2) does not follow a symlink source
  }

  /**
   * Makes room at `rel`: keeps a directory when a directory is coming, removes anything else.
   * Returns 'kept', 'whiteout' (an overlay whiteout device was replaced) or 'empty'.
   */
  clear(rel: string, wantDir: boolean): 'kept' | 'whiteout' | 'empty' {
    const st = fs.lstatSync(this.resolver.abs(rel), { throwIfNoEntry: false });
    if (st === undefined) return 'empty';
    if (wantDir && st.isDirectory()) {
      if (this.opts.whiteouts === 'delete' && !this.created.has(rel)) this.visited.add(rel);
      return 'kept';
    }
    const whiteout = st.isCharacterDevice() && st.rdev === 0;
    this.remove(rel, st);
    return whiteout ? 'whiteout' : 'empty';
  }

  /** Removes `rel` (recursively, never following symlinks) and forgets deferred work under it. */
  remove(rel: string, st: fs.Stats): void {
    const abs = this.resolver.abs(rel);
    this.dirTimes.delete(rel);
    this.xattrs.delete(rel);
    if (st.isDirectory()) {
      fs.rmSync(abs, { recursive: true, force: true });
      const under = `${rel}/`;
      for (const k of this.dirTimes.keys()) if (k.startsWith(under)) this.dirTimes.delete(k);
      for (const k of this.xattrs.keys()) if (k.startsWith(under)) this.xattrs.delete(k);
      this.resolver.invalidate();
    } else {
      fs.unlinkSync(abs);
      if (st.isSymbolicLink()) this.resolver.invalidate();
    }
  }

  markCreated(rel: string): void {
    if (this.opts.whiteouts !== 'delete') return;
    this.created.add(rel);
    this.visited.delete(rel);
  }

  /** overlayfs: a directory whose lower-layer contents are hidden (overlayfs.rst "whiteouts and opaque directories"). */
  setOpaque(rel: string): void {
    this.pendXattr(rel, opaqueXattr(), Buffer.from('y'));
  }

  private pendXattr(rel: string, name: string, value: Buffer): void {
    let m = this.xattrs.get(rel);
    if (m === undefined) this.xattrs.set(rel, (m = new Map()));
    m.set(name, value);
  }

  private addXattrs(rel: string, e: TarEntry): void {
    for (const [name, value] of e.xattrs ?? []) {
      if (!XATTR_NAME.test(name)) this.refuse(`has an xattr with an invalid name "${name}"`);
      if (OVERLAY_PRIVATE_XATTR.test(name)) continue; // an overlay's own metadata (redirects, opaque) is never taken from an archive
      if (e.type === 'symlink' && name.startsWith('user.')) continue; // the kernel refuses user.* on symlinks
      this.pendXattr(rel, name, value);
    }
  }

  private setOwnerMode(abs: string, e: TarEntry): void {
    if (this.opts.privileged) fs.lchownSync(abs, e.uid, e.gid);
    fs.chmodSync(abs, e.mode); // after chown, which clears setuid/setgid; abs is not a symlink
  }
}
