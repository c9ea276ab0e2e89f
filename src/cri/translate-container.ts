/**
 * CreateContainer's ContainerConfig -> the engine's ContainerCreateRequest (Docker's body with
 * hull's `Pod` extension). Pure: every check happens in the core, which treats this request as it
 * treats `hull create --pod`. CRI semantics kept here:
 *  - command replaces the image's ENTRYPOINT and args its CMD (kubelet's command/args);
 *  - no_new_privs false must be said (hull's default is true); a missing seccomp profile is
 *    unconfined, as in containerd and critest ("seccomp default which is unconfined");
 *  - host paths of mounts are created when missing (containerd does), so they go as Binds;
 *  - a negative oom_score_adj below hull's own is clamped by the core (restrict_oom_score_adj).
 * Metadata the CRI must give back (names, attempt, sandbox, annotations, log path) is kept in
 * labels under io.hull.cri.* (labels.ts), so nothing lives only in the server's memory.
 */
import { HullError, showUntrusted } from '../errors.js';
import { boundedName } from './labels.js';
import type { ContainerCreateRequest } from '../engine/requests.js';
import { containerLabels } from './labels.js';
import type { CriContainerConfig, CriMount, CriSecurityProfile, CriSandboxConfig } from './messages.js';


export interface ContainerTarget {
  sandboxId: string;
  /** The pod's name or ID in the engine. */
  pod: string;
  sandboxConfig: CriSandboxConfig | null | undefined;
  /** The engine container ID of a TARGET pid namespace, resolved by the caller. */
  targetContainer?: string;
}

const PROPAGATION: Record<string, string> = { PROPAGATION_PRIVATE: 'rprivate', PROPAGATION_HOST_TO_CONTAINER: 'rslave', PROPAGATION_BIDIRECTIONAL: 'rshared' };

/** `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`: the name kubelet's dockershim used, unique per attempt. */
export function containerName(c: CriContainerConfig, s: CriSandboxConfig | null | undefined): string {
  const m = s?.metadata;
  return boundedName(`k8s_${c.metadata?.name ?? ''}_${m?.name ?? ''}_${m?.namespace ?? ''}_${m?.uid ?? ''}_${c.metadata?.attempt ?? 0}`);
}

function bad(what: string, why: string): HullError {
  return new HullError('INVALID_ARGUMENT', `Cannot create container: ${what} ${why}`);
}

function bindOf(m: CriMount): string {
  if (!m.host_path || !m.container_path) throw bad('a mount', 'needs host_path and container_path');
  if (m.host_path.includes(':') || m.container_path.includes(':')) throw bad(`mount "${showUntrusted(m.host_path)}"`, 'has a ":" in a path, which hull cannot bind');
  const opts = [m.readonly ? 'ro' : 'rw', PROPAGATION[m.propagation ?? 'PROPAGATION_PRIVATE'] ?? 'rprivate'];
  return `${m.host_path}:${m.container_path}:${opts.join(',')}`;
}

/** The security profile as a docker --security-opt value, or undefined for the runtime's default. */
function profileOpt(kind: 'seccomp' | 'apparmor', p: CriSecurityProfile | null | undefined, legacy: string | undefined): string | undefined {
  if (p) {
    if (p.profile_type === 'Unconfined') return `${kind}=unconfined`;
    if (p.profile_type === 'Localhost') {
      if (!p.localhost_ref) throw bad(`the ${kind} profile`, 'is Localhost without localhost_ref');
      return `${kind}=${p.localhost_ref.replace(/^localhost\//, '')}`;
    }
    return undefined;
  }
  // The deprecated string fields: "runtime/default", "docker/default", "unconfined", "localhost/PATH".
  if (legacy === undefined || legacy === '') return kind === 'seccomp' ? 'seccomp=unconfined' : undefined;
  if (legacy === 'unconfined') return `${kind}=unconfined`;
  if (legacy.startsWith('localhost/')) return `${kind}=${legacy.slice('localhost/'.length)}`;
  if (legacy === 'runtime/default' || legacy === 'docker/default') return undefined;
  throw bad(`the ${kind} profile "${showUntrusted(legacy)}"`, 'is not runtime/default, docker/default, unconfined or localhost/PATH');
}

function userOf(sc: NonNullable<NonNullable<CriContainerConfig['linux']>['security_context']>): string | undefined {
  const group = sc.run_as_group?.value;
  // The CRI: a group alone would leave the image's user with another group, so it is refused.
  if (group !== undefined && sc.run_as_user?.value === undefined && !sc.run_as_username) throw bad('the security context', 'sets run_as_group without run_as_user or run_as_username');
  if (sc.run_as_user?.value !== undefined) return group !== undefined ? `${sc.run_as_user.value}:${group}` : sc.run_as_user.value;
  if (sc.run_as_username) return group !== undefined ? `${sc.run_as_username}:${group}` : sc.run_as_username;
  return undefined;
}

const num = (v: string | number | undefined): number => (v === undefined || v === '' ? 0 : Number(v));

export function translateContainer(c: CriContainerConfig, t: ContainerTarget): { name: string; request: ContainerCreateRequest } {
  if (!c.metadata?.name) throw bad('the container metadata', 'has no name');
  if (!c.image?.image) throw bad(`"${showUntrusted(c.metadata.name)}"`, 'names no image');
  const linux = c.linux ?? {};
  const sc = linux.security_context ?? {};
  const r = linux.resources ?? {};
  const ns = sc.namespace_options ?? {};
  const securityOpt = [`no-new-privileges=${sc.no_new_privs ? 'true' : 'false'}`];
  const seccomp = profileOpt('seccomp', sc.seccomp, sc.seccomp_profile_path);
  if (seccomp && !sc.privileged) securityOpt.push(seccomp);
  const apparmor = profileOpt('apparmor', sc.apparmor, sc.apparmor_profile);
  if (apparmor && !sc.privileged) securityOpt.push(apparmor);
  const user = userOf(sc);
  const logDir = t.sandboxConfig?.log_directory;
  const logPath = c.log_path && logDir ? `${logDir.replace(/\/+$/, '')}/${c.log_path}` : undefined;
  const stopSignal = c.stop_signal && c.stop_signal !== 'SIGNAL_RUNTIME_DEFAULT' ? c.stop_signal.replace(/^SIGNAL_/, '') : undefined;
  const request: ContainerCreateRequest = {
    Pod: t.pod,
    Config: {
      Image: c.image.image,
      ...(c.command?.length ? { Entrypoint: c.command } : {}),
      ...(c.args?.length ? { Cmd: c.args } : c.command?.length ? { Cmd: [] } : {}),
      ...(c.working_dir ? { WorkingDir: c.working_dir } : {}),
      Env: (c.envs ?? []).map((e) => `${e.key}=${e.value}`),
      Labels: containerLabels(c, t.sandboxId, logPath),
      Tty: c.tty ?? false,
      OpenStdin: c.stdin ?? false,
      StdinOnce: c.stdin_once ?? false,
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      ...(user ? { User: user } : {}),
      ...(stopSignal ? { StopSignal: stopSignal } : {}),
    },
    HostConfig: {
      Binds: (c.mounts ?? []).map(bindOf),
      Devices: (c.devices ?? []).map((d) => ({ PathOnHost: d.host_path, PathInContainer: d.container_path || d.host_path, CgroupPermissions: d.permissions || 'rwm' })),
      LogConfig: { Type: 'k8s-file', Config: logPath ? { path: logPath } : {} },
      Privileged: sc.privileged ?? false,
      ReadonlyRootfs: sc.readonly_rootfs ?? false,
      CapAdd: sc.capabilities?.add_capabilities ?? [],
      CapDrop: sc.capabilities?.drop_capabilities ?? [],
      GroupAdd: (sc.supplemental_groups ?? []).map(String),
      SecurityOpt: securityOpt,
      ...(sc.masked_paths?.length ? { MaskedPaths: sc.masked_paths } : {}),
      ...(sc.readonly_paths?.length ? { ReadonlyPaths: sc.readonly_paths } : {}),
      ...(num(r.cpu_shares) ? { CpuShares: num(r.cpu_shares) } : {}),
      ...(num(r.cpu_quota) > 0 ? { CpuQuota: num(r.cpu_quota), CpuPeriod: num(r.cpu_period) || 100000 } : {}),
      ...(num(r.memory_limit_in_bytes) ? { Memory: num(r.memory_limit_in_bytes) } : {}),
      ...(num(r.memory_swap_limit_in_bytes) ? { MemorySwap: num(r.memory_swap_limit_in_bytes) } : {}),
      ...(num(r.oom_score_adj) ? { OomScoreAdj: num(r.oom_score_adj) } : {}),
      ...(r.cpuset_cpus ? { CpusetCpus: r.cpuset_cpus } : {}),
      ...(r.cpuset_mems ? { CpusetMems: r.cpuset_mems } : {}),
      // pid TARGET: the namespace of another container of the pod (kubectl debug --target).
      ...(ns.pid === 'TARGET' && t.targetContainer ? { PidMode: `container:${t.targetContainer}` } : {}),
      // hostPID / hostIPC pods (the pod shares neither then: translate-sandbox.ts).
      ...(ns.pid === 'NODE' ? { PidMode: 'host' } : {}),
      ...(ns.ipc === 'NODE' ? { IpcMode: 'host' } : {}),
    },
  };
  return { name: containerName(c, t.sandboxConfig), request };
}
