/**
 * Atomic file replacement: write a temp file beside the target, fsync it, rename over the target,
 * fsync the directory. A kill -9 at any point leaves either the old or the new content, never a mix.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync, mkdirSync } from 'node:fs';
import { randomBytes } from './random.js';
import { dirname, basename, join } from 'node:path';

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface AtomicWriteOptions {
  /**
   * false: no directory fsync. After a power loss the file may hold its previous content (never a
   * torn one). For records whose content is re-derived anyway.
   */
  durable?: boolean;
  /**
   * State that only live processes read and a crash makes meaningless (the runroot's bundles and
   * /etc files, rewritten at every start; the leases of running operations): still atomic against
   * a crash of hull, but never fsynced. On a host whose /run is not a tmpfs those fsyncs cost
   * ~10 ms of every container start.
   */
  ephemeral?: boolean;
}

export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644, opts: AtomicWriteOptions = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    if (!opts.ephemeral) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  if (opts.durable !== false && !opts.ephemeral) fsyncDir(dir);
}

export function writeJsonAtomic(path: string, value: unknown, opts: AtomicWriteOptions = {}): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n', 0o644, opts);
}
