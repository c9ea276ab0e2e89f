/**
 * FsStorageDriver: the embedded default StorageDriver, on a local directory.
 * Atomic small writes go through <root>/_tmp (same filesystem, so rename is atomic); big files are
 * streamed with fs streams (256 KiB chunks, backpressure by pipeline), never read whole.
 */
import { randomBytes } from 'node:crypto';
import { close as closeCb, createReadStream, createWriteStream, fstat as fstatCb, fsync as fsyncCb, open as openCb } from 'node:fs';
import { promisify } from 'node:util';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { HullError, errnoCode } from '../../errors.js';
import { TMP_DIR } from '../paths.js';
import type { BlobReader, FileInfo, FileWriter, StorageDriver } from './driver.js';

const STREAM_CHUNK = 256 * 1024;
const fdOpen = promisify(openCb);
const fdStat = promisify(fstatCb);
const fdSync = promisify(fsyncCb);
const fdClose = promisify(closeCb);

export interface FsStorageDriverOptions {
  /** fsync files before they become visible (default true); false trades durability for speed. */
  fsync?: boolean;
}

export class FsStorageDriver implements StorageDriver {
  readonly kind = 'filesystem';
  readonly root: string;
  private readonly fsync: boolean;

  constructor(root: string, options: FsStorageDriverOptions = {}) {
    this.root = path.resolve(root);
    this.fsync = options.fsync ?? true;
  }

  /** Maps a driver path to a host path; refuses anything that could leave the root. */
  hostPath(p: string): string {
    if (!p.startsWith('/') || p.includes('\0') || p.split('/').some((c) => c === '..' || c === '.')) {
      throw new HullError('INVALID_ARGUMENT', `Cannot use storage path "${p}": it must be absolute and without "." or ".."`);
    }
    return this.root + p;
  }

  async getContent(p: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(this.hostPath(p));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
      throw err;
    }
  }

  async putContent(p: string, data: string | Uint8Array, options: { durable?: boolean } = {}): Promise<void> {
    if (options.durable === false) {
      const host = this.hostPath(p);
      try {
        await fs.writeFile(host, data);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
        await fs.mkdir(path.dirname(host), { recursive: true });
        await fs.writeFile(host, data);
      }
      return;
    }
    const tmp = await this.tempPath();
    const fh = await fs.open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(data);
      if (this.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
    await this.renameInto(tmp, this.hostPath(p));
  }

  async reader(p: string): Promise<BlobReader | undefined> {
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(this.hostPath(p), 'r');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
      throw err;
    }
    const { size } = await fh.stat();
    let taken = false;
    return {
      size,
      stream(start?: number, end?: number): Readable {
        taken = true;
        // autoClose closes the handle when the stream ends or is destroyed.
        return createReadStream('', { fd: fh, start: start ?? 0, end: end ?? Math.max(size - 1, 0), highWaterMark: STREAM_CHUNK, autoClose: true, emitClose: true });
      },
      async close(): Promise<void> {
        if (!taken) await fh.close();
      },
    };
  }

  async writer(p: string): Promise<FileWriter> {
    const host = this.hostPath(p);
    // A numeric fd, not a FileHandle: a FileHandle lent to a stream with autoClose:false cannot
    // be closed afterwards (its close waits for the stream's reference forever).
    const fd = await fdOpen(host, 'a', 0o644).catch(async (err: unknown) => {
      if (errnoCode(err) !== 'ENOENT') throw err;
      await fs.mkdir(path.dirname(host), { recursive: true });
      return fdOpen(host, 'a', 0o644);
    });
    const startSize = (await fdStat(fd)).size;
    const sync = this.fsync;
    let closed = false;
    let stream: Writable | undefined;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      // A destroyed fs stream (an error mid-pipeline) closes the fd itself, whatever autoClose
      // says; closing it again could close an fd number already reused elsewhere.
      if (stream?.destroyed) {
        // Not events.once: it would reject with the stream's error, which the pipeline reported.
        if (!stream.closed) await new Promise((resolve) => stream!.once('close', resolve));
        return;
      }
      await fdClose(fd);
    };
    return {
      startSize,
      writable(): Writable {
        if (stream) throw new HullError('INTERNAL', `Cannot reopen writer "${p}": writable() was already called`);
        stream = createWriteStream('', { fd, autoClose: false, highWaterMark: STREAM_CHUNK });
        return stream;
      },
      async commit(options: { durable?: boolean } = {}): Promise<void> {
        if (sync && options.durable !== false && !stream?.destroyed) await fdSync(fd);
        await close();
      },
      async cancel(): Promise<void> {
        await close();
        // Appending is in place here, so discarding means cutting back to the opening size.
        await fs.truncate(host, startSize).catch((err: unknown) => {
          if (errnoCode(err) !== 'ENOENT') throw err;
        });
      },
    };
  }

  async stat(p: string): Promise<FileInfo | undefined> {
    try {
      const st = await fs.stat(this.hostPath(p));
      return { path: p, size: st.size, isDir: st.isDirectory(), modTime: st.mtime };
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
      throw err;
    }
  }

  async list(p: string): Promise<string[]> {
    try {
      return (await fs.readdir(this.hostPath(p))).sort();
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return [];
      throw err;
    }
  }

  async move(src: string, dst: string): Promise<void> {
    await this.renameInto(this.hostPath(src), this.hostPath(dst));
  }

  async delete(p: string): Promise<void> {
    const host = this.hostPath(p);
    // unlink first: most deletes are single files, and rm -r costs several syscalls more.
    try {
      await fs.unlink(host);
      return;
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      if (code !== 'EISDIR' && code !== 'EPERM') throw err;
    }
    await fs.rm(host, { recursive: true, force: true });
  }

  private async tempPath(): Promise<string> {
    const dir = this.hostPath(TMP_DIR);
    await fs.mkdir(dir, { recursive: true });
    return path.join(dir, randomBytes(12).toString('hex'));
  }

  private async renameInto(src: string, dst: string): Promise<void> {
    try {
      await fs.rename(src, dst);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      // The parent is missing (the common case for a first write); create it and retry once.
      await fs.mkdir(path.dirname(dst), { recursive: true });
      await fs.rename(src, dst);
    }
  }
}
