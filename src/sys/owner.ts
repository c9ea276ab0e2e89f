/**
 * Owned names: a temp file or directory whose name says which process made it, so that a later
 * process can prove its maker dead before it reclaims it (no grace period, no guessing).
 *
 *   <pid>-<starttime>-<rand>        e.g. 4242-1234567-9f3a1c0d
 *
 * pid + start time name a process uniquely (as in lock.ts): a reused pid has another start time.
 */
import { processStartTime } from './lock.js';
import { randomBytes } from './random.js';

const selfToken = `${process.pid}-${processStartTime(process.pid) ?? 0}`;

/** A fresh name owned by this process; `prefix` (e.g. "rm-") is kept in front. */
export function ownedName(prefix = ''): string {
  return `${prefix}${selfToken}-${randomBytes(6).toString('hex')}`;
}

/**
 * Whether the maker of `name` is alive: true or false for an owned name, undefined for a name that
 * names no owner (left by an older hull: the caller cannot prove it dead).
 */
export function ownedNameAlive(name: string, prefix = ''): boolean | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const m = /^(\d+)-(\d+)-[a-f0-9]+$/.exec(name.slice(prefix.length));
  if (!m) return undefined;
  return processStartTime(Number(m[1])) === m[2];
}

/** Whether the process named by a "pid starttime" or "pid-starttime" token still runs. */
export function tokenAlive(token: string): boolean {
  const [pid, start] = token.trim().split(/[ -]/);
  if (pid === undefined || !/^\d+$/.test(pid)) return false;
  return processStartTime(Number(pid)) === start;
}

/** This process's token, "pid starttime", as owner files and lock files hold it. */
export function selfOwnerToken(): string {
  return selfToken.replace('-', ' ');
}
