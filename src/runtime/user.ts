/**
 * Resolving `-u user[:group]` against the image's /etc/passwd and /etc/group, as docker does:
 * names must exist in the image; numeric ids need not. Files are read through resolveInRoot so a
 * hostile image cannot point them at the host.
 */
import { readFileSync } from 'node:fs';
import { HullError } from '../errors.js';
import { resolveInRoot } from '../sys/safe-path.js';

export interface PasswdEntry { name: string; uid: number; gid: number; home: string }
export interface GroupEntry { name: string; gid: number; members: string[] }
export interface ResolvedUser { uid: number; gid: number; additionalGids: number[]; home: string }

export function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').flatMap((line) => {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#') || !/^\d+$/.test(f[2] ?? '') || !/^\d+$/.test(f[3] ?? '')) return [];
    return [{ name: f[0] as string, uid: Number(f[2]), gid: Number(f[3]), home: f[5] as string }];
  });
}

export function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').flatMap((line) => {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#') || !/^\d+$/.test(f[2] ?? '')) return [];
    return [{ name: f[0] as string, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }];
  });
}

const MAX_ID = 2 ** 31 - 1;

/** Pure: resolves a user spec against parsed passwd/group entries. */
export function resolveUserSpec(spec: string, passwd: PasswdEntry[], groups: GroupEntry[]): ResolvedUser {
  const [userPart = '', groupPart] = spec.split(':');
  const numeric = /^\d+$/.test(userPart);
  const entry = numeric ? passwd.find((p) => p.uid === Number(userPart)) : passwd.find((p) => p.name === userPart);
  if (!entry && !numeric) {
    throw new HullError('INVALID_ARGUMENT', `Cannot use user "${userPart}": no matching entry in the image's /etc/passwd`, {
      hint: 'give a numeric uid, or a user that exists in the image',
    });
  }
  const uid = entry?.uid ?? Number(userPart);
  // The kernel's IDs are unsigned 32-bit, but runc (Go's int32 in places) and most tools break above 2^31-1.
  if (uid > MAX_ID) throw new HullError('INVALID_ARGUMENT', `Cannot use user "${userPart}": uid ${uid} is above ${MAX_ID}`, { hint: 'use a uid from 0 to 2147483647' });
  let gid = entry?.gid ?? 0;
  if (groupPart !== undefined && groupPart !== '') {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw new HullError('INVALID_ARGUMENT', `Cannot use group "${groupPart}": no matching entry in the image's /etc/group`);
      gid = g.gid;
    }
  }
  if (gid > MAX_ID) throw new HullError('INVALID_ARGUMENT', `Cannot use group "${groupPart ?? gid}": gid ${gid} is above ${MAX_ID}`, { hint: 'use a gid from 0 to 2147483647' });
  // Supplementary groups come from /etc/group membership, only when no group was forced (like docker).
  const additionalGids = entry && groupPart === undefined ? groups.filter((g) => g.members.includes(entry.name) && g.gid !== gid).map((g) => g.gid) : [];
  return { uid, gid, additionalGids, home: entry?.home || (uid === 0 ? '/root' : '/') };
}

function readInRoot(rootfs: string, path: string): string {
  try {
    return readFileSync(resolveInRoot(rootfs, path), 'utf8');
  } catch {
    return '';
  }
}

export function resolveUser(rootfs: string, spec: string | undefined): ResolvedUser {
  const passwd = parsePasswd(readInRoot(rootfs, '/etc/passwd'));
  const groups = parseGroup(readInRoot(rootfs, '/etc/group'));
  return resolveUserSpec(spec === undefined || spec === '' ? '0' : spec, passwd, groups);
}

/** A group's gid from the image's /etc/group, or undefined. */
export function findGroupId(rootfs: string, name: string): number | undefined {
  return parseGroup(readInRoot(rootfs, '/etc/group')).find((g) => g.name === name)?.gid;
}
