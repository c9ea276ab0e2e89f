/**
 * Where a path of a container lives on the host for `cp`: in its root filesystem, or in a volume or
 * bind mounted over part of it (docker's cp sees those too). The longest mount destination that
 * holds the path wins; a tmpfs exists only inside the running container, so a path in one is
 * refused with the reason.
 */
import { statSync } from 'node:fs';
import { posix } from 'node:path';
import { HullError } from '../errors.js';
import type { ContainerRecord } from './record.js';

export interface CopyRoot {
  /** The host directory the path is resolved in, never left (chroot-style). */
  root: string;
  /** The path inside `root`. */
  path: string;
}

export function copyRootFor(record: ContainerRecord, rootfs: string, containerPath: string): CopyRoot {
  const wanted = posix.normalize(posix.join('/', containerPath));
  const mount = (record.MountState?.spec ?? [])
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
