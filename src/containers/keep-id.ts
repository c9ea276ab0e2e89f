/**
 * `--userns keep-id` (rootless): the user's own uid and gid inside the container get entries in
 * its /etc/passwd and /etc/group, with the user's name and home directory, as podman writes them;
 * so `id` names the user, $HOME is a directory the user owns, and `exec --user NAME` or
 * `--user UID` finds the user's group. Entries are appended to the container's own files (its
 * writable layer, so a commit keeps them), once; an image that already has the uid is left as is.
 */
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { posix } from 'node:path';
import { resolveInRoot } from '../sys/safe-path.js';
import { parseGroup, parsePasswd } from '../runtime/user.js';
import { keepIdMappings, type RootlessRuntime } from '../runtime/rootless.js';
import type { ViewIdMap } from '../snapshots/snapshotter.js';
import type { SpecIdMapping } from '../oci/runtime-spec.js';
import type { ContainerRecord } from './record.js';

/**
 * A keep-id container's view, shifted as its user namespace shifts back (fuse-overlayfs's
 * uidmapping): the container then sees the image's owners, root's files as root's. Undefined for
 * any other container.
 */
export function viewIdMapOf(record: ContainerRecord, rootless: RootlessRuntime | undefined): ViewIdMap | undefined {
  if (!rootless || record.HostConfig.UsernsMode !== 'keep-id') return undefined;
  return { uid: keepIdMappings(rootless.uid, rootless.uidSize), gid: keepIdMappings(rootless.gid, rootless.gidSize) };
}

/** Pure: the ID in hull's namespace that a container ID of a keep-id container is (its spec mapping). */
export function outerId(mappings: readonly SpecIdMapping[], id: number): number {
  const m = mappings.find((x) => id >= x.containerID && id < x.containerID + x.size);
  return m ? m.hostID + (id - m.containerID) : id;
}

export interface HostUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

const SAFE_FIELD = /^[A-Za-z0-9._@/ -]+$/;

/** The user's entry in the host's /etc/passwd (read inside the user namespace: the same file). */
export function findHostUser(uid: number, gid: number, passwdText = readText('/etc/passwd')): HostUser {
  const line = passwdText.split('\n').find((l) => l.split(':')[2] === String(uid));
  const f = line?.split(':') ?? [];
  const name = f[0] && SAFE_FIELD.test(f[0]) && !f[0].includes('/') ? f[0] : `user${uid}`;
  const home = f[5] && SAFE_FIELD.test(f[5]) && posix.isAbsolute(f[5]) ? f[5] : `/home/${name}`;
  return { name, uid, gid, home, shell: '/bin/sh' };
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Appends `line` to a file inside the rootfs (created when missing), never following a final symlink. */
function appendInRoot(rootfs: string, path: string, line: string): void {
  const host = resolveInRoot(rootfs, path);
  if (!existsSync(posix.dirname(host))) return;
  const fd = openSync(host, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  try {
    const before = readFileSync(host, 'utf8');
    writeSync(fd, `${before === '' || before.endsWith('\n') ? '' : '\n'}${line}\n`);
  } finally {
    closeSync(fd);
  }
}

/** Makes the keep-id user known inside the container (see the file comment); returns the `uid:gid` it runs as by default. */
export function addKeepIdUser(rootfs: string, user: HostUser): string {
  const passwd = parsePasswd(readText(resolveInRoot(rootfs, '/etc/passwd')));
  if (!passwd.some((p) => p.uid === user.uid) && !passwd.some((p) => p.name === user.name)) {
    appendInRoot(rootfs, '/etc/passwd', `${user.name}:*:${user.uid}:${user.gid}:${user.name}:${user.home}:${user.shell}`);
    // Made by hull, the namespace's root: that is the user's own uid inside a keep-id container.
    const home = resolveInRoot(rootfs, user.home);
    if (!existsSync(home)) mkdirSync(home, { recursive: true, mode: 0o755 });
  }
  const groups = parseGroup(readText(resolveInRoot(rootfs, '/etc/group')));
  if (!groups.some((g) => g.gid === user.gid) && !groups.some((g) => g.name === user.name)) appendInRoot(rootfs, '/etc/group', `${user.name}:x:${user.gid}:`);
  return `${user.uid}:${user.gid}`;
}
