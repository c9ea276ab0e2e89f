/**
 * Where a path of a container lives on the host for `cp`: in its root filesystem, or in a volume or
 * bind mounted over part of it (docker's cp sees those too). The longest mount destination that
 * holds the path wins; a tmpfs exists only inside the running container, so a path in one is
 * refused with the reason. Reads see the /etc files hull binds in (hosts, hostname, resolv.conf).
 */
import { readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { HullError } from '../errors.js';
import type { ContainerRecord } from './record.js';

/** One of the files hull binds over the image's (/etc/hosts, /etc/hostname, /etc/resolv.conf): what the container sees there. */
export interface EtcFileMount {
  destination: string;
  source: string;
  type: 'bind';
}

const ETC_FILES = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf'];

/** The /etc files of a container's bundle (its runtime spec, once it was started): reading them reads what the container sees. */
export function etcFileMounts(bundle: string): EtcFileMount[] {
  try {
    const spec = JSON.parse(readFileSync(posix.join(bundle, 'config.json'), 'utf8')) as { mounts?: Array<{ destination: string; source?: string; type?: string }> };
    return (spec.mounts ?? []).filter((m) => ETC_FILES.includes(m.destination) && m.type === 'bind' && typeof m.source === 'string').map((m) => ({ destination: m.destination, source: m.source as string, type: 'bind' }));
  } catch {
    return []; // never started: the image's own files are what it has
  }
}

export interface CopyRoot {
  /** The host directory the path is resolved in, never left (chroot-style). */
  root: string;
  /** The path inside `root`. */
  path: string;
}

export function copyRootFor(record: ContainerRecord, rootfs: string, containerPath: string, etcFiles: readonly EtcFileMount[] = []): CopyRoot {
  const wanted = posix.normalize(posix.join('/', containerPath));
  const mount = [...(record.MountState?.spec ?? []), ...etcFiles]
    .filter((m) => wanted === m.destination || wanted.startsWith(`${m.destination.replace(/\/$/, '')}/`))
    .sort((a, b) => b.destination.length - a.destination.length)[0];
  if (!mount) return { root: rootfs, path: wanted };
  if (mount.type === 'tmpfs') throw new HullError('UNSUPPORTED', `Cannot copy "${containerPath}" of container "${record.Name}": it is on a tmpfs mounted at ${mount.destination}, which only the running container sees`, { hint: `use "hull exec ${record.Name} cat ${wanted}" or "tar" through exec` });
  const rest = posix.relative(mount.destination, wanted);
  const source = mount.source ?? '';
  // A bind of one file: its directory is the root, the file the path.
  if (rest === '' && statSync(source, { throwIfNoEntry: false })?.isFile()) return { root: posix.dirname(source), path: `/${posix.basename(source)}` };
  return { root: source, path: `/${rest}` };
}
