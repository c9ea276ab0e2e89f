/**
 * A cross-process lock on one named thing of a store, for front doors that change several
 * objects as one (a compose project): `<root>/locks/<kind>/<name>.lock`, the same pid+start-time
 * lock files as the rest of the store (sys/lock.ts), so a holder killed with -9 never wedges it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock } from '../sys/lock.js';

export async function withStoreLock<T>(root: string, kind: string, name: string, fn: () => Promise<T>, timeoutMs = 15 * 60_000): Promise<T> {
  const dir = join(root, 'locks', kind);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const release = await acquireLock(join(dir, `${name}.lock`), timeoutMs);
  try {
    return await fn();
  } finally {
    release();
  }
}
