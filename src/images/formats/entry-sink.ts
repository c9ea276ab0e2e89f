/**
 * Where `hull save` writes the files of an archive: into a tar stream (docker-archive, oci-archive)
 * or into a directory (oci-dir). Format writers only ever call `add*`; they never know which.
 *
 *   tar:  [ustar header | data | zero padding to 512]... [two zero blocks]
 *   dir:  <dir>/<name>, each file written to a temp name and renamed, so a killed save never leaves
 *         a half file under its real name
 *
 * Data is streamed with backpressure; an entry's size is given up front (tar needs it in the
 * header) and checked against the bytes that actually came.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { randomBytes } from '../../sys/random.js';
import type { Readable, Writable } from 'node:stream';
import { HullError } from '../../errors.js';
import { BLOCK, encodeHeader, paddingFor } from '../../archive/tar-header.js';
import { writeFileAtomic } from '../../sys/atomic-write.js';

export interface EntrySink {
  addBytes(name: string, bytes: Uint8Array): Promise<void>;
  /** Streams exactly `size` bytes from `source` into entry `name`. */
  addStream(name: string, size: number, source: AsyncIterable<Uint8Array> | Readable): Promise<void>;
  /** Whether `name` was added already (blobs shared by several images are written once). */
  has(name: string): boolean;
  /** Reads back a file the sink already holds from before (oci-dir's existing index.json). */
  existing(name: string): Buffer | undefined;
  finish(): Promise<void>;
}

async function write(out: Writable, chunk: Uint8Array): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

function sizeMismatch(name: string, size: number, got: number): HullError {
  return new HullError('INTERNAL', `Cannot write "${name}": expected ${size} bytes, the source gave ${got}`, { hint: 'the blob changed while it was saved; run the save again' });
}

/** A tar stream on `out` (a file or stdout); names must fit ustar's 100 bytes (they are short here). */
export class TarSink implements EntrySink {
  private readonly names = new Set<string>();
  private readonly mtime = Math.floor(Date.now() / 1000);

  constructor(private readonly out: Writable) {}

  has(name: string): boolean {
    return this.names.has(name);
  }

  existing(): undefined {
    return undefined;
  }

  private header(name: string, size: number, typeflag = '0'): Buffer {
    if (Buffer.byteLength(name) > 100) throw new HullError('INTERNAL', `Cannot write "${name}": the name is longer than a ustar header holds`);
    this.names.add(name);
    return encodeHeader({ name, typeflag, size, mode: typeflag === '5' ? 0o755 : 0o644, mtime: this.mtime });
  }

  private async ensureDirs(name: string): Promise<void> {
    const parts = name.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join('/') + '/';
      if (!this.names.has(dir)) await write(this.out, this.header(dir, 0, '5'));
    }
  }

  async addBytes(name: string, bytes: Uint8Array): Promise<void> {
    await this.ensureDirs(name);
    await write(this.out, this.header(name, bytes.length));
    await write(this.out, bytes);
    await write(this.out, Buffer.alloc(paddingFor(bytes.length)));
  }

  async addStream(name: string, size: number, source: AsyncIterable<Uint8Array> | Readable): Promise<void> {
    await this.ensureDirs(name);
    await write(this.out, this.header(name, size));
    let n = 0;
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      n += chunk.length;
      if (n > size) throw sizeMismatch(name, size, n);
      await write(this.out, chunk);
    }
    if (n !== size) throw sizeMismatch(name, size, n);
    await write(this.out, Buffer.alloc(paddingFor(size)));
  }

  async finish(): Promise<void> {
    await write(this.out, Buffer.alloc(2 * BLOCK));
  }
}

/** An OCI layout directory; existing blobs are kept (they are content-addressed). */
export class DirSink implements EntrySink {
  private readonly names = new Set<string>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  has(name: string): boolean {
    return this.names.has(name) || (name.startsWith('blobs/') && existsSync(join(this.dir, name)));
  }

  existing(name: string): Buffer | undefined {
    try {
      return readFileSync(join(this.dir, name));
    } catch {
      return undefined;
    }
  }

  async addBytes(name: string, bytes: Uint8Array): Promise<void> {
    this.names.add(name);
    writeFileAtomic(join(this.dir, name), bytes);
  }

  async addStream(name: string, size: number, source: AsyncIterable<Uint8Array> | Readable): Promise<void> {
    this.names.add(name);
    const path = join(this.dir, name);
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    const out: WriteStream = createWriteStream(tmp, { flags: 'wx' });
    try {
      let n = 0;
      for await (const chunk of source as AsyncIterable<Uint8Array>) {
        n += chunk.length;
        if (n > size) throw sizeMismatch(name, size, n);
        await write(out, chunk);
      }
      if (n !== size) throw sizeMismatch(name, size, n);
      out.end();
      await once(out, 'close');
      renameSync(tmp, path);
    } catch (err) {
      out.destroy();
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  async finish(): Promise<void> {}
}
