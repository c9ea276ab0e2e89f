/**
 * The tar header block, format version: POSIX.1-2001 pax over ustar (IEEE 1003.1 "pax" format),
 * plus the GNU extensions found in real image layers (base-256 numbers, 'L'/'K' long names).
 *
 *   offset size field            offset size field
 *        0  100 name                  257    6 magic ("ustar\0" posix, "ustar " gnu)
 *      100    8 mode (octal)          263    2 version
 *      108    8 uid                   265   32 uname
 *      116    8 gid                   297   32 gname
 *      124   12 size                  329    8 devmajor
 *      136   12 mtime                 337    8 devminor
 *      148    8 checksum              345  155 prefix (posix only; name = prefix + "/" + name)
 *      156    1 typeflag              500   12 (pad to 512)
 *      157  100 linkname
 *
 * Numbers are NUL/space-terminated octal, or base-256 big-endian when the first byte has its high
 * bit set (GNU, for uids and sizes that do not fit). Pax records ("<len> <key>=<value>\n") in an
 * 'x' entry override the next header's fields; in a 'g' entry, every following header's.
 * This file is pure: it turns bytes into fields and fields into bytes, nothing else.
 */

export const BLOCK = 512;

export type EntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';
export type MetaType = 'pax' | 'pax-global' | 'gnu-longname' | 'gnu-longlink';

export const TYPEFLAG: Record<EntryType | MetaType, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
  pax: 'x',
  'pax-global': 'g',
  'gnu-longname': 'L',
  'gnu-longlink': 'K',
};

const TYPE_BY_FLAG: Record<string, EntryType | MetaType> = {
  '\0': 'file',
  '7': 'file', // contiguous file: a regular file everywhere that matters
  ...Object.fromEntries(Object.entries(TYPEFLAG).map(([k, v]) => [v, k as EntryType | MetaType])),
};

/** A header as stored, before pax/GNU overrides are applied. Names are raw bytes decoded as UTF-8. */
export interface RawHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  type: EntryType | MetaType | undefined;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
}

export function isZeroBlock(b: Uint8Array, off = 0): boolean {
  for (let i = off; i < off + BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

function readString(b: Buffer, off: number, len: number): string {
  let end = off;
  while (end < off + len && b[end] !== 0) end++;
  return b.toString('utf8', off, end);
}

/** Parses an octal or base-256 number field; returns NaN when it is neither. */
export function readNumber(b: Buffer, off: number, len: number): number {
  const first = b[off] ?? 0;
  if (first & 0x80) {
    // base-256: a leading 0xff would make it negative, which no field here may be
    if (first === 0xff) return NaN;
    let n = first & 0x7f;
    for (let i = off + 1; i < off + len; i++) n = n * 256 + (b[i] ?? 0);
    return Number.isSafeInteger(n) ? n : NaN;
  }
  let i = off;
  const end = off + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let n = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = b[i] ?? 0;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) return NaN;
    n = n * 8 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? 0 : n;
}

function checksumOk(b: Buffer, off: number): boolean {
  const stored = readNumber(b, off + 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : (b[off + i] ?? 0);
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  // Some old writers summed signed chars; GNU tar accepts both, so do we.
  return stored === unsigned || stored === signed;
}

/** Decodes one 512-byte header; returns a reason string when it is not a valid header. */
export function decodeHeader(b: Buffer, off = 0): RawHeader | string {
  if (!checksumOk(b, off)) return 'has a bad header checksum';
  const magic = b.toString('latin1', off + 257, off + 263);
  let name = readString(b, off, 100);
  if (magic === 'ustar\0') {
    const prefix = readString(b, off + 345, 155);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  const typeflag = String.fromCharCode(b[off + 156] ?? 0);
  const h: RawHeader = {
    name,
    mode: readNumber(b, off + 100, 8),
    uid: readNumber(b, off + 108, 8),
    gid: readNumber(b, off + 116, 8),
    size: readNumber(b, off + 124, 12),
    mtime: readNumber(b, off + 136, 12),
    typeflag,
    type: TYPE_BY_FLAG[typeflag],
    linkname: readString(b, off + 157, 100),
    uname: readString(b, off + 265, 32),
    gname: readString(b, off + 297, 32),
    devmajor: readNumber(b, off + 329, 8),
    devminor: readNumber(b, off + 337, 8),
  };
  for (const k of ['mode', 'uid', 'gid', 'size', 'mtime'] as const) {
    if (Number.isNaN(h[k])) return `has an invalid ${k} field`;
  }
  if (Number.isNaN(h.devmajor)) h.devmajor = 0;
  if (Number.isNaN(h.devminor)) h.devminor = 0;
  return h;
}

/** Pax records: string values, except xattr values which are raw bytes. */
export type PaxRecords = Map<string, Buffer>;

/** Parses "<len> <key>=<value>\n" records; returns undefined when malformed. */
export function parsePax(buf: Buffer): PaxRecords | undefined {
  const out: PaxRecords = new Map();
  let off = 0;
  while (off < buf.length) {
    if (buf[off] === 0) break; // NUL padding some writers leave at the end
    const sp = buf.indexOf(0x20, off);
    if (sp < 0) return undefined;
    const len = Number(buf.toString('latin1', off, sp));
    if (!Number.isSafeInteger(len) || len <= sp - off + 1 || off + len > buf.length) return undefined;
    const rec = buf.subarray(sp + 1, off + len);
    if (rec[rec.length - 1] !== 0x0a) return undefined;
    const eq = rec.indexOf(0x3d);
    if (eq < 0) return undefined;
    out.set(rec.toString('utf8', 0, eq), rec.subarray(eq + 1, rec.length - 1));
    off += len;
  }
  return out;
}

/** Encodes pax records; the length prefix counts its own digits. */
export function encodePax(records: Iterable<[string, Buffer | string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of records) {
    const body = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')]);
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    parts.push(Buffer.from(String(len)), body);
  }
  return Buffer.concat(parts);
}

export interface HeaderFields {
  name: string;
  typeflag: string;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: number;
  linkname?: string;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  /** Written as-is into the checksum field when set, to build corrupt headers in tests. */
  checksum?: number;
}

function writeString(b: Buffer, off: number, len: number, s: string): void {
  Buffer.from(s, 'utf8').copy(b, off, 0, len);
}

function writeNumber(b: Buffer, off: number, len: number, n: number): void {
  const octal = Math.floor(n).toString(8);
  if (octal.length <= len - 1) {
    b.write(octal.padStart(len - 1, '0'), off, 'latin1');
    b[off + len - 1] = 0;
    return;
  }
  // GNU base-256 for values that do not fit in octal
  let v = Math.floor(n);
  for (let i = off + len - 1; i > off; i--) {
    b[i] = v % 256;
    v = Math.floor(v / 256);
  }
  b[off] = 0x80;
}

/** Encodes a ustar header. Fields are written as given (truncated to their width): callers that
 * need long names put them in pax records first. */
export function encodeHeader(f: HeaderFields): Buffer {
  const b = Buffer.alloc(BLOCK);
  writeString(b, 0, 100, f.name);
  writeNumber(b, 100, 8, f.mode ?? 0o644);
  writeNumber(b, 108, 8, f.uid ?? 0);
  writeNumber(b, 116, 8, f.gid ?? 0);
  writeNumber(b, 124, 12, f.size ?? 0);
  writeNumber(b, 136, 12, f.mtime ?? 0);
  b.write(f.typeflag.slice(0, 1), 156, 'latin1');
  writeString(b, 157, 100, f.linkname ?? '');
  b.write('ustar\x0000', 257, 'latin1');
  writeString(b, 265, 32, f.uname ?? '');
  writeString(b, 297, 32, f.gname ?? '');
  writeNumber(b, 329, 8, f.devmajor ?? 0);
  writeNumber(b, 337, 8, f.devminor ?? 0);
  let sum = 0;
  b.fill(0x20, 148, 156);
  for (let i = 0; i < BLOCK; i++) sum += b[i] ?? 0;
  const stored = f.checksum ?? sum;
  b.write(stored.toString(8).padStart(6, '0').slice(-6), 148, 'latin1');
  b[154] = 0;
  b[155] = 0x20;
  return b;
}

/** Zero bytes that pad `size` up to a whole block. */
export function paddingFor(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
