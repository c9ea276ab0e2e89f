/**
 * Preparing a container's OCI bundle: mount its rootfs (the snapshotter's mounts, as data),
 * resolve the user inside the image, create the working directory, check the command, write the
 * /etc files and config.json. Pure decisions live in generateSpec; this is the effectful edge.
 */
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import { HullError } from '../errors.js';
import { writeJsonAtomic } from '../sys/atomic-write.js';
import { applyMount, unmountIfMounted } from '../sys/mount.js';
import { readHostLimits } from '../sys/host-limits.js';
import { resolveInRoot } from '../sys/safe-path.js';
import { generateSpec } from '../runtime/spec.js';
import { resolveUser, type ResolvedUser } from '../runtime/user.js';
import { checkExecutable } from '../runtime/exec-check.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import type { RuntimeSpec } from '../oci/runtime-spec.js';
import { mergeEnv } from './config.js';
import { writeEtcFiles } from './etc-files.js';
import type { ContainerPaths } from './paths.js';
import type { ContainerRecord } from './record.js';

export async function mountRootfs(snapshotter: Snapshotter, record: ContainerRecord, paths: ContainerPaths): Promise<void> {
  mkdirSync(paths.rootfs, { recursive: true });
  await unmountIfMounted(paths.rootfs);
  for (const m of snapshotter.viewMounts(record.Id, record.ImageChainId)) await applyMount(m, paths.rootfs);
}

/** docker creates a missing working directory, owned by the container's user. */
function ensureWorkdir(rootfs: string, dir: string, user: ResolvedUser): void {
  const host = resolveInRoot(rootfs, dir);
  if (existsSync(host)) return;
  mkdirSync(host, { recursive: true, mode: 0o755 });
  chownSync(host, user.uid, user.gid);
}

export function processEnv(record: ContainerRecord, user: ResolvedUser, extra: string[] = []): string[] {
  return mergeEnv([`HOSTNAME=${record.Config.Hostname}`, `HOME=${user.home}`], record.Config.Env, extra);
}

export async function prepareBundle(snapshotter: Snapshotter, record: ContainerRecord, paths: ContainerPaths): Promise<RuntimeSpec> {
  await mountRootfs(snapshotter, record, paths);
  const c = record.Config;
  const user = resolveUser(paths.rootfs, c.User);
  ensureWorkdir(paths.rootfs, c.WorkingDir, user);
  const env = processEnv(record, user);
  checkExecutable(paths.rootfs, record.Path, env, c.WorkingDir);
  const spec = generateSpec({
    id: record.Id,
    rootfs: paths.rootfs,
    args: [record.Path, ...record.Args],
    env,
    cwd: c.WorkingDir,
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    hostname: c.Hostname,
    terminal: c.Tty,
    etcFiles: writeEtcFiles(paths.bundle, c.Hostname),
    hostLimits: readHostLimits(),
    readonlyRootfs: record.HostConfig.ReadonlyRootfs,
  });
  writeJsonAtomic(paths.config, spec);
  return spec;
}

export function requireRunning(record: ContainerRecord, action: string): void {
  if (record.State.Status !== 'running') {
    throw new HullError('CONFLICT', `Cannot ${action} container "${record.Name}": it is ${record.State.Status}, not running`, {
      hint: `start it first ("hull start ${record.Name}")`,
    });
  }
}
