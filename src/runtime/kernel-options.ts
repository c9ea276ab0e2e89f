/**
 * The rest of docker's run flags that reach the kernel, as pure spec functions
 * (runtime-spec config-linux.md): sharing the host's or another container's pid and IPC namespaces
 * (`--pid`, `--ipc`), namespaced sysctls (`--sysctl`), the OOM score (`--oom-score-adj`),
 * supplementary groups (`--group-add`), and the cpuset, memory reservation and OOM-killer
 * switches of linux.resources.
 *
 * The OOM score is clamped to hull's own: lowering it needs CAP_SYS_RESOURCE, which root here
 * lacks (runc would fail the whole start), as containerd's `restrict_oom_score_adj` does.
 */
import { HullError } from '../errors.js';
import type { RuntimeSpec } from '../oci/runtime-spec.js';

/** `host`, `private` (the default), or a container's namespace, joined through its init's pid or a pinned file (runtime/pinned-ns.ts). */
export type NamespaceMode = { kind: 'private' } | { kind: 'host' } | { kind: 'container'; pid: number } | { kind: 'path'; path: string };

export interface KernelOptions {
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  /** Shared UTS (a pod's): the hostname is the namespace's, so the spec sets none. */
  uts?: NamespaceMode;
  sysctls?: Record<string, string>;
  oomScoreAdj?: number;
  groupAdd?: number[];
  cpusetCpus?: string;
  cpusetMems?: string;
  memoryReservation?: number;
  oomKillDisable?: boolean;
}

/** Sysctls that belong to a namespace a container owns (docker's list, linux/sysctl.go). */
const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

/** Pure: refuses a sysctl that would change the host (not namespaced, or a shared namespace's). */
export function checkSysctl(name: string, value: string, shared: { hostNetwork: boolean; hostIpc: boolean }): void {
  const refuse = (why: string) => new HullError('INVALID_ARGUMENT', `Cannot set --sysctl "${name}=${value}": ${why}`, { hint: 'namespaced sysctls only: net.* (not with --network host), kernel.shm*/msg*/sem and fs.mqueue.* (not with --ipc host)' });
  if (!/^[a-z0-9_]+(\.[a-zA-Z0-9_-]+)+$/.test(name)) throw refuse('not a sysctl name');
  if (/[\n\0]/.test(value)) throw refuse('the value has a line break');
  const ipc = IPC_SYSCTLS.has(name) || name.startsWith('fs.mqueue.');
  if (ipc) {
    if (shared.hostIpc) throw refuse('the container shares the host\'s IPC namespace');
    return;
  }
  if (name.startsWith('net.')) {
    if (shared.hostNetwork) throw refuse('the container shares the host\'s network namespace');
    return;
  }
  throw refuse('it is not namespaced, so it would change the host');
}

/** Pure: the score a container may get: never below hull's own (see the file comment). */
export function clampOomScoreAdj(wanted: number, own: number): number {
  return Math.max(Math.min(wanted, 1000), own, -1000);
}

function withNamespace(spec: RuntimeSpec, type: 'pid' | 'ipc' | 'uts', mode: NamespaceMode | undefined): RuntimeSpec {
  if (!mode || mode.kind === 'private') return spec;
  const rest = spec.linux.namespaces.filter((n) => n.type !== type);
  const namespaces = mode.kind === 'host' ? rest : [...rest, { type, path: mode.kind === 'path' ? mode.path : `/proc/${mode.pid}/ns/${type}` }];
  return { ...spec, linux: { ...spec.linux, namespaces } };
}

/** Pure: applies the options to a spec; `ownOomScoreAdj` is hull's own score (read at the edge). */
export function applyKernelOptions(spec: RuntimeSpec, o: KernelOptions, ownOomScoreAdj: number): RuntimeSpec {
  let out = withNamespace(withNamespace(withNamespace(spec, 'pid', o.pid), 'ipc', o.ipc), 'uts', o.uts);
  // runc refuses to set a hostname without a UTS namespace of its own; a joined one already has its name.
  if (o.uts && o.uts.kind !== 'private') {
    const { hostname: _unused, ...rest } = out;
    out = rest;
  }
  if (o.pid?.kind === 'host') out = { ...out, linux: { ...out.linux, maskedPaths: [], readonlyPaths: [] } }; // the host's /proc: docker unmasks it too
  const process = { ...out.process };
  if (o.oomScoreAdj !== undefined) process.oomScoreAdj = clampOomScoreAdj(o.oomScoreAdj, ownOomScoreAdj);
  if (o.groupAdd?.length) process.user = { ...process.user, additionalGids: [...new Set([...(process.user.additionalGids ?? []), ...o.groupAdd])] };
  const resources = { ...out.linux.resources };
  if (o.cpusetCpus || o.cpusetMems) resources.cpu = { ...resources.cpu, ...(o.cpusetCpus ? { cpus: o.cpusetCpus } : {}), ...(o.cpusetMems ? { mems: o.cpusetMems } : {}) };
  if (o.memoryReservation || o.oomKillDisable) resources.memory = { ...resources.memory, ...(o.memoryReservation ? { reservation: o.memoryReservation } : {}), ...(o.oomKillDisable ? { disableOOMKiller: true } : {}) };
  const linux = { ...out.linux, resources, ...(o.sysctls && Object.keys(o.sysctls).length > 0 ? { sysctl: { ...out.linux.sysctl, ...o.sysctls } } : {}) };
  return { ...out, process, linux };
}
