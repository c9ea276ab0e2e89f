/**
 * Preparing a container's OCI bundle: mount its rootfs (the snapshotter's mounts, as data),
 * resolve the user inside the image, create the working directory, check the command, write the
 * /etc files and config.json. Pure decisions live in generateSpec; this is the effectful edge.
 */
import { chownSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { HullError, showUntrusted } from '../errors.js';
import { writeJsonAtomic } from '../sys/atomic-write.js';
import { applyMount, unmountIfMounted } from '../sys/mount.js';
import { readHostLimits } from '../sys/host-limits.js';
import { resolveInRoot } from '../sys/safe-path.js';
import { generateSpec } from '../runtime/spec.js';
import { applyRootless, type RootlessRuntime } from '../runtime/rootless.js';
import { applySecurity, readSecurityHost } from '../runtime/security.js';
import { applyResources, readSwapAccounting } from '../runtime/resources.js';
import { applyDevices, resolveDevices } from '../runtime/devices.js';
import { populateVolume } from '../volumes/resolve.js';
import { which } from '../sys/which.js';
import { resourcesOf, securityOf } from './host-options.js';
import { findGroupId, resolveUser, type ResolvedUser } from '../runtime/user.js';
import { applyKernelOptions, type KernelOptions } from '../runtime/kernel-options.js';
import { checkExecutable } from '../runtime/exec-check.js';
import type { Snapshotter, ViewIdMap } from '../snapshots/snapshotter.js';
import type { RuntimeSpec } from '../oci/runtime-spec.js';
import { mergeEnv } from '../oci/env.js';
import { writeEtcFiles } from './etc-files.js';
import { addKeepIdUser, findHostUser, outerId, viewIdMapOf } from './keep-id.js';
import type { ContainerPaths } from './paths.js';
import type { ContainerRecord } from './record.js';
import type { NetworkAttachment } from '../network/service.js';

export async function mountRootfs(snapshotter: Snapshotter, record: ContainerRecord, paths: ContainerPaths, rootless?: RootlessRuntime): Promise<void> {
  mkdirSync(paths.rootfs, { recursive: true });
  await unmountIfMounted(paths.rootfs);
  for (const m of snapshotter.viewMounts(record.Id, record.ImageChainId, viewIdMapOf(record, rootless))) await applyMount(m, paths.rootfs);
}

/**
 * docker creates a missing working directory, owned by the container's user: as hull's namespace
 * sees that user, which a keep-id container's own user namespace shifts (`idMap`).
 */
function ensureWorkdir(rootfs: string, dir: string, user: ResolvedUser, idMap: ViewIdMap | undefined): void {
  const host = resolveInRoot(rootfs, dir);
  if (existsSync(host)) return;
  mkdirSync(host, { recursive: true, mode: 0o755 });
  chownSync(host, idMap ? outerId(idMap.uid, user.uid) : user.uid, idMap ? outerId(idMap.gid, user.gid) : user.gid);
}

export function processEnv(record: ContainerRecord, user: ResolvedUser, extra: string[] = []): string[] {
  return mergeEnv([`HOSTNAME=${record.Config.Hostname}`, `HOME=${user.home}`], record.Config.Env, extra);
}

/** Writes the runtime bundle (config.json, /etc files) for a container whose rootfs is mounted. */
export function prepareBundle(record: ContainerRecord, paths: ContainerPaths, net: NetworkAttachment | undefined, kernel: KernelOptions = {}, rootless?: RootlessRuntime): RuntimeSpec {
  const c = record.Config;
  refuseLinkedMountDirs(paths.rootfs, record.Name);
  // keep-id runs as the user's own ids unless --user says otherwise (--user 0 is root, as in podman).
  const keepId = rootless !== undefined && record.HostConfig.UsernsMode === 'keep-id';
  const keepIdUser = keepId ? addKeepIdUser(paths.rootfs, findHostUser(rootless.uid, rootless.gid)) : undefined;
  const user = resolveUser(paths.rootfs, c.User || keepIdUser);
  ensureWorkdir(paths.rootfs, c.WorkingDir, user, viewIdMapOf(record, rootless));
  const env = processEnv(record, user);
  checkExecutable(paths.rootfs, record.Path, env, c.WorkingDir);
  const base = generateSpec({
    id: record.Id,
    rootfs: paths.rootfs,
    args: [record.Path, ...record.Args],
    env,
    cwd: c.WorkingDir,
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    hostname: c.Hostname,
    terminal: c.Tty,
    etcFiles: writeEtcFiles(paths.bundle, c.Hostname, net?.etc),
    hostLimits: readHostLimits(),
    readonlyRootfs: record.HostConfig.ReadonlyRootfs,
    ...(net?.netnsPath ? { netnsPath: net.netnsPath } : {}),
    ...(record.HostConfig.CgroupParent ? { cgroupParent: record.HostConfig.CgroupParent } : {}),
  });
  // --network host: no network namespace at all.
  if (net?.hostNetwork) base.linux.namespaces = base.linux.namespaces.filter((ns) => ns.type !== 'network');
  const hc = record.HostConfig;
  const security = securityOf(hc);
  let spec = applySecurity(base, security, readSecurityHost(security));
  spec = applyResources(spec, resourcesOf(hc), { swapAccounting: readSwapAccounting() });
  spec = applyDevices(spec, (hc.Devices ?? []).flatMap((d) => resolveDevices(typeof d === 'string' ? d : { hostPath: d.PathOnHost, containerPath: d.PathInContainer ?? d.PathOnHost, permissions: d.CgroupPermissions ?? 'rwm' })));
  spec = withMountPropagation({ ...spec, mounts: [...spec.mounts, ...(record.MountState?.spec ?? [])] });
  const groupAdd = (hc.GroupAdd ?? []).map((g) => (/^\d+$/.test(g) ? Number(g) : groupId(paths.rootfs, g, record.Name)));
  spec = applyKernelOptions(spec, { ...kernel, groupAdd }, readOwnOomScoreAdj());
  if (hc.Init) spec = withInit(spec);
  if (rootless) spec = applyRootless(spec, rootless, { keepId });
  // The network is still being set up: the container's process waits at its gate.
  if (net?.pending) spec = { ...spec, hooks: { createRuntime: [net.pending.hook] } };
  for (const v of record.MountState?.pendingCopies ?? []) populateVolume(v.mountpoint, paths.rootfs, v.path);
  writeJsonAtomic(paths.config, spec, { ephemeral: true });
  return spec;
}

/**
 * runc mounts /dev, /proc, /sys and /run and creates device nodes in /dev: an image whose one of
 * these is a symbolic link would have runc 1.1 follow it (to the host, for an absolute target).
 * Such an image is refused before runc sees it.
 */
function refuseLinkedMountDirs(rootfs: string, name: string): void {
  for (const dir of ['dev', 'proc', 'sys', 'run']) {
    const st = lstatSync(join(rootfs, dir), { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) {
      throw new HullError('UNSAFE_ARCHIVE', `Cannot start container "${name}": the image's /${dir} is a symbolic link (to "${showUntrusted(readlinkSync(join(rootfs, dir)))}"), which the runtime would follow when it mounts /${dir}`, { hint: `rebuild the image with /${dir} as a directory` });
    }
  }
}

/** A --group-add name, from the image's /etc/group. */
function groupId(rootfs: string, name: string, container: string): number {
  const gid = findGroupId(rootfs, name);
  if (gid === undefined) throw new HullError('NOT_FOUND', `Cannot start container "${container}": --group-add "${name}" is not in the image's /etc/group`, { hint: 'give a numeric gid, or a group the image defines' });
  return gid;
}

/** hull's own OOM score: the lowest a container may get without CAP_SYS_RESOURCE. */
function readOwnOomScoreAdj(): number {
  try {
    return Number(readFileSync('/proc/self/oom_score_adj', 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

/** Where catatonit is mounted inside the container (podman uses /run/podman-init). */
export const INIT_PATH = '/run/hull-init';

/** --init: catatonit from the host becomes PID 1 and runs the command as its child. */
function withInit(spec: RuntimeSpec): RuntimeSpec {
  const catatonit = which('catatonit') ?? '/usr/libexec/podman/catatonit';
  if (!existsSync(catatonit)) throw new HullError('NOT_FOUND', 'Cannot use --init: catatonit is not installed', { hint: 'apt-get install catatonit' });
  return {
    ...spec,
    process: { ...spec.process, args: [INIT_PATH, '--', ...spec.process.args] },
    mounts: [...spec.mounts, { destination: INIT_PATH, type: 'bind', source: catatonit, options: ['bind', 'ro', 'nosuid', 'nodev'] }],
  };
}

export function requireRunning(record: ContainerRecord, action: string): void {
  if (record.State.Status !== 'running') {
    throw new HullError('CONFLICT', `Cannot ${action} container "${record.Name}": it is ${record.State.Status}, not running`, {
      hint: record.State.Status === 'paused' ? `unpause it first ("hull unpause ${record.Name}")` : `start it first ("hull start ${record.Name}")`,
    });
  }
}

/**
 * A slave or shared bind mount only propagates if the container's root does: with the default
 * rprivate root, runc would make the source's copy private first. docker and containerd raise the
 * root's propagation to rslave (or rshared) when a mount asks for it; so does hull.
 */
export function withMountPropagation(spec: RuntimeSpec): RuntimeSpec {
  const opts = spec.mounts.flatMap((m) => m.options ?? []);
  const wanted = opts.some((o) => o === 'rshared' || o === 'shared') ? 'rshared' : opts.some((o) => o === 'rslave' || o === 'slave') ? 'rslave' : undefined;
  return wanted ? { ...spec, linux: { ...spec.linux, rootfsPropagation: wanted } } : spec;
}
