/**
 * Upload sessions (distribution-spec spec.md#pushing-blobs): POST opens one, PATCH appends
 * chunks in order, PUT closes it with the digest, DELETE cancels it.
 *
 * Crash safety: bytes go to repositories/<name>/_uploads/<id>, never to blobs/. Only PUT,
 * after hashing every byte and committing durably, moves the file into blobs/. The session's
 * state is the file alone, so any process on the same storage (a replica) can continue it.
 * A SIGKILL at any point
 * leaves at most a partial upload file, which the client can resume (GET gives its size) or
 * which the purge removes once untouched for `purgeAgeMs`.
 *
 * Hashing: a running digest is kept in memory per session while this process lives, so finishing
 * costs no re-read; after a restart or a failed chunk it is dropped and PUT re-hashes the file.
 */
import { randomBytes, createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HullError } from '../errors.js';
import { Digester, digestAlgorithm, type Digest } from '../oci/digest.js';
import type { BlobStore } from './blob-store.js';
import { isUploadId } from './names.js';
import { uploadDataPath, uploadsDir } from './paths.js';
import type { StorageDriver } from './storage/driver.js';

export interface ChunkRange {
  start: number;
  /** Inclusive end, as in Content-Range. */
  end: number;
}

function unknown(repo: string, id: string): HullError {
  return new HullError('BLOB_UPLOAD_UNKNOWN', `Cannot find upload "${id}" in repository "${repo}": it does not exist, was finished or was cancelled`, {
    hint: 'start a new upload with POST /v2/<name>/blobs/uploads/',
  });
}

/** Counts bytes, feeds the digest and stops a body that runs past its declared length. */
function meter(digester: Digester | undefined, limit: number | undefined, counter: { n: number }, onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb): void {
      counter.n += chunk.length;
      onBytes(chunk.length);
      if (limit !== undefined && counter.n > limit) {
        cb(new HullError('RANGE_INVALID', `Cannot append chunk: the body is longer than its Content-Range (${limit} bytes)`));
        return;
      }
      digester?.update(chunk);
      cb(null, chunk);
    },
  });
}

export class UploadStore {
  private readonly digesters = new Map<string, Digester>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly driver: StorageDriver,
    private readonly blobs: BlobStore,
    /** Called with the size of every received chunk (metrics). */
    private readonly onBytes: (n: number) => void = () => undefined,
  ) {}

  /** Number of sessions this process has touched and not yet closed (for metrics). */
  get activeSessions(): number {
    return this.digesters.size;
  }

  async create(repo: string): Promise<string> {
    const id = randomBytes(16).toString('hex');
    await this.driver.putContent(uploadDataPath(repo, id), '', { durable: false });
    this.digesters.set(key(repo, id), new Digester());
    return id;
  }

  /** Bytes received so far; throws BLOB_UPLOAD_UNKNOWN for an id not made in this repository. */
  async size(repo: string, id: string): Promise<number> {
    if (!isUploadId(id)) throw unknown(repo, id);
    const info = await this.driver.stat(uploadDataPath(repo, id));
    if (!info) throw unknown(repo, id);
    return info.size;
  }

  /** Appends a chunk. With a range, it must start where the upload ends (else RANGE_INVALID, 416). */
  async append(repo: string, id: string, body: Readable, range?: ChunkRange): Promise<number> {
    return this.serialize(repo, id, () => this.appendNow(repo, id, body, range));
  }

  /** Appends an optional last chunk, verifies the digest and commits the blob into the repository. */
  async finish(repo: string, id: string, digest: Digest, body?: Readable, range?: ChunkRange): Promise<number> {
    return this.serialize(repo, id, async () => {
      // fsync before the rename below makes the bytes visible (on the last chunk's own fd).
      const size = body ? await this.appendNow(repo, id, body, range, true) : await this.syncNow(repo, id);
      const actual = await this.digestOf(repo, id, digestAlgorithm(digest), size);
      if (actual !== digest) {
        await this.cancelNow(repo, id);
        throw new HullError('INVALID_DIGEST', `Cannot finish upload "${id}": its content has digest ${actual}, not ${digest}`, {
          hint: 'the bytes were corrupted or the digest is wrong; upload again',
        });
      }
      await this.blobs.commitFile(uploadDataPath(repo, id), digest);
      await this.blobs.link(repo, digest);
      this.digesters.delete(key(repo, id));
      return size;
    });
  }

  async cancel(repo: string, id: string): Promise<void> {
    await this.serialize(repo, id, async () => {
      await this.size(repo, id);
      await this.cancelNow(repo, id);
    });
  }

  /** Removes sessions untouched for more than `maxAgeMs` in every repository; returns how many. */
  async purge(repos: string[], maxAgeMs: number, now = Date.now()): Promise<number> {
    let purged = 0;
    for (const repo of repos) {
      for (const id of await this.driver.list(uploadsDir(repo))) {
        if (this.queues.has(key(repo, id))) continue;
        const info = await this.driver.stat(uploadDataPath(repo, id));
        if (info && now - info.modTime.getTime() > maxAgeMs) {
          await this.cancelNow(repo, id);
          purged++;
        }
      }
    }
    return purged;
  }

  private async syncNow(repo: string, id: string): Promise<number> {
    const size = await this.size(repo, id);
    const w = await this.driver.writer(uploadDataPath(repo, id));
    w.writable().end();
    await w.commit();
    return size;
  }

  private async appendNow(repo: string, id: string, body: Readable, range?: ChunkRange, sync = false): Promise<number> {
    const start = await this.size(repo, id);
    if (range && range.start !== start) {
      body.resume();
      throw new HullError('RANGE_INVALID', `Cannot append to upload "${id}": the chunk starts at ${range.start} but the upload has ${start} bytes`, {
        hint: `send the chunk starting at byte ${start} (GET the upload URL for its status)`,
      });
    }
    const limit = range ? range.end - range.start + 1 : undefined;
    const k = key(repo, id);
    let digester = this.digesters.get(k);
    if (digester && digester.size !== start) digester = undefined;
    if (!digester && start === 0) digester = new Digester();
    this.digesters.delete(k); // reinstated only when the chunk lands whole
    const w = await this.driver.writer(uploadDataPath(repo, id));
    const counter = { n: 0 };
    try {
      await pipeline(body, meter(digester, limit, counter, this.onBytes), w.writable());
    } catch (err) {
      // A chunk that broke its range is discarded, so the upload stays a prefix of what was meant;
      // a plain body cut short keeps what arrived, and the client resumes from the reported size.
      if (limit !== undefined) await w.cancel();
      else await w.commit({ durable: false });
      throw err;
    }
    if (limit !== undefined && counter.n !== limit) {
      await w.cancel();
      throw new HullError('RANGE_INVALID', `Cannot append chunk: Content-Range announced ${limit} bytes but ${counter.n} arrived`);
    }
    await w.commit({ durable: sync });
    if (digester) this.digesters.set(k, digester);
    return start + counter.n;
  }

  private async digestOf(repo: string, id: string, algorithm: 'sha256' | 'sha512', size: number): Promise<Digest> {
    const cached = this.digesters.get(key(repo, id));
    if (cached && algorithm === 'sha256' && cached.size === size) {
      this.digesters.delete(key(repo, id));
      return cached.digest();
    }
    const reader = await this.driver.reader(uploadDataPath(repo, id));
    if (!reader) throw unknown(repo, id);
    if (reader.size === 0) {
      await reader.close();
      return `${algorithm}:${createHash(algorithm).digest('hex')}` as Digest;
    }
    const hash = createHash(algorithm);
    for await (const chunk of reader.stream()) hash.update(chunk as Buffer);
    return `${algorithm}:${hash.digest('hex')}` as Digest;
  }

  private async cancelNow(repo: string, id: string): Promise<void> {
    this.digesters.delete(key(repo, id));
    await this.driver.delete(uploadDataPath(repo, id));
  }

  /** Runs one operation per session at a time; a second PATCH waits, then sees the new size. */
  private async serialize<T>(repo: string, id: string, op: () => Promise<T>): Promise<T> {
    const k = key(repo, id);
    const prev = this.queues.get(k) ?? Promise.resolve();
    const next = prev.then(op, op);
    const tail = next.catch(() => undefined);
    this.queues.set(k, tail);
    try {
      return await next;
    } finally {
      if (this.queues.get(k) === tail) this.queues.delete(k);
    }
  }
}

function key(repo: string, id: string): string {
  return `${repo}\n${id}`;
}
