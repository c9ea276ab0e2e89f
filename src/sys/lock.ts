/**
 * Cross-process locks for read-modify-write of shared metadata, without a daemon.
 *
 * A lock is a file created with O_EXCL holding "pid starttime". A holder killed with -9 leaves
 * the file behind; the next process sees that no live process matches and takes it over, so a
 * crash never wedges the store. (Node has no flock(2); this needs no native addon.)
 */
import { openSync, writeSync, closeSync, readFileSync, unlinkSync, renameSync, linkSync } from 'node:fs';
import { randomBytes } from './random.js';
import { HullError, errnoCode } from '../errors.js';

const selfToken = `${process.pid} ${processStartTime(process.pid) ?? 0}`;

/** Field 22 of /proc/PID/stat: start time in clock ticks; with the pid it names a process uniquely. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie (Z) or dying (X) process runs nothing and holds nothing: it counts as gone, also
    // where no init reaps orphans (a container's init whose monitor was killed, in a sandbox).
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

function holderAlive(token: string): boolean {
  const [pid, start] = token.trim().split(' ');
  if (pid === undefined || !/^\d+$/.test(pid)) return false;
  return processStartTime(Number(pid)) === start;
}

function tryAcquire(path: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, selfToken);
    closeSync(fd);
    return true;
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
  }
  let token: string;
  try {
    token = readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false; // released meanwhile: retry
    throw err;
  }
  // An empty token is a holder between open and write; give it time unless it stays empty.
  if (token === '' || holderAlive(token)) return false;
  // Stale: move it aside atomically so that only one contender breaks it.
  const aside = `${path}.stale.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
  const moved = readFileSync(aside, 'utf8');
  if (moved !== token) {
    // We raced another breaker and moved a fresh, live lock: put it back (link fails only if a
    // third process locked in the same instant, which this scheme accepts as vanishingly rare).
    try {
      linkSync(aside, path);
    } catch {
      // leave it: the live holder's release is a no-op, the newer lock stands
    }
  }
  unlinkSync(aside);
  return false;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function acquireLock(path: string, timeoutMs = 60_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  let wait = 1;
  let emptySince: number | undefined;
  for (;;) {
    if (tryAcquire(path)) return () => releaseLock(path);
    // A token that stays empty for a second belongs to a process killed between open and write.
    try {
      if (readFileSync(path, 'utf8') === '') {
        emptySince ??= Date.now();
        if (Date.now() - emptySince > 1000) unlinkSync(path);
      } else emptySince = undefined;
    } catch {
      emptySince = undefined;
    }
    if (Date.now() > deadline) {
      throw new HullError('UNAVAILABLE', `Cannot lock "${path}": held by another hull process for over ${timeoutMs / 1000}s`, {
        hint: 'wait for the other hull command to finish, or check for a hung process',
      });
    }
    await sleep(wait);
    wait = Math.min(wait * 2, 50);
  }
}

function releaseLock(path: string): void {
  try {
    if (readFileSync(path, 'utf8') === selfToken) unlinkSync(path);
  } catch {
    // already gone
  }
}

export async function withLock<T>(path: string, fn: () => Promise<T> | T): Promise<T> {
  const release = await acquireLock(path);
  try {
    return await fn();
  } finally {
    release();
  }
}

/**
 * The metadata pattern every store shares: under `lockPath`, read the document, let `fn` change
 * it, write it back (atomically: `write` is a temp + rename writer), and return what `fn` returned.
 */
export async function updateLocked<D, T>(lockPath: string, io: { read(): D; write(doc: D): void | Promise<void> }, fn: (doc: D) => T): Promise<T> {
  return withLock(lockPath, async () => {
    const doc = io.read();
    const result = fn(doc);
    await io.write(doc);
    return result;
  });
}
