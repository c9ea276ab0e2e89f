/**
 * Who is the store's scheduler: one lock file, `<runroot>/health/scheduler.lock`, holding
 * "pid starttime" (the format of sys/lock.ts) of the process that currently owns the schedule —
 * the Node scheduler while it works, or the shell waiter sleeping in its place (waiter.ts). The
 * waiter execs the scheduler in the same process, so the token stays true across that exec.
 *
 * Everyone else only reads it: a hull command that changed a record in a way the scheduler must
 * see (a health-checked container started, a back-off began, a container was stopped) writes the
 * record first, then wakes the holder with SIGHUP, or starts a scheduler when there is none or
 * the holder is dead (kill -9). The holder, whenever it gives the lock up or hands it over,
 * publishes that first and reads the records after, so no write is missed by both sides.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { errnoCode } from '../errors.js';
import { processStartTime } from '../sys/lock.js';
import { writeFileAtomic } from '../sys/atomic-write.js';
import { randomBytes } from '../sys/random.js';

export interface Holder {
  pid: number;
  startTime: string;
}

export function schedulerLockPath(runroot: string): string {
  return join(runroot, 'health', 'scheduler.lock');
}

export function tokenOf(h: Holder): string {
  return `${h.pid} ${h.startTime}`;
}

export function parseToken(text: string): Holder | undefined {
  const m = /^(\d+) (\d+)$/.exec(text.trim());
  return m ? { pid: Number(m[1]), startTime: m[2] as string } : undefined;
}

export function holderOfPid(pid: number): Holder | undefined {
  const startTime = processStartTime(pid);
  return startTime === undefined ? undefined : { pid, startTime };
}

export function isAlive(h: Holder): boolean {
  return processStartTime(h.pid) === h.startTime;
}

/** The live holder of the lock, if any. */
export function findScheduler(lockPath: string): Holder | undefined {
  try {
    const h = parseToken(readFileSync(lockPath, 'utf8'));
    return h && isAlive(h) ? h : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock for `self` unless a live process holds it; true when `self` holds it now (also
 * when it already did: a waiter that exec'd into the scheduler). A dead holder's lock is moved
 * aside first, so two claimants never both break it.
 */
export function claimScheduler(lockPath: string, self: Holder): boolean {
  mkdirSync(dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, tokenOf(self));
      closeSync(fd);
      return true;
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    let text: string;
    try {
      text = readFileSync(lockPath, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      throw err;
    }
    const holder = parseToken(text);
    if (holder && tokenOf(holder) === tokenOf(self)) return true;
    if (holder ? isAlive(holder) : text === '') return false; // live, or between its open and write
    const aside = `${lockPath}.stale.${randomBytes(4).toString('hex')}`;
    try {
      renameSync(lockPath, aside);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      throw err;
    }
    const moved = readFileSync(aside, 'utf8');
    unlinkSync(aside);
    if (moved !== text) return false; // we moved a fresh lock of a live claimant: let it be
  }
  return false;
}

/** Gives the lock up (only if `self` still holds it). */
export function releaseScheduler(lockPath: string, self: Holder): void {
  try {
    if (readFileSync(lockPath, 'utf8') === tokenOf(self)) unlinkSync(lockPath);
  } catch {
    // gone already
  }
}

/** Passes the lock from `self` to `next` in one rename; false if `self` no longer held it. */
export function handOverScheduler(lockPath: string, self: Holder, next: Holder): boolean {
  try {
    if (readFileSync(lockPath, 'utf8') !== tokenOf(self)) return false;
  } catch {
    return false;
  }
  writeFileAtomic(lockPath, tokenOf(next), 0o600, { ephemeral: true });
  return true;
}

/** Wakes the live holder (it re-reads the records); false when there is none to wake. */
export function wakeScheduler(lockPath: string): boolean {
  const h = findScheduler(lockPath);
  if (!h) return false;
  try {
    process.kill(h.pid, 'SIGHUP');
    return true;
  } catch {
    return false;
  }
}
