/**
 * Mounts as data (principle 3): snapshotters return `Mount` values; only this module turns them
 * into mount(2) calls, through mount(8) since Node has no mount binding.
 */
import { readFileSync } from 'node:fs';
import { execOrThrow, execCapture } from './exec.js';

export interface Mount {
  type: string;
  source: string;
  options: string[];
}

/** The Mount type of a fuse-overlayfs view: mounted by that program, not mount(8). */
export const FUSE_OVERLAY = 'fuse-overlayfs';

/**
 * Pure: the argv that mounts `m` on `target`: mount(8), or for fuse-overlayfs the program itself
 * (it takes overlay's lowerdir/upperdir/workdir options and stays as the daemon serving the mount,
 * until an umount of `target` ends it; fuse-overlayfs(1)).
 */
export function mountArgv(m: Mount, target: string): string[] {
  if (m.type === FUSE_OVERLAY) return [FUSE_OVERLAY, '-o', m.options.join(','), target];
  const argv = ['mount', '-t', m.type];
  const bind = m.options.includes('bind') || m.options.includes('rbind');
  if (bind) argv.splice(1, 2, m.options.includes('rbind') ? '--rbind' : '--bind');
  const opts = m.options.filter((o) => o !== 'bind' && o !== 'rbind');
  if (opts.length > 0) argv.push('-o', opts.join(','));
  argv.push(m.source, target);
  return argv;
}

export async function applyMount(m: Mount, target: string): Promise<void> {
  await execOrThrow(mountArgv(m, target), `mount ${m.type} on "${target}"`);
}

export function isMountPoint(target: string): boolean {
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  // Field 5 is the mount point, with spaces escaped as \040.
  return mountinfo.split('\n').some((line) => line.split(' ')[4]?.replace(/\\040/g, ' ') === target);
}

/** Unmounts if mounted; lazy (-l) so a busy mount never blocks cleanup. */
export async function unmountIfMounted(target: string): Promise<void> {
  if (!isMountPoint(target)) return;
  const r = await execCapture(['umount', target]);
  if (r.code !== 0 && isMountPoint(target)) await execOrThrow(['umount', '-l', target], `unmount "${target}"`);
}
