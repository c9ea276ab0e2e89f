/**
 * The rootless user namespace: one per user, held open by a pause process, joined by every hull
 * command (and by conmon's exit command, a descendant), as podman's pkg/rootless does.
 *
 *   <runtime dir>/hull/pause.pid   pid of `catatonit -P` (the pause process), written atomically
 *   <runtime dir>/hull/pause.lock  serialises creating it
 *
 * The namespace maps 0 -> the user and 1..N -> the first range of /etc/subuid (/etc/subgid),
 * written by the setuid helpers newuidmap/newgidmap (Debian's `uidmap`) through util-linux's
 * `unshare --map-auto --map-root-user`. It has its own mount namespace (overlay mounts, netns
 * bind mounts live there) and shares the host's network namespace (pasta connects containers).
 * Why util-linux and catatonit rather than a helper of our own: Node cannot unshare in-process,
 * and both programs are on every machine that has podman.
 */
import { existsSync, openSync, closeSync, readFileSync, mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { HullError, showUntrusted } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { acquireLock } from './lock.js';
import { which } from './which.js';

export interface SubIdRange {
  start: number;
  count: number;
}

/** Pure: the ranges of /etc/subuid or /etc/subgid (subuid(5)) that belong to `user` (by name or id). */
export function parseSubIds(text: string, user: string, id: number): SubIdRange[] {
  const out: SubIdRange[] = [];
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if (owner === undefined || line.trim().startsWith('#')) continue;
    if (owner !== user && owner !== String(id)) continue;
    if (!/^\d+$/.test(start ?? '') || !/^\d+$/.test(count ?? '')) continue;
    if (Number(count) > 0) out.push({ start: Number(start), count: Number(count) });
  }
  return out;
}

export interface SubIds {
  uids: SubIdRange[];
  gids: SubIdRange[];
}

/** The user's subordinate ranges; throws with the fix when there are none. */
export function getSubIds(user: string, uid: number, files = { subuid: '/etc/subuid', subgid: '/etc/subgid' }): SubIds {
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  const uids = parseSubIds(read(files.subuid), user, uid);
  const gids = parseSubIds(read(files.subgid), user, uid);
  const missing = [uids.length === 0 ? files.subuid : '', gids.length === 0 ? files.subgid : ''].filter(Boolean);
  if (missing.length > 0) {
    throw new HullError('UNSUPPORTED', `Cannot run rootless as user "${showUntrusted(user)}": no subordinate ${uids.length === 0 ? 'user' : 'group'} IDs in ${missing.join(' and ')}`, {
      hint: `as root, give the user a range of 65536 IDs: "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${user}" (pick a range no other user has; see docs/rootless.md)`,
    });
  }
  return { uids, gids };
}

/** Whether this process runs in a user namespace other than the host's (its uid_map is not the identity). */
export function inUserNamespace(): boolean {
  try {
    return !/^\s*0\s+0\s+4294967295\s*$/.test(readFileSync('/proc/self/uid_map', 'utf8').trim());
  } catch {
    return false;
  }
}

/** The pause process's pid when it is alive (and is a pause process), else undefined. */
export function findPauseProcess(pidFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'catatonit') return undefined;
    return pid;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether `pid`'s user namespace has its ID maps written (unshare writes them before it execs). */
function mapped(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/uid_map`, 'utf8').trim().split('\n').length > 1 && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'catatonit';
  } catch {
    return false;
  }
}

export interface PauseOptions {
  /** The directory of pause.pid and pause.lock (<runtime dir>/hull). */
  dir: string;
  user: string;
  uid: number;
  /** PATH to find unshare, newuidmap, catatonit. */
  path?: string;
}

/** The pause process's pid, starting it (and the namespace) when there is none. */
export async function ensurePauseProcess(o: PauseOptions): Promise<number> {
  const pidFile = join(o.dir, 'pause.pid');
  const running = findPauseProcess(pidFile);
  if (running !== undefined) return running;
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const release = await acquireLock(join(o.dir, 'pause.lock'));
  try {
    const again = findPauseProcess(pidFile);
    if (again !== undefined) return again;
    getSubIds(o.user, o.uid);
    const tool = (name: string, pkg: string) => {
      const p = which(name, o.path);
      if (!p) throw new HullError('NOT_FOUND', `Cannot run rootless: "${name}" is not installed`, { hint: `as root: apt-get install ${pkg}` });
      return p;
    };
    tool('newuidmap', 'uidmap');
    const catatonit = which('catatonit', o.path) ?? (existsSync('/usr/libexec/podman/catatonit') ? '/usr/libexec/podman/catatonit' : tool('catatonit', 'catatonit'));
    const errFile = join(o.dir, 'pause.err');
    const errFd = openSync(errFile, 'w', 0o600);
    const child = spawn(tool('unshare', 'util-linux'), ['--user', '--map-auto', '--map-root-user', '--mount', '--propagation', 'private', '--', catatonit, '-P'], {
      detached: true,
      stdio: ['ignore', 'ignore', errFd],
      env: { PATH: o.path ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    closeSync(errFd);
    let exited = false;
    child.on('exit', () => (exited = true));
    child.on('error', () => (exited = true));
    const pid = child.pid ?? 0;
    const deadline = Date.now() + 30_000;
    while (!mapped(pid)) {
      if (exited || Date.now() > deadline) {
        const why = readFileSync(errFile, 'utf8').trim() || 'the user namespace could not be created';
        throw new HullError('UNSUPPORTED', `Cannot create the rootless user namespace of "${showUntrusted(o.user)}": ${showUntrusted(why)}`, {
          hint: 'check /etc/subuid and /etc/subgid, that newuidmap is setuid root, and that user.max_user_namespaces is not 0 (docs/rootless.md)',
        });
      }
      await sleep(2);
    }
    child.unref();
    writeFileAtomic(pidFile, `${pid}\n`);
    return pid;
  } finally {
    release();
  }
}

export interface NamespaceIds {
  /** The host uid and gid that the namespace's 0 is. */
  uid: number;
  gid: number;
  /** How many IDs the namespace maps (0..size-1). */
  uidSize: number;
  gidSize: number;
}

/** Pure: a uid_map/gid_map (user_namespaces(7)) -> the host id of 0 and the mapped size. */
export function parseIdMap(text: string): { zero: number; size: number } {
  let zero = -1;
  let size = 0;
  for (const line of text.trim().split('\n')) {
    const [inside, outside, count] = line.trim().split(/\s+/).map(Number);
    if (inside === undefined || outside === undefined || count === undefined || Number.isNaN(count)) continue;
    if (inside === 0) zero = outside;
    size = Math.max(size, inside + count);
  }
  return { zero, size };
}

/** This process's namespace: who its root is on the host, and how many IDs it has. */
export function readNamespaceIds(): NamespaceIds {
  const u = parseIdMap(readFileSync('/proc/self/uid_map', 'utf8'));
  const g = parseIdMap(readFileSync('/proc/self/gid_map', 'utf8'));
  return { uid: u.zero, gid: g.zero, uidSize: u.size, gidSize: g.size };
}
