/**
 * writeTarFromDir: a directory tree as a layer tar (image-spec layer.md), for `hull export`,
 * `hull save` and commits; writeTreeTar is the same walk with a hook (used by diff.ts).
 *
 * Deterministic: entries in sorted order (bytewise for ASCII names), a directory before its
 * contents, no root entry, no user/group names, gzip with Node's fixed header (mtime 0). Every
 * type applyLayer reads is written: files, directories, symlinks, hardlinks (detected by dev+ino:
 * the first path in walk order carries the data, later ones link to it), character and block
 * devices, fifos; owners, modes with setuid/setgid/sticky, mtimes (pax `mtime` when sub-second),
 * and xattrs as pax `SCHILY.xattr.*` records (read in one getfattr spawn, tree-xattrs.ts).
 * Sockets cannot be put in a tar and are skipped, as GNU tar does.
 */
import * as fs from 'node:fs';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as zlibTypes from 'node:zlib';
import { lazyBuiltin } from '../sys/lazy-builtin.js';
import { Digester, type Digest } from '../oci/digest.js';
import { BLOCK, encodeHeader, encodePax, paddingFor, TYPEFLAG, type EntryType } from './tar-header.js';
import { readTreeXattrs, type TreeXattrs } from './tree-xattrs.js';

export interface WriteTarOptions {
  compression?: 'none' | 'gzip';
  signal?: AbortSignal;
}

export interface WriteTarResult {
  /** sha256 of the bytes written to `output` (compressed when asked). */
  digest: Digest;
  /** sha256 of the uncompressed tar. */
  diffID: Digest;
  /** Bytes written to `output`. */
  size: number;
}

/** A path found in the walk. */
export interface TreeEntry {
  rel: string;
  abs: string;
  st: fs.BigIntStats;
  xattrs: Map<string, Buffer> | undefined;
}

/** What goes into the tar for one record; `dataPath` is read for the entry's data. */
export interface TarRecord {
  name: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  mtimeNs: bigint;
  linkname?: string;
  size?: number;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<string, Buffer> | undefined;
  dataPath?: string;
}

/** Turns one path into records; `plain` is the default mapping (with hardlink detection). */
export type RecordMapper = (e: TreeEntry, plain: (e: TreeEntry) => TarRecord[]) => TarRecord[];

export function writeTarFromDir(dir: string, output: Writable, opts: WriteTarOptions = {}): Promise<WriteTarResult> {
  return writeTreeTar(dir, output, opts, (e, plain) => plain(e));
}

export async function writeTreeTar(dir: string, output: Writable, opts: WriteTarOptions, map: RecordMapper): Promise<WriteTarResult> {
  const xattrs = await readTreeXattrs(dir);
  const diffID = new Digester();
  const digest = new Digester();
  const source = Readable.from(tarChunks(dir, xattrs, map, diffID), { objectMode: false });
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      digest.update(chunk);
      cb(null, chunk);
    },
  });
  const stages = opts.compression === 'gzip' ? [source, zlibModule().createGzip(), tap, output] : [source, tap, output];
  await pipeline(stages, opts.signal ? { signal: opts.signal } : {});
  return { digest: digest.digest(), diffID: diffID.digest(), size: digest.size };
}

const zlibModule = lazyBuiltin<typeof zlibTypes>('node:zlib');

const FLUSH_BYTES = 256 * 1024;
const READ_BYTES = 1024 * 1024;

async function* tarChunks(dir: string, xattrs: TreeXattrs, map: RecordMapper, diffID: Digester): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingLen = 0;
  const out = function* (b: Buffer): Generator<Buffer> {
    pending.push(b);
    pendingLen += b.length;
    if (pendingLen >= FLUSH_BYTES) {
      const chunk = Buffer.concat(pending, pendingLen);
      pending = [];
      pendingLen = 0;
      diffID.update(chunk);
      yield chunk;
    }
  };
  const links = new Map<string, string>();
  const plain = (e: TreeEntry): TarRecord[] => plainRecords(e, links);
  for (const e of walk(dir, '', xattrs)) {
    for (const r of map(e, plain)) {
      yield* out(encodeRecord(r));
      if (r.dataPath !== undefined && (r.size ?? 0) > 0) yield* readData(r.dataPath, r.size ?? 0, out);
    }
  }
  yield* out(Buffer.alloc(2 * BLOCK));
  if (pendingLen > 0) {
    const chunk = Buffer.concat(pending, pendingLen);
    diffID.update(chunk);
    yield chunk;
  }
}

function* walk(root: string, rel: string, xattrs: TreeXattrs): Generator<TreeEntry> {
  const names = fs.readdirSync(rel === '' ? root : `${root}/${rel}`).sort();
  for (const name of names) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const abs = `${root}/${r}`;
    const st = fs.lstatSync(abs, { bigint: true });
    yield { rel: r, abs, st, xattrs: xattrs.get(r) };
    if (st.isDirectory()) yield* walk(root, r, xattrs);
  }
}

/** Linux's dev_t split (glibc gnu_dev_major/minor). */
function devSplit(rdev: bigint): [number, number] {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return [Number(major), Number(minor)];
}

function plainRecords(e: TreeEntry, links: Map<string, string>): TarRecord[] {
  const { st } = e;
  const base = { mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid), mtimeNs: st.mtimeNs, xattrs: e.xattrs };
  if (st.isDirectory()) return [{ ...base, name: `${e.rel}/`, type: 'dir' }];
  if (st.nlink > 1n) {
    const key = `${st.dev}:${st.ino}`;
    const first = links.get(key);
    if (first !== undefined) return [{ ...base, name: e.rel, type: 'link', linkname: first }];
    links.set(key, e.rel);
  }
  if (st.isFile()) return [{ ...base, name: e.rel, type: 'file', size: Number(st.size), dataPath: e.abs }];
  if (st.isSymbolicLink()) return [{ ...base, name: e.rel, type: 'symlink', linkname: fs.readlinkSync(e.abs) }];
  if (st.isFIFO()) return [{ ...base, name: e.rel, type: 'fifo' }];
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    const [devmajor, devminor] = devSplit(st.rdev);
    return [{ ...base, name: e.rel, type: st.isCharacterDevice() ? 'char' : 'block', devmajor, devminor }];
  }
  return []; // sockets
}

const USTAR_MAX_ID = 0o7777777;
const USTAR_MAX_SIZE = 8 ** 11 - 1;

/** Header (preceded by a pax record when a field does not fit ustar) for one record. */
export function encodeRecord(r: TarRecord): Buffer {
  const pax: [string, string | Buffer][] = [];
  const size = r.type === 'file' ? (r.size ?? 0) : 0;
  const sec = r.mtimeNs / 1_000_000_000n;
  const ns = r.mtimeNs % 1_000_000_000n;
  if (Buffer.byteLength(r.name) > 100) pax.push(['path', r.name]);
  if (r.linkname !== undefined && Buffer.byteLength(r.linkname) > 100) pax.push(['linkpath', r.linkname]);
  if (r.uid > USTAR_MAX_ID) pax.push(['uid', String(r.uid)]);
  if (r.gid > USTAR_MAX_ID) pax.push(['gid', String(r.gid)]);
  if (size > USTAR_MAX_SIZE) pax.push(['size', String(size)]);
  if (ns !== 0n) pax.push(['mtime', `${sec}.${ns.toString().padStart(9, '0')}`.replace(/0+$/, '')]);
  for (const [k, v] of [...(r.xattrs ?? [])].sort(([a], [b]) => (a < b ? -1 : 1))) pax.push([`SCHILY.xattr.${k}`, v]);
  const header = encodeHeader({
    name: r.name,
    typeflag: TYPEFLAG[r.type],
    mode: r.mode,
    uid: Math.min(r.uid, USTAR_MAX_ID),
    gid: Math.min(r.gid, USTAR_MAX_ID),
    size,
    mtime: Number(sec),
    linkname: r.linkname ?? '',
    devmajor: r.devmajor ?? 0,
    devminor: r.devminor ?? 0,
  });
  if (pax.length === 0) return header;
  const body = encodePax(pax);
  const paxHeader = encodeHeader({ name: 'PaxHeader', typeflag: TYPEFLAG.pax, size: body.length, mode: 0o644 });
  return Buffer.concat([paxHeader, body, Buffer.alloc(paddingFor(body.length)), header]);
}

/** Exactly `size` bytes of the file, zero-filled if it shrank meanwhile, then block padding. */
function* readData(abs: string, size: number, out: (b: Buffer) => Generator<Buffer>): Generator<Buffer> {
  const fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    let done = 0;
    while (done < size) {
      const want = Math.min(READ_BYTES, size - done);
      const buf = Buffer.alloc(want);
      let got = 0;
      while (got < want) {
        const n = fs.readSync(fd, buf, got, want - got, null);
        if (n === 0) break;
        got += n;
      }
      yield* out(buf);
      done += want;
    }
  } finally {
    fs.closeSync(fd);
  }
  const pad = paddingFor(size);
  if (pad > 0) yield* out(Buffer.alloc(pad));
}
