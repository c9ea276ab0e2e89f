/**
 * FsContentStore: a content-addressed blob store.
 *
 *   <root>/content/                       layout version 1
 *     blobs/sha256/<hex>                  committed blobs, read-only (0444), named by their digest
 *     ingest/<pid>-<starttime>-<rand>     blobs being written (named by the writing process, see
 *                                         sys/owner.ts); never read as content
 *
 * Writing needs a lease (images/lease.ts): a blob is only reachable through `writer(lease)`, so no
 * operation can store a blob that a concurrent GC does not know is about to be used.
 *
 * Lifecycle of a blob: ingest (stream into ingest/, hashing and counting as it goes) -> verify
 * (digest and size against what the caller expected) -> commit (fsync, chmod 0444, rename into
 * blobs/). A kill -9 before the rename leaves only an ingest file, removed by GC; after it, the blob
 * is complete. Committing a blob that already exists is success. Ingest files of dead processes
 * are reclaimed by reclaimIngests (GC and every new lease call it).
 */
import { createReadStream, createWriteStream, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, chmodSync, renameSync, openSync, fsyncSync, closeSync, rmSync, writeSync } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { ownedName, ownedNameAlive } from '../sys/owner.js';
import { HullError, errnoCode } from '../errors.js';
import { Digester, digestAlgorithm, digestHex, sha256, type Digest } from '../oci/digest.js';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

export interface IngestResult extends BlobInfo {
  /** The blob was already in the store before this ingest (so a failed caller must not delete it). */
  existed: boolean;
}

export interface Expected {
  digest?: Digest;
  size?: number;
  /** Names the blob in error messages (e.g. "layer 2 of busybox"). */
  what?: string;
}

/**
 * The content store as its users see it, narrowest first (a consumer asks for the least it needs):
 *   BlobReader     read blobs: unpack, save, push, inspect, df
 *   BlobIngester   write blobs: handed out only under a lease (ContentStore.writer)
 *   ContentStore   a reader that can hand out writers: what pull, load, import, commit, build take
 *   ContentAdmin   list, delete and verify: only GC and `hull system check`
 * FsContentStore is the one implementation.
 */
export interface BlobReader {
  has(digest: Digest): boolean;
  readBytes(digest: Digest): Buffer;
  /** `range`: inclusive byte offsets, as fs.createReadStream takes them (a resumed upload). */
  openRead(digest: Digest, range?: { start?: number; end?: number }): Readable;
  size(digest: Digest): number;
}

/** The narrow write side. Only a lease hands one out (FsContentStore.writer). */
export interface BlobIngester {
  /** Streams a blob in, verifying digest and size before it becomes visible. */
  ingest(source: Readable | AsyncIterable<Uint8Array>, expected?: Expected): Promise<IngestResult>;
  /** Stores bytes already in memory (manifests, configs). */
  putBytes(bytes: Uint8Array, expected?: Expected): BlobInfo;
  /** Removes a blob the operation added and no longer needs (a failed operation's undo). */
  discard(digest: Digest): void;
}

export type BlobWriter = BlobReader & BlobIngester;

export interface ContentStore extends BlobReader {
  /** The write side, for the life of `lease`: every write checks that the lease is still held. */
  writer(lease: WriteLease): BlobWriter;
}

export interface ContentAdmin extends ContentStore {
  /** The store's directory; its root (leases, GC lock) is the directory above. */
  readonly dir: string;
  list(): Digest[];
  delete(digest: Digest): void;
  /** Size and last write; NOT_FOUND when absent. */
  blobInfo(digest: Digest): { size: number; mtimeMs: number };
  /** Whether the blob's bytes hash to its digest (reads all of it). */
  verify(digest: Digest): Promise<boolean>;
  listIngests(): Array<{ path: string; mtimeMs: number; size: number; ownerAlive: boolean | undefined }>;
  reclaimIngests(unownedGraceMs?: number): string[];
}

/**
 * What proves that an operation holds a GC lease (images/lease.ts implements it): blob writes,
 * layer writes and image records all ask for one, so an operation cannot forget to take it.
 */
export interface WriteLease {
  readonly id: string;
  /** Throws INTERNAL when the lease was released: the write would be unprotected. */
  assertHeld(action: string): void;
}

export class FsContentStore implements ContentAdmin {
  readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'content');
    mkdirSync(join(this.dir, 'blobs', 'sha256'), { recursive: true });
    mkdirSync(join(this.dir, 'ingest'), { recursive: true });
  }

  blobPath(digest: Digest): string {
    return join(this.dir, 'blobs', digestAlgorithm(digest), digestHex(digest));
  }

  has(digest: Digest): boolean {
    try {
      statSync(this.blobPath(digest));
      return true;
    } catch {
      return false;
    }
  }

  size(digest: Digest): number {
    return this.stat(digest).size;
  }

  stat(digest: Digest): BlobInfo {
    try {
      return { digest, size: statSync(this.blobPath(digest)).size };
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw notFound(digest);
      throw err;
    }
  }

  readBytes(digest: Digest): Buffer {
    try {
      return readFileSync(this.blobPath(digest));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw notFound(digest);
      throw err;
    }
  }

  openRead(digest: Digest, range?: { start?: number; end?: number }): Readable {
    if (!this.has(digest)) throw notFound(digest);
    return createReadStream(this.blobPath(digest), { highWaterMark: 1 << 20, ...(range ?? {}) });
  }

  blobInfo(digest: Digest): { size: number; mtimeMs: number } {
    try {
      const st = statSync(this.blobPath(digest));
      return { size: st.size, mtimeMs: st.mtimeMs };
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw notFound(digest);
      throw err;
    }
  }

  async verify(digest: Digest): Promise<boolean> {
    const digester = new Digester(digestAlgorithm(digest));
    for await (const chunk of this.openRead(digest)) digester.update(chunk as Buffer);
    return digester.digest() === digest;
  }

  /** The write side, for the life of `lease`: every write checks that the lease is still held. */
  writer(lease: WriteLease): BlobWriter {
    return {
      has: (d) => this.has(d),
      readBytes: (d) => this.readBytes(d),
      openRead: (d, range) => this.openRead(d, range),
      size: (d) => this.size(d),
      ingest: async (source, expected) => {
        lease.assertHeld('store a blob');
        return this.ingest(source, expected);
      },
      putBytes: (bytes, expected) => {
        lease.assertHeld('store a blob');
        return this.putBytes(bytes, expected);
      },
      discard: (d) => this.delete(d),
    };
  }

  private putBytes(bytes: Uint8Array, expected: Expected = {}): BlobInfo {
    const digest = sha256(bytes);
    verify({ digest, size: bytes.length }, expected);
    if (this.has(digest)) return { digest, size: bytes.length };
    const tmp = this.ingestPath();
    const fd = openSync(tmp, 'wx', 0o444);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.commit(tmp, digest);
    return { digest, size: bytes.length };
  }

  private async ingest(source: Readable | AsyncIterable<Uint8Array>, expected: Expected = {}): Promise<IngestResult> {
    const algorithm = expected.digest ? digestAlgorithm(expected.digest) : 'sha256';
    const digester = new Digester(algorithm);
    const tmp = this.ingestPath();
    const out = createWriteStream(tmp, { flags: 'wx', mode: 0o444 });
    const limit = expected.size;
    const hasher = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        digester.update(chunk);
        if (limit !== undefined && digester.size > limit) {
          cb(new HullError('INVALID_DIGEST', `Cannot store ${expected.what ?? 'blob'}: more than the expected ${limit} bytes`));
          return;
        }
        cb(null, chunk);
      },
    });
    let actual: Digest;
    try {
      await pipeline(source, hasher, out);
      actual = digester.digest();
      verify({ digest: actual, size: digester.size }, expected);
      const fd = openSync(tmp, 'r');
      fsyncSync(fd);
      closeSync(fd);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    const digest = actual;
    const existed = this.has(digest);
    if (existed) rmSync(tmp, { force: true });
    else this.commit(tmp, digest);
    return { digest, size: digester.size, existed };
  }

  delete(digest: Digest): void {
    try {
      unlinkSync(this.blobPath(digest));
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }

  list(): Digest[] {
    return readdirSync(join(this.dir, 'blobs', 'sha256')).map((hex) => `sha256:${hex}` as Digest);
  }

  /** Ingest files; `ownerAlive` is undefined for a name that names no process (an older hull's). */
  listIngests(): Array<{ path: string; mtimeMs: number; size: number; ownerAlive: boolean | undefined }> {
    const dir = join(this.dir, 'ingest');
    return readdirSync(dir).flatMap((name) => {
      try {
        const st = statSync(join(dir, name));
        return [{ path: join(dir, name), mtimeMs: st.mtimeMs, size: st.size, ownerAlive: ownedNameAlive(name) }];
      } catch {
        return [];
      }
    });
  }

  /**
   * Removes the ingest files of dead processes, and unowned ones (an older hull's) not written to
   * for `unownedGraceMs`. Returns the paths removed.
   */
  reclaimIngests(unownedGraceMs = 60_000): string[] {
    const removed: string[] = [];
    const limit = Date.now() - unownedGraceMs;
    for (const f of this.listIngests()) {
      if (f.ownerAlive === true || (f.ownerAlive === undefined && f.mtimeMs >= limit)) continue;
      rmSync(f.path, { recursive: true, force: true });
      removed.push(f.path);
    }
    return removed;
  }

  private ingestPath(): string {
    return join(this.dir, 'ingest', ownedName());
  }

  private commit(tmp: string, digest: Digest): void {
    chmodSync(tmp, 0o444);
    renameSync(tmp, this.blobPath(digest)); // replacing an identical existing blob is harmless
  }
}

function verify(actual: BlobInfo, expected: Expected): void {
  const what = expected.what ?? 'blob';
  if (expected.size !== undefined && actual.size !== expected.size) {
    throw new HullError('INVALID_DIGEST', `Cannot store ${what}: size ${actual.size} does not match the expected ${expected.size}`);
  }
  if (expected.digest !== undefined && actual.digest !== expected.digest) {
    throw new HullError('INVALID_DIGEST', `Cannot store ${what}: content has digest ${actual.digest}, expected ${expected.digest}`, {
      hint: 'the source is corrupt or was changed in transit; nothing was stored',
    });
  }
}

function notFound(digest: Digest): HullError {
  return new HullError('NOT_FOUND', `Cannot read blob "${digest}": not in the content store`);
}
