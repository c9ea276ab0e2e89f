/**
 * Diffs from an overlayfs upper directory (overlayfs.rst): what a container or build step changed.
 *
 * writeOverlayDiff turns the upper directory into a layer tar, translating overlay's markers into
 * image-spec layer.md whiteouts: a 0:0 character device becomes an empty `.wh.<name>` file, a
 * directory marked opaque (trusted.overlay.opaque=y, or user.overlay.opaque / user.fuseoverlayfs.opaque:
 * sys/overlay-xattrs.ts) gets a `.wh..wh..opq` entry right after it, and the overlay's own xattrs
 * are left out. (hull mounts without redirect_dir or
 * metacopy, so upper directories hold no other overlay metadata.)
 *
 * listChanges gives `hull diff`'s view (docker's container changes): A added, C changed,
 * D deleted, with absolute paths, sorted.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { Writable } from 'node:stream';
import { writeTreeTar, type TarRecord, type TreeEntry, type WriteTarOptions, type WriteTarResult } from './create-tar.js';
import { readTreeXattrs } from './tree-xattrs.js';
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from './whiteouts.js';
import { OPAQUE_XATTRS, OVERLAY_PRIVATE_XATTR } from '../sys/overlay-xattrs.js';


/** Opaque in any overlay's spelling: the kernel's (trusted.* as root, user.* in a user namespace) or fuse-overlayfs's. */
function isOpaqueIn(xattrs: ReadonlyMap<string, Buffer> | undefined): boolean {
  return OPAQUE_XATTRS.some((name) => xattrs?.get(name)?.toString() === 'y');
}

function isWhiteout(st: fs.Stats | fs.BigIntStats): boolean {
  return st.isCharacterDevice() && Number(st.rdev) === 0;
}

function splitRel(rel: string): [string, string] {
  const i = rel.lastIndexOf('/');
  return i < 0 ? ['', rel] : [rel.slice(0, i + 1), rel.slice(i + 1)];
}

/** Paths (relative, "etc/hosts") an overlay diff leaves out: a runtime's mount points, say. */
export type ExcludePath = (rel: string) => boolean;

export function writeOverlayDiff(upperDir: string, output: Writable, opts: WriteTarOptions & { exclude?: ExcludePath } = {}): Promise<WriteTarResult> {
  return writeTreeTar(upperDir, output, opts, (e: TreeEntry, plain): TarRecord[] => {
    if (opts.exclude?.(e.rel)) return [];
    const base = { mode: 0o644, uid: 0, gid: 0, mtimeNs: e.st.mtimeNs };
    if (isWhiteout(e.st)) {
      const [dir, name] = splitRel(e.rel);
      return [{ ...base, name: `${dir}${WHITEOUT_PREFIX}${name}`, type: 'file', size: 0 }];
    }
    const opaque = isOpaqueIn(e.xattrs);
    const xattrs = e.xattrs && new Map([...e.xattrs].filter(([k]) => !OVERLAY_PRIVATE_XATTR.test(k)));
    const records = plain({ ...e, xattrs: xattrs && xattrs.size > 0 ? xattrs : undefined });
    // fuse-overlayfs may also leave the marker as a file, which the walk emits itself.
    if (opaque && e.st.isDirectory() && !fs.existsSync(`${upperDir}/${e.rel}/${OPAQUE_MARKER}`)) records.push({ ...base, name: `${e.rel}/${OPAQUE_MARKER}`, type: 'file', size: 0 });
    return records;
  });
}

export interface Change {
  kind: 'A' | 'C' | 'D';
  /** Absolute inside the container: "/etc/hosts". */
  path: string;
}

/** Whether `rel` exists in the lower layers (topmost first), honouring their whiteouts and opaque dirs. */
function inLower(lowerDirs: readonly string[], rel: string): boolean {
  for (const lower of lowerDirs) {
    const st = fs.lstatSync(`${lower}/${rel}`, { throwIfNoEntry: false });
    if (st !== undefined) return !isWhiteout(st);
  }
  return false;
}

/** Changes recorded in `upperDir` over `lowerDirs` (topmost first), sorted by path. */
export async function listChanges(upperDir: string, lowerDirs: readonly string[], exclude: ExcludePath = () => false): Promise<Change[]> {
  const upperXattrs = await readTreeXattrs(upperDir);
  const changes: Change[] = [];
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(rel === '' ? upperDir : `${upperDir}/${rel}`).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      if (exclude(r)) continue;
      const st = fs.lstatSync(`${upperDir}/${r}`);
      // fuse-overlayfs writes image-spec markers as files where it cannot make overlay's own.
      if (name === OPAQUE_MARKER && st.isFile()) continue;
      if (isWhiteout(st) || (st.isFile() && name.startsWith(WHITEOUT_PREFIX))) {
        const gone = isWhiteout(st) ? r : `${rel === '' ? '' : `${rel}/`}${name.slice(WHITEOUT_PREFIX.length)}`;
        if (inLower(lowerDirs, gone)) changes.push({ kind: 'D', path: `/${gone}` });
        continue;
      }
      changes.push({ kind: inLower(lowerDirs, r) ? 'C' : 'A', path: `/${r}` });
      if (st.isDirectory()) {
        if (isOpaqueIn(upperXattrs.get(r)) || fs.lstatSync(`${upperDir}/${r}/${OPAQUE_MARKER}`, { throwIfNoEntry: false })?.isFile()) {
          // An opaque directory hides every lower entry it does not hold itself.
          for (const gone of lowerNames(lowerDirs, r)) {
            if (!fs.existsSync(`${upperDir}/${r}/${gone}`)) changes.push({ kind: 'D', path: `/${r}/${gone}` });
          }
        }
        walk(r);
      }
    }
  };
  walk('');
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function lowerNames(lowerDirs: readonly string[], rel: string): string[] {
  const names = new Set<string>();
  for (const lower of lowerDirs) {
    const d = `${lower}/${rel}`;
    const st = fs.lstatSync(d, { throwIfNoEntry: false });
    if (!st?.isDirectory()) break;
    for (const n of fs.readdirSync(d)) if (inLower(lowerDirs, `${rel}/${n}`)) names.add(n);
    if (isOpaque(d)) break;
  }
  return [...names].sort();
}

/** Lower directories under an opaque upper one are few: one getfattr each is fine. */
function isOpaque(absDir: string): boolean {
  return OPAQUE_XATTRS.some((name) => {
    const r = spawnSync('getfattr', ['-h', '--only-values', '-n', name, absDir], { encoding: 'utf8' });
    return r.status === 0 && r.stdout === 'y';
  });
}
