/**
 * A push parser for tar streams: feed it chunks of the uncompressed stream, it calls the handler
 * synchronously with each entry (pax and GNU long-name overrides already applied), the entry's data
 * in slices of the chunks it was given (no copies), and the entry's end.
 *
 * Why not tar-stream: its extract() hands out one Readable per entry and resumes through callbacks.
 * Parsing a gzip'd tar of /usr parts (65k entries, 1.1 GB) cost ~0.5 s of CPU over plain gunzip
 * with this reader and ~1.0 s with tar-stream: measurably cheaper, though both are small next to
 * gunzip and the syscalls. The stronger reason is that being synchronous makes the layer writer a
 * plain state machine: one entry is finished before the next header is even parsed.
 *
 * Bounds are enforced here, before any byte of an entry reaches the handler: entry count, entry size,
 * path length, and the size of pax/long-name records (which must be buffered).
 */
import { BLOCK, decodeHeader, isZeroBlock, paddingFor, parsePax, type EntryType, type MetaType, type PaxRecords, type RawHeader } from './tar-header.js';
import { layerError } from './layer-error.js';

export interface TarEntry {
  name: string;
  type: EntryType;
  linkname: string;
  /** Permission bits including setuid/setgid/sticky (type bits masked off). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch; pax records give sub-second precision. */
  mtime: number;
  devmajor: number;
  devminor: number;
  /** From pax `SCHILY.xattr.<name>` records; undefined when there are none. */
  xattrs: Map<string, Buffer> | undefined;
}

export interface TarEntryHandler {
  entry(e: TarEntry): void;
  data(chunk: Buffer): void;
  entryEnd(): void;
}

export interface TarReaderLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxPathBytes: number;
}

/** Pax and long-name records are held in memory; xattr values (<= 64 KiB each) fit well under this. */
const MAX_META_BYTES = 1 << 20;

type State = 'header' | 'data' | 'skip' | 'meta' | 'pad' | 'end';

export class TarReader {
  /** Entries seen, pax and long-name records included (they are bounded too). */
  headers = 0;
  /** Real entries handed to the handler. */
  entries = 0;
  private state: State = 'header';
  private readonly head = Buffer.alloc(BLOCK);
  private headFill = 0;
  private remaining = 0;
  private pad = 0;
  private offset = 0;
  private metaType: MetaType | undefined;
  private metaChunks: Buffer[] = [];
  private paxLocal: PaxRecords | undefined;
  private readonly paxGlobal: PaxRecords = new Map();
  private longName: string | undefined;
  private longLink: string | undefined;
  private current = '';

  constructor(
    private readonly handler: TarEntryHandler,
    private readonly limits: TarReaderLimits,
    private readonly layer: string,
  ) {}

  /** True once the end-of-archive zero block was read; later bytes are padding and are ignored. */
  get ended(): boolean {
    return this.state === 'end';
  }

  push(chunk: Buffer): void {
    let off = 0;
    const len = chunk.length;
    while (off < len && this.state !== 'end') {
      switch (this.state) {
        case 'header': {
          if (this.headFill === 0 && len - off >= BLOCK) {
            this.onHeader(chunk, off);
            off += BLOCK;
          } else {
            const n = Math.min(BLOCK - this.headFill, len - off);
            chunk.copy(this.head, this.headFill, off, off + n);
            this.headFill += n;
            off += n;
            if (this.headFill === BLOCK) {
              this.headFill = 0;
              this.onHeader(this.head, 0);
            }
          }
          break;
        }
        case 'data':
        case 'skip':
        case 'meta': {
          const n = Math.min(this.remaining, len - off);
          const slice = chunk.subarray(off, off + n);
          if (this.state === 'data') this.handler.data(slice);
          else if (this.state === 'meta') this.metaChunks.push(Buffer.from(slice));
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) this.onBodyDone();
          break;
        }
        case 'pad': {
          const n = Math.min(this.pad, len - off);
          off += n;
          this.pad -= n;
          if (this.pad === 0) this.state = 'header';
          break;
        }
      }
    }
    this.offset += len;
  }

  /** Called at the end of the stream: a stream cut inside an entry is refused. */
  finish(): void {
    if (this.state === 'end' || (this.state === 'header' && this.headFill === 0)) return;
    throw layerError('INVALID_FORMAT', this.layer, this.current || undefined, 'is cut short: the archive ends inside it');
  }

  private fail(code: 'UNSAFE_ARCHIVE' | 'LIMIT_EXCEEDED' | 'INVALID_FORMAT', name: string | undefined, reason: string): never {
    throw layerError(code, this.layer, name, reason);
  }

  private onHeader(buf: Buffer, off: number): void {
    // The first zero block ends the archive, as GNU tar reads it; what follows is padding.
    if (isZeroBlock(buf, off)) {
      this.state = 'end';
      return;
    }
    const h = decodeHeader(buf, off);
    if (typeof h === 'string') this.fail('INVALID_FORMAT', undefined, `header ${h}`);
    this.current = h.name;
    if (++this.headers > this.limits.maxEntries) {
      this.fail('LIMIT_EXCEEDED', h.name, `is past the limit of ${this.limits.maxEntries} entries`);
    }
    if (h.type === undefined) this.fail('UNSAFE_ARCHIVE', h.name, `has unsupported type '${showFlag(h.typeflag)}'`);
    if (h.type === 'pax' || h.type === 'pax-global' || h.type === 'gnu-longname' || h.type === 'gnu-longlink') {
      if (h.size > MAX_META_BYTES) this.fail('LIMIT_EXCEEDED', h.name, `has a ${h.type} record of ${h.size} bytes (limit ${MAX_META_BYTES})`);
      this.metaType = h.type;
      this.metaChunks = [];
      this.startBody('meta', h.size);
      return;
    }
    const e = this.applyOverrides(h, h.type);
    this.entries++;
    this.handler.entry(e);
    this.startBody(e.type === 'file' ? 'data' : 'skip', e.size);
  }

  private startBody(state: 'data' | 'skip' | 'meta', size: number): void {
    this.remaining = size;
    this.pad = paddingFor(size);
    this.state = state;
    if (size === 0) this.onBodyDone();
  }

  private onBodyDone(): void {
    if (this.state === 'meta') this.onMetaDone();
    else this.handler.entryEnd();
    this.state = this.pad > 0 ? 'pad' : 'header';
  }

  private onMetaDone(): void {
    const body = Buffer.concat(this.metaChunks);
    this.metaChunks = [];
    if (this.metaType === 'gnu-longname' || this.metaType === 'gnu-longlink') {
      const nul = body.indexOf(0);
      const s = body.toString('utf8', 0, nul < 0 ? body.length : nul);
      if (this.metaType === 'gnu-longname') this.longName = s;
      else this.longLink = s;
      return;
    }
    const records = parsePax(body);
    if (records === undefined) this.fail('INVALID_FORMAT', this.current, 'has malformed pax records');
    if (this.metaType === 'pax-global') for (const [k, v] of records) this.paxGlobal.set(k, v);
    else this.paxLocal = records;
  }

  private applyOverrides(h: RawHeader, rawType: EntryType): TarEntry {
    const pax = (key: string): string | undefined => (this.paxLocal?.get(key) ?? this.paxGlobal.get(key))?.toString('utf8');
    const num = (key: string, fallback: number): number => {
      const v = pax(key);
      if (v === undefined) return fallback;
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n) || n < 0) this.fail('INVALID_FORMAT', h.name, `has an invalid pax ${key} "${v}"`);
      return n;
    };
    const name = this.longName ?? pax('path') ?? h.name;
    this.current = name;
    const linkname = this.longLink ?? pax('linkpath') ?? h.linkname;
    let xattrs: Map<string, Buffer> | undefined;
    for (const records of [this.paxGlobal, this.paxLocal]) {
      for (const [k, v] of records ?? []) {
        if (k.startsWith('GNU.sparse.')) this.fail('UNSAFE_ARCHIVE', name, 'is a GNU sparse file, which layers may not contain');
        if (k.startsWith('SCHILY.xattr.')) (xattrs ??= new Map()).set(k.slice('SCHILY.xattr.'.length), v);
      }
    }
    // Old (v7) archives mark directories by a trailing slash on a regular-file entry.
    const type: EntryType = rawType === 'file' && name.endsWith('/') ? 'dir' : rawType;
    const e: TarEntry = {
      name,
      type,
      linkname,
      mode: h.mode & 0o7777,
      uid: num('uid', h.uid),
      gid: num('gid', h.gid),
      size: num('size', h.size),
      mtime: num('mtime', h.mtime),
      devmajor: h.devmajor,
      devminor: h.devminor,
      xattrs,
    };
    this.paxLocal = undefined;
    this.longName = undefined;
    this.longLink = undefined;
    if (!Number.isSafeInteger(e.size)) this.fail('INVALID_FORMAT', name, `has an invalid size ${e.size}`);
    if (e.size > this.limits.maxEntryBytes) {
      this.fail('LIMIT_EXCEEDED', name, `is ${e.size} bytes, past the limit of ${this.limits.maxEntryBytes} bytes per entry`);
    }
    for (const p of [name, linkname]) {
      if (Buffer.byteLength(p) > this.limits.maxPathBytes) {
        this.fail('LIMIT_EXCEEDED', name, `has a path longer than the limit of ${this.limits.maxPathBytes} bytes`);
      }
    }
    return e;
  }
}

function showFlag(flag: string): string {
  const c = flag.charCodeAt(0);
  return c >= 0x20 && c < 0x7f ? flag : `\\x${c.toString(16).padStart(2, '0')}`;
}
