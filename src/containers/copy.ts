/**
 * `hull cp`: files between a container and the host, or a tar stream (`-`).
 *
 * Paths inside the container are resolved with symlinks clamped to its rootfs (resolveInRoot), and
 * everything written into a container goes through applyLayer, which never writes outside its
 * directory: neither a hostile tar on stdin nor a container's own symlinks can reach host files.
 * Reading out uses GNU tar/cp on the host side, which copy symlinks as symlinks (never follow them).
 * A stopped container's rootfs is mounted for the copy and unmounted after.
 */
import { existsSync, lstatSync, readlinkSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { basename, dirname, join, posix } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { HullError } from '../errors.js';
import { execOrThrow } from '../sys/exec.js';
import { isMountPoint, unmountIfMounted } from '../sys/mount.js';
import { resolveInRoot } from '../sys/safe-path.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import { mountRootfs } from './bundle.js';
import type { RootlessRuntime } from '../runtime/rootless.js';
import type { ContainerPaths } from './paths.js';
import type { ContainerRecord } from './record.js';

export async function withRootfs<T>(snapshotter: Snapshotter, record: ContainerRecord, paths: ContainerPaths, fn: (rootfs: string) => Promise<T>, rootless?: RootlessRuntime): Promise<T> {
  if (isMountPoint(paths.rootfs)) return fn(paths.rootfs);
  await mountRootfs(snapshotter, record, paths, rootless);
  try {
    return await fn(paths.rootfs);
  } finally {
    // A container started meanwhile keeps its mount.
    if (record.State.Status !== 'running') await unmountIfMounted(paths.rootfs);
  }
}

/** A tar stream of `name` inside `dir` (GNU tar: symlinks stored, not followed). */
function tarOf(dir: string, name: string, rename?: string): Readable {
  const args = ['-C', dir, '--numeric-owner', ...(rename ? [`--transform=s,^${name.replace(/[,\\^$.*[\]]/g, '\\$&')},${rename.replace(/[,\\&]/g, '\\$&')},`] : []), '-cf', '-', name];
  const child = spawn('tar', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return child.stdout;
}

export async function copyOut(rootfs: string, containerPath: string, dest: string | Writable, name: string): Promise<void> {
  const source = resolveInRoot(rootfs, containerPath);
  if (!existsSync(source)) throw new HullError('NOT_FOUND', `Cannot copy "${containerPath}" from container "${name}": no such file or directory`);
  if (typeof dest !== 'string') {
    await new Promise<void>((resolve, reject) => {
      const tar = tarOf(dirname(source), basename(source));
      tar.pipe(dest, { end: false });
      tar.on('end', resolve).on('error', reject);
    });
    return;
  }
  await execOrThrow(['cp', '-a', '--', source, dest], `copy "${containerPath}" out of container "${name}"`);
}

export async function copyIn(rootfs: string, source: string | Readable, containerPath: string, name: string): Promise<void> {
  const { applyLayer } = await import('../archive/apply-layer.js');
  const target = resolveInRoot(rootfs, containerPath);
  let destDir: string;
  let stream: Readable;
  if (typeof source !== 'string') {
    // A tar stream: extracted into the destination directory, like docker cp -.
    if (!existsSync(target) || !statSync(target).isDirectory()) throw new HullError('INVALID_ARGUMENT', `Cannot copy a tar stream into "${containerPath}" of container "${name}": it is not a directory`);
    destDir = target;
    stream = source;
  } else {
    if (!existsSync(source)) throw new HullError('NOT_FOUND', `Cannot copy "${source}" into container "${name}": no such file or directory`);
    const intoDir = existsSync(target) && statSync(target).isDirectory();
    if (!intoDir && !existsSync(dirname(target))) throw new HullError('NOT_FOUND', `Cannot copy into "${containerPath}" of container "${name}": ${posix.dirname(containerPath)} does not exist`);
    destDir = intoDir ? target : dirname(target);
    stream = tarOf(dirname(source), basename(source), intoDir ? undefined : basename(target));
  }
  await applyLayer(destDir, stream, { whiteouts: 'delete', layer: `copy into ${name}` });
}

/** Docker's container path stat (the X-Docker-Container-Path-Stat header): mode has Go's FileMode type bits. */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

const GO_MODE_DIR = 2 ** 31;
const GO_MODE_SYMLINK = 2 ** 27;

/** The path's own entry (a final symlink is not followed), its parents resolved inside the rootfs. */
export function statPath(rootfs: string, containerPath: string, name: string): PathStat {
  const clean = posix.normalize(`/${containerPath}`);
  const host = clean === '/' ? rootfs : join(resolveInRoot(rootfs, posix.dirname(clean)), posix.basename(clean));
  let st;
  try {
    st = lstatSync(host);
  } catch {
    throw new HullError('NOT_FOUND', `Cannot stat "${containerPath}" in container "${name}": no such file or directory`);
  }
  const link = st.isSymbolicLink();
  return {
    name: clean === '/' ? '/' : posix.basename(clean),
    size: st.size,
    mode: (st.mode & 0o7777) + (st.isDirectory() ? GO_MODE_DIR : 0) + (link ? GO_MODE_SYMLINK : 0),
    mtime: st.mtime.toISOString(),
    linkTarget: link ? readlinkSync(host) : '',
  };
}
