/**
 * The files of an image archive, by name, whatever the archive came as: a tar (plain or gzip'd,
 * from a file or stdin) is staged into a scratch directory first, because neither docker-archive
 * nor OCI layout tars promise an order (docker writes manifest.json last); a directory (an OCI
 * layout written by `skopeo copy oci:DIR`) is read in place.
 *
 *   staged tar:  <scratch>/<n>      one file per regular entry, hashed (sha256) while written
 *                name -> { path, size, digest }, symlinks and hardlinks resolved inside the archive
 *
 * Every entry name is checked: an absolute path, a ".." that climbs out, or a NUL refuses the whole
 * archive (UNSAFE_ARCHIVE), naming the entry. Nothing outside the scratch directory is written.
 */
import { closeSync, createReadStream, fstatSync, lstatSync, openSync, readSync, writeSync } from 'node:fs';
import type * as crypto from 'node:crypto';
import { lazyBuiltin } from '../../sys/lazy-builtin.js';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { HullError, isHullError } from '../../errors.js';
import type { Digest } from '../../oci/digest.js';
import { TarReader, type TarEntry } from '../../archive/tar-reader.js';
import { decompressTo } from '../../archive/decompress.js';

const cryptoModule = lazyBuiltin<typeof crypto>('node:crypto');

/** The largest JSON document (manifest.json, index.json, a config, a manifest) read into memory. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;

interface StagedFile {
  path: string;
  size: number;
  digest?: Digest;
}

export class ArchiveFiles {
  private constructor(
    /** Names the archive in messages: the file given, or "stdin". */
    readonly source: string,
    private readonly files: Map<string, StagedFile>,
    private readonly dir: string | undefined,
  ) {}

  /** Streams a tar (plain or gzip) from `input` into `scratch`. */
  static async stage(input: Readable | NodeJS.ReadableStream, scratch: string, source: string): Promise<ArchiveFiles> {
    const files = new Map<string, StagedFile>();
    const links: Array<{ name: string; target: string; kind: 'symlink' | 'link' }> = [];
    let current: { name: string; fd: number; hash: crypto.Hash; size: number; path: string } | undefined;
    let n = 0;
    const reader = new TarReader(
      {
        entry(e: TarEntry) {
          const name = cleanName(e.name, source);
          if (name === undefined) return;
          if (e.type === 'symlink' || e.type === 'link') links.push({ name, target: e.linkname, kind: e.type });
          if (e.type !== 'file') return;
          const path = join(scratch, String(n++));
          current = { name, fd: openSync(path, 'wx', 0o600), hash: cryptoModule().createHash('sha256'), size: 0, path };
        },
        data(chunk: Buffer) {
          if (!current) return;
          current.hash.update(chunk);
          current.size += chunk.length;
          for (let off = 0; off < chunk.length; ) off += writeSync(current.fd, chunk, off);
        },
        entryEnd() {
          if (!current) return;
          closeSync(current.fd);
          files.set(current.name, { path: current.path, size: current.size, digest: `sha256:${current.hash.digest('hex')}` });
          current = undefined;
        },
      },
      { maxEntries: 1_000_000, maxEntryBytes: Number.MAX_SAFE_INTEGER, maxPathBytes: 4096 },
      source,
    );
    try {
      await decompressTo(input, (chunk) => reader.push(chunk), { layer: source });
      reader.finish();
    } catch (err) {
      throw asLoadError(err, source);
    } finally {
      if (current) closeSync(current.fd);
    }
    if (reader.entries === 0) throw new HullError('INVALID_FORMAT', `Cannot load "${source}": it is empty or not a tar archive`, { hint: 'give a file written by "hull save", "docker save", "podman save" or "skopeo copy"' });
    resolveLinks(files, links, source);
    return new ArchiveFiles(source, files, undefined);
  }

  /** An OCI layout directory, read in place. */
  static directory(dir: string): ArchiveFiles {
    return new ArchiveFiles(dir, new Map(), dir);
  }

  private file(name: string): StagedFile | undefined {
    const clean = cleanName(name, this.source);
    if (clean === undefined) return undefined;
    if (this.dir === undefined) return this.files.get(clean);
    const cached = this.files.get(clean);
    if (cached) return cached;
    try {
      const path = join(this.dir, clean);
      const st = lstatSync(path);
      if (!st.isFile()) return undefined;
      const f = { path, size: st.size };
      this.files.set(clean, f);
      return f;
    } catch {
      return undefined;
    }
  }

  has(name: string): boolean {
    return this.file(name) !== undefined;
  }

  private need(name: string, what: string): StagedFile {
    const f = this.file(name);
    if (!f) throw new HullError('INVALID_FORMAT', `Cannot load "${this.source}": ${what} "${name}" is not in the archive`, { hint: 'the archive is incomplete or was written by a broken tool' });
    return f;
  }

  size(name: string, what = 'entry'): number {
    return this.need(name, what).size;
  }

  readBytes(name: string, what = 'entry'): Buffer {
    const f = this.need(name, what);
    if (f.size > MAX_JSON_BYTES) throw new HullError('LIMIT_EXCEEDED', `Cannot load "${this.source}": ${what} "${name}" is ${f.size} bytes, more than a metadata file may be`);
    const fd = openSync(f.path, 'r');
    try {
      const buf = Buffer.alloc(fstatSync(fd).size);
      for (let off = 0; off < buf.length; ) {
        const r = readSync(fd, buf, off, buf.length - off, off);
        if (r === 0) break;
        off += r;
      }
      return buf;
    } finally {
      closeSync(fd);
    }
  }

  /** The first `n` bytes (compression sniffing). */
  head(name: string, n: number): Buffer {
    const f = this.need(name, 'entry');
    const buf = Buffer.alloc(Math.min(n, f.size));
    const fd = openSync(f.path, 'r');
    try {
      readSync(fd, buf, 0, buf.length, 0);
    } finally {
      closeSync(fd);
    }
    return buf;
  }

  open(name: string, what = 'entry'): Readable {
    return createReadStream(this.need(name, what).path, { highWaterMark: 1 << 20 });
  }

  /** sha256 of the entry: known for staged files, computed (streaming) for a directory's. */
  async digest(name: string, what = 'entry'): Promise<Digest> {
    const f = this.need(name, what);
    if (f.digest) return f.digest;
    const hash = cryptoModule().createHash('sha256');
    for await (const chunk of createReadStream(f.path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
    f.digest = `sha256:${hash.digest('hex')}`;
    return f.digest;
  }
}

/** "./a//b" -> "a/b"; directories (trailing "/") and the root give undefined; escapes are refused. */
function cleanName(raw: string, source: string): string | undefined {
  if (raw.includes('\0') || raw.startsWith('/') || raw.split('/').includes('..')) {
    throw new HullError('UNSAFE_ARCHIVE', `Cannot load "${source}": entry "${JSON.stringify(raw).slice(1, -1)}" points outside the archive`, {
      hint: 'image archives name their files relative to the archive root; this one may be an attack',
    });
  }
  const clean = posix.normalize(raw).replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  return clean === '' || clean === '.' ? undefined : clean;
}

/** Docker's pre-25 save writes a repeated layer as a symlink to the first copy: alias it. */
function resolveLinks(files: Map<string, StagedFile>, links: Array<{ name: string; target: string; kind: 'symlink' | 'link' }>, source: string): void {
  for (let round = 0; round < 8; round++) {
    for (const l of links) {
      if (files.has(l.name)) continue;
      const target = l.kind === 'link' ? l.target : posix.join(posix.dirname(l.name), l.target);
      const clean = cleanName(target, source);
      const f = clean === undefined ? undefined : files.get(clean);
      if (f) files.set(l.name, f);
    }
  }
}

function asLoadError(err: unknown, source: string): unknown {
  if (!isHullError(err)) return err;
  const prefix = `Cannot apply layer "${source}": `;
  if (!err.message.startsWith(prefix)) return err;
  return new HullError(err.code, `Cannot load "${source}": ${err.message.slice(prefix.length)}`, { cause: err, ...(err.hint ? { hint: err.hint } : {}) });
}
