/** The Mount of a fuse-overlayfs view (overlay.ts and fuse-overlay.ts both make one; no class here, so no import cycle). */
import { closeSync, constants, openSync, statSync } from 'node:fs';
import { errnoCode } from '../errors.js';
import { FUSE_OVERLAY, type Mount } from '../sys/mount.js';
import { which } from '../sys/which.js';
import type { ViewIdMap } from './snapshotter.js';

/**
 * A fuse-overlayfs mount; with `idMap`, its uidmapping/gidmapping options shift IDs as the
 * container's user namespace will shift them back (fuse-overlayfs(1): DISK:SHOWN:COUNT, which is a
 * spec mapping's containerID:hostID:size), so the container sees the image's own owners.
 */
export function fuseOverlayMount(options: string[], idMap?: ViewIdMap): Mount {
  const map = (ms: ViewIdMap['uid']) => ms.map((m) => `${m.containerID}:${m.hostID}:${m.size}`).join(':');
  const shift = idMap ? [`uidmapping=${map(idMap.uid)}`, `gidmapping=${map(idMap.gid)}`] : [];
  return { type: FUSE_OVERLAY, source: FUSE_OVERLAY, options: [...options, ...shift] };
}

/** Why /dev/fuse cannot be opened by this process, or undefined when it can. */
export function devFuseProblem(): string | undefined {
  try {
    closeSync(openSync('/dev/fuse', constants.O_RDWR));
    return undefined;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return '/dev/fuse does not exist (modprobe fuse)';
    const mode = statSync('/dev/fuse', { throwIfNoEntry: false })?.mode;
    const shown = mode === undefined ? '' : ` (mode 0${(mode & 0o777).toString(8)})`;
    return `cannot open /dev/fuse${shown}: ${code ?? String(err)}${code === 'EACCES' ? '; as root: chmod 0666 /dev/fuse' : ''}`;
  }
}

let usable: boolean | undefined;

/** Whether this process can mount fuse-overlayfs: the program is installed and /dev/fuse opens. */
export function fuseOverlayUsable(): boolean {
  return (usable ??= which(FUSE_OVERLAY) !== undefined && devFuseProblem() === undefined);
}
