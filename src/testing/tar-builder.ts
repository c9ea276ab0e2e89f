/**
 * Test helper: tar bytes from raw entries, hostile ones included (any name, type, link target,
 * mode, owner, pax records, GNU long names, lying sizes, bad checksums, no end marker).
 *
 * It writes headers with src/archive/tar-header.ts rather than tar-stream's packer, because
 * tar-stream validates and normalises what it packs, and hostile layers need exactly the bytes
 * the test asks for. Tests that want an independent writer use GNU tar.
 */
import { gzipSync } from 'node:zlib';
import { BLOCK, encodeHeader, encodePax, paddingFor, TYPEFLAG, type EntryType, type MetaType } from '../archive/tar-header.js';

export interface RawEntry {
  name: string;
  /** An entry type, or any raw one-character typeflag. Default 'file' ('dir' when the name ends in '/'). */
  type?: EntryType | MetaType | (string & {});
  data?: string | Buffer;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  devmajor?: number;
  devminor?: number;
  /** Header size field, when it must differ from the data's length (a lying header). */
  size?: number;
  /** Pax records written in an 'x' entry before this one. */
  pax?: Record<string, string | Buffer>;
  /** xattrs, written as pax SCHILY.xattr.<name> records. */
  xattrs?: Record<string, string | Buffer>;
  /** GNU 'L' / 'K' records written before this entry. */
  gnuLongName?: string;
  gnuLongLink?: string;
  /** A checksum to store instead of the right one. */
  checksum?: number;
}

export interface BuildTarOptions {
  /** Write the two zero blocks that end an archive (default true). */
  end?: boolean;
}

function typeflagOf(t: string | undefined, name: string): string {
  if (t === undefined) return name.endsWith('/') ? TYPEFLAG.dir : TYPEFLAG.file;
  return t in TYPEFLAG ? TYPEFLAG[t as EntryType | MetaType] : t;
}

function block(header: Buffer, body: Buffer): Buffer[] {
  return [header, body, Buffer.alloc(paddingFor(body.length))];
}

function meta(typeflag: string, name: string, body: Buffer): Buffer[] {
  return block(encodeHeader({ name, typeflag, size: body.length, mode: 0o644 }), body);
}

/** Builds an uncompressed tar from raw entries, in the order given. */
export function buildTar(entries: readonly RawEntry[], opts: BuildTarOptions = {}): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0));
    const pax: [string, string | Buffer][] = Object.entries(e.pax ?? {});
    for (const [k, v] of Object.entries(e.xattrs ?? {})) pax.push([`SCHILY.xattr.${k}`, v]);
    if (Buffer.byteLength(e.name) > 100 && e.pax?.path === undefined && e.gnuLongName === undefined) pax.push(['path', e.name]);
    if (pax.length > 0) parts.push(...meta(TYPEFLAG.pax, 'PaxHeader', encodePax(pax)));
    if (e.gnuLongName !== undefined) parts.push(...meta(TYPEFLAG['gnu-longname'], '././@LongLink', Buffer.from(`${e.gnuLongName}\0`)));
    if (e.gnuLongLink !== undefined) parts.push(...meta(TYPEFLAG['gnu-longlink'], '././@LongLink', Buffer.from(`${e.gnuLongLink}\0`)));
    const header = encodeHeader({
      name: e.name,
      typeflag: typeflagOf(e.type, e.name),
      mode: e.mode ?? (e.type === 'dir' || e.name.endsWith('/') ? 0o755 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      size: e.size ?? data.length,
      mtime: e.mtime ?? 1_700_000_000,
      linkname: e.linkname ?? '',
      devmajor: e.devmajor ?? 0,
      devminor: e.devminor ?? 0,
      ...(e.checksum !== undefined ? { checksum: e.checksum } : {}),
    });
    parts.push(...block(header, data));
  }
  if (opts.end ?? true) parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

export function gzip(b: Uint8Array): Buffer {
  return gzipSync(b);
}
