/**
 * COPY and ADD into a step's mounted view, with Docker's copy rules:
 *   - a directory source copies its contents, not the directory itself;
 *   - a file lands inside `dest` when `dest` ends with `/` or is an existing directory, else at `dest`;
 *   - several sources (or a wildcard) need a directory destination ending in `/`;
 *   - from the context, files are owned by 0:0; from another stage or image (--from) they keep their
 *     owners; --chown (user[:group], names from the destination's /etc/passwd and /etc/group, the
 *     uid as gid when no group is given) and --chmod (octal) override;
 *   - ADD extracts a local tar archive (plain, gzip or zstd) into `dest`, through archive/'s
 *     applyLayer, which never writes outside its directory;
 *   - symlinks inside a copied directory stay symlinks; a source that is itself a symlink is followed
 *     (inside its root).
 * Every path in the destination is resolved with resolveInRoot, so no symlink in the image can lead
 * a write out of the view. The content hash (hashSources) is what the build cache compares.
 */
import { type Stats, chmodSync, closeSync, copyFileSync, lchownSync, lstatSync, mkdirSync, openSync, readSync, readdirSync, readlinkSync, rmSync, symlinkSync, utimesSync, lutimesSync, createReadStream, writeFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, posix } from 'node:path';
import { HullError } from '../errors.js';
import { resolveInRoot } from '../sys/safe-path.js';
import { cleanSource, hasWildcard, matchWildcard, pathExists } from './sources.js';

export interface SourceRoot {
  /** Host directory: the build context, or a mounted stage/image filesystem. */
  dir: string;
  /** What the user calls it in messages: "the build context", "stage builder". */
  name: string;
  /** Ignored paths (context only): relative, without a leading slash. */
  excluded: (rel: string) => boolean;
  /** Whether an ignored directory can be skipped whole (else it is walked for exceptions). */
  skipDir: (rel: string) => boolean;
  /** --from keeps owners; the context gives 0:0. */
  keepOwners: boolean;
}

export interface CopyItem {
  /** As written after expansion, for messages. */
  source: string;
  /** Relative to the source root ('' for the root itself). */
  rel: string;
  /** The host path, symlinks of the source path followed inside the root. */
  host: string;
  isDir: boolean;
}

export interface CopyOptions {
  /** Absolute path in the container, WORKDIR applied; a trailing `/` kept. */
  dest: string;
  owner?: { uid: number; gid: number };
  mode?: number;
  /** ADD: local tar archives are extracted. */
  extract: boolean;
}

/** Finds every source; refuses a missing or ignored one with the name the user wrote. */
export function resolveSources(root: SourceRoot, sources: readonly string[]): CopyItem[] {
  const items: CopyItem[] = [];
  for (const source of sources) {
    const rels = hasWildcard(source) ? matchWildcard(root.dir, source, root.excluded) : [cleanSource(source).join('/')];
    const found = rels.filter((rel) => rel === '' || (!root.excluded(rel) && pathExists(resolveInRoot(root.dir, rel))));
    if (found.length === 0) {
      throw new HullError('NOT_FOUND', `Cannot copy "${source}": no such file or directory in ${root.name}`, {
        hint: root.keepOwners ? 'check the path inside that stage or image' : 'paths are relative to the build context; check .containerignore/.dockerignore does not exclude it',
      });
    }
    for (const rel of found) {
      const host = resolveInRoot(root.dir, rel);
      items.push({ source, rel, host, isDir: statSync(host, { throwIfNoEntry: false })?.isDirectory() ?? false });
    }
  }
  return items;
}

/** Walks a copied directory in sorted order, skipping ignored paths: [relative to the item, lstat]. */
function* walk(root: SourceRoot, item: CopyItem): Generator<[string, Stats]> {
  const visit = function* (sub: string): Generator<[string, Stats]> {
    for (const name of readdirSync(join(item.host, sub)).sort()) {
      const rel = sub === '' ? name : `${sub}/${name}`;
      const ctxRel = item.rel === '' ? rel : `${item.rel}/${rel}`;
      const st = lstatSync(join(item.host, rel));
      if (root.excluded(ctxRel)) {
        // An exception (`!dir/keep`) may put back something inside: walk it; the directories
        // leading to what is kept are created on the way.
        if (st.isDirectory() && !root.skipDir(ctxRel)) yield* visit(rel);
        continue;
      }
      yield [rel, st];
      if (st.isDirectory()) yield* visit(rel);
    }
  };
  yield* visit('');
}

/**
 * The content hash of what a COPY/ADD copies: names, types, modes, owners as they will be
 * copied, link targets and file contents. mtimes are left out, as Docker leaves them out.
 */
export function hashSources(root: SourceRoot, items: readonly CopyItem[], opts: Pick<CopyOptions, 'owner' | 'mode'>): string {
  const h = createHash('sha256');
  const entry = (name: string, host: string, st: Stats): void => {
    const uid = opts.owner?.uid ?? (root.keepOwners ? st.uid : 0);
    const gid = opts.owner?.gid ?? (root.keepOwners ? st.gid : 0);
    const mode = opts.mode ?? Number(st.mode) & 0o7777;
    h.update(`${name}\0${Number(st.mode) & 0o170000}\0${mode}\0${uid}:${gid}\0`);
    if (st.isSymbolicLink()) h.update(readlinkSync(host));
    else if (st.isFile()) {
      h.update(`${st.size}\0`);
      h.update(fileDigest(host));
    }
    h.update('\n');
  };
  for (const item of items) {
    entry(`@${item.rel}`, item.host, statSync(item.host));
    if (item.isDir) for (const [rel, st] of walk(root, item)) entry(rel, join(item.host, rel), st);
  }
  return h.digest('hex');
}

function fileDigest(path: string): Buffer {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n: number; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest();
}

/** Whether `path` starts like a tar archive hull can read (plain, gzip, zstd). */
export function looksLikeArchive(path: string): boolean {
  const head = Buffer.alloc(512);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, 512, 0);
  } finally {
    closeSync(fd);
  }
  if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true;
  if (n >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return true;
  return n >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
}

/** mkdir -p inside the root; each created directory 0755 root-owned (or `owner` for the last). */
function ensureDir(rootfs: string, path: string, owner?: { uid: number; gid: number }): string {
  const parts = cleanSource(path);
  let host = rootfs;
  for (let i = 0; i < parts.length; i++) {
    host = resolveInRoot(rootfs, '/' + parts.slice(0, i + 1).join('/'));
    const st = lstatSync(host, { throwIfNoEntry: false });
    if (st?.isDirectory()) continue;
    if (st) rmSync(host, { force: true });
    mkdirSync(host, { mode: 0o755 });
    const last = i === parts.length - 1;
    if (last && owner) lchownSync(host, owner.uid, owner.gid);
  }
  return host;
}

function copyEntry(rootfs: string, destPath: string, srcHost: string, st: Stats, root: SourceRoot, opts: CopyOptions): void {
  const uid = opts.owner?.uid ?? (root.keepOwners ? st.uid : 0);
  const gid = opts.owner?.gid ?? (root.keepOwners ? st.gid : 0);
  ensureDir(rootfs, posix.dirname(destPath));
  // A symlink as the final component is followed inside the root, as Docker writes through it.
  const host = resolveInRoot(rootfs, destPath);
  const existing = lstatSync(host, { throwIfNoEntry: false });
  if (st.isDirectory()) {
    if (existing && !existing.isDirectory()) rmSync(host, { force: true });
    if (!existing?.isDirectory()) mkdirSync(host);
    lchownSync(host, uid, gid);
    chmodSync(host, opts.mode ?? Number(st.mode) & 0o7777);
    utimesSync(host, st.atime, st.mtime);
    return;
  }
  if (existing?.isDirectory()) throw new HullError('CONFLICT', `Cannot copy to "${destPath}": a directory is in the way`);
  if (existing) rmSync(host, { force: true });
  if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(srcHost), host);
    lchownSync(host, uid, gid);
    lutimesSync(host, st.atime, st.mtime);
    return;
  }
  if (!st.isFile()) return; // devices, fifos and sockets are not copied, as BuildKit skips them
  copyFileSync(srcHost, host);
  lchownSync(host, uid, gid);
  chmodSync(host, opts.mode ?? Number(st.mode) & 0o7777);
  utimesSync(host, st.atime, st.mtime);
}

/** Pure: whether the destination is a directory by how it is written. */
export function destIsDirectory(dest: string): boolean {
  return dest.endsWith('/') || dest.endsWith('/.') || dest === '.' || dest === '/';
}

/** Copies `items` into the mounted view `rootfs` (the copy itself; ADD's extraction is async). */
export async function copyInto(rootfs: string, root: SourceRoot, items: readonly CopyItem[], opts: CopyOptions): Promise<void> {
  const destExistsAsDir = lstatSync(resolveInRoot(rootfs, opts.dest), { throwIfNoEntry: false })?.isDirectory() ?? false;
  const intoDir = destIsDirectory(opts.dest) || destExistsAsDir;
  if (items.length > 1 && !intoDir) {
    throw new HullError('INVALID_ARGUMENT', `Cannot copy ${items.length} sources to "${opts.dest}": with more than one source the destination must be a directory and end with a /`, { hint: `write the destination as "${opts.dest}/"` });
  }
  const dest = posix.normalize(opts.dest);
  // A destination directory COPY creates belongs to --chown's owner (its mode stays 0755), as buildah and BuildKit make it.
  if (intoDir && !destExistsAsDir) ensureDir(rootfs, dest, opts.owner);
  for (const item of items) {
    if (item.isDir) {
      ensureDir(rootfs, dest, opts.owner);
      for (const [rel, st] of walk(root, item)) copyEntry(rootfs, posix.join(dest, rel), join(item.host, rel), st, root, opts);
      continue;
    }
    if (opts.extract && looksLikeArchive(item.host)) {
      const target = ensureDir(rootfs, dest);
      const { applyLayer } = await import('../archive/apply-layer.js');
      await applyLayer(target, createReadStream(item.host), { whiteouts: 'delete', layer: item.source });
      continue;
    }
    const name = posix.basename(item.rel === '' ? item.host : item.rel);
    copyEntry(rootfs, intoDir ? posix.join(dest, name) : dest, item.host, statSync(item.host), root, opts);
  }
}

/** `COPY <<EOF /dst`: each here-document becomes a file named after its delimiter. */
export function writeHeredocs(rootfs: string, files: ReadonlyArray<{ name: string; content: string }>, opts: Pick<CopyOptions, 'dest' | 'owner' | 'mode'>): void {
  const intoDir = files.length > 1 || destIsDirectory(opts.dest) || (lstatSync(resolveInRoot(rootfs, opts.dest), { throwIfNoEntry: false })?.isDirectory() ?? false);
  for (const f of files) {
    const path = intoDir ? posix.join(opts.dest, f.name) : posix.normalize(opts.dest);
    ensureDir(rootfs, posix.dirname(path));
    const host = resolveInRoot(rootfs, path);
    rmSync(host, { force: true });
    writeFileSync(host, f.content, { mode: 0o644 });
    chmodSync(host, opts.mode ?? 0o644);
    lchownSync(host, opts.owner?.uid ?? 0, opts.owner?.gid ?? 0);
  }
}
