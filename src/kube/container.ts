/**
 * One Kubernetes container as Docker's ContainerCreate body, the way kubelet asks a runtime for
 * it: `command` replaces the image's ENTRYPOINT (and then its CMD is not used), `args` its CMD;
 * env with `$(VAR)` expansion; resources.limits cpu/memory -> NanoCpus/Memory, requests memory ->
 * MemoryReservation, cpu -> CpuShares (kubelet's milli-CPU -> shares rule); securityContext, with
 * the pod's as defaults. The engine checks every field as it checks `hull create`.
 */
import type { ContainerCreateRequest, CreateHostConfig, PullPolicy } from '../engine/requests.js';
import type { Fields } from './fields.js';
import type { ConfigSources } from './config-sources.js';
import { containerEnv, expandVars, type PodFacts } from './env.js';
import { planProbes } from './probes.js';
import { cpuToNano, memoryToBytes } from './quantity.js';
import { containerMounts, type PodVolume } from './volumes.js';

export interface ContainerContext {
  pod: PodFacts;
  sources: ConfigSources;
  volumes: ReadonlyMap<string, PodVolume>;
  /** The pod's securityContext fields that containers inherit. */
  podSecurity: { runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean; seccomp?: string };
  restartPolicy: 'Always' | 'OnFailure' | 'Never';
  labels: Record<string, string>;
  stopTimeout?: number;
}

export interface ContainerPart {
  name: string;
  request: ContainerCreateRequest;
  pull: PullPolicy;
  /** containerPort/hostPort pairs with a hostPort, for the pod. */
  hostPorts: Array<{ containerPort: number; hostPort: number; hostIP?: string; protocol: 'tcp' | 'udp' | 'sctp' }>;
  user?: { uid: number; gid: number };
}

const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function pullPolicy(c: Fields): PullPolicy {
  const p = c.str('imagePullPolicy');
  switch (p) {
    case undefined:
    case 'IfNotPresent':
      return 'missing';
    case 'Always':
      return 'always';
    case 'Never':
      return 'never';
    default:
      throw c.fail('imagePullPolicy', 'must be Always, IfNotPresent or Never');
  }
}

function ports(c: Fields): { exposed: Record<string, object>; named: Map<string, number>; hostPorts: ContainerPart['hostPorts'] } {
  const exposed: Record<string, object> = {};
  const named = new Map<string, number>();
  const hostPorts: ContainerPart['hostPorts'] = [];
  for (const p of c.list('ports')) {
    const port = p.int('containerPort');
    if (port === undefined || port < 1 || port > 65535) throw p.fail('containerPort', 'must be a port number (1-65535)');
    const protocol = (p.str('protocol') ?? 'TCP').toLowerCase();
    if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') throw p.fail('protocol', 'must be TCP, UDP or SCTP');
    const name = p.str('name');
    if (name) named.set(name, port);
    exposed[`${port}/${protocol}`] = {};
    const hostPort = p.int('hostPort');
    const hostIP = p.str('hostIP');
    if (hostPort !== undefined) {
      if (hostPort < 1 || hostPort > 65535) throw p.fail('hostPort', 'must be a port number (1-65535)');
      hostPorts.push({ containerPort: port, hostPort, ...(hostIP ? { hostIP } : {}), protocol });
    } else if (hostIP) p.warn('hostIP', 'has no effect without hostPort');
    p.done();
  }
  return { exposed, named, hostPorts };
}

function resources(c: Fields, hc: CreateHostConfig): void {
  const r = c.obj('resources');
  if (!r) return;
  const read = (f: Fields | undefined, key: 'cpu' | 'memory'): number | undefined => {
    const v = f?.scalar(key);
    if (v === undefined || !f) return undefined;
    const n = key === 'cpu' ? cpuToNano(v) : memoryToBytes(v);
    if (n === undefined) throw f.fail(key, `${JSON.stringify(String(v))} is not a quantity`, key === 'cpu' ? 'write it as 0.5 or 500m' : 'write it as 128Mi or 1G');
    return n;
  };
  const limits = r.obj('limits');
  const requests = r.obj('requests');
  const cpu = read(limits, 'cpu');
  const memory = read(limits, 'memory');
  if (cpu) hc.NanoCpus = cpu;
  if (memory) hc.Memory = memory;
  const reqCpu = read(requests, 'cpu');
  const reqMemory = read(requests, 'memory');
  // kubelet: shares = milliCPU * 1024 / 1000, at least 2.
  if (reqCpu) hc.CpuShares = Math.max(2, Math.round((reqCpu / 1e6) * 1024 / 1000));
  if (reqMemory) hc.MemoryReservation = reqMemory;
  limits?.done();
  requests?.done();
  r.done();
}

function security(c: Fields, ctx: ContainerContext, hc: CreateHostConfig): { user?: string; uid?: number; gid?: number } {
  const s = c.obj('securityContext');
  const uid = s?.int('runAsUser') ?? ctx.podSecurity.runAsUser;
  const gid = s?.int('runAsGroup') ?? ctx.podSecurity.runAsGroup;
  const nonRoot = s?.bool('runAsNonRoot') ?? ctx.podSecurity.runAsNonRoot;
  if (nonRoot && uid === 0) throw (s ?? c).fail(s?.has('runAsUser') ? 'runAsUser' : undefined, 'is 0 while runAsNonRoot is true', 'give a non-zero runAsUser');
  if (nonRoot && uid === undefined) c.warn('securityContext', "runAsNonRoot without runAsUser: the image's user is not checked; give runAsUser");
  if (gid !== undefined && uid === undefined) c.warn('securityContext', 'runAsGroup without runAsUser runs as user 0 with that group');
  const user = uid !== undefined || gid !== undefined ? `${uid ?? 0}${gid !== undefined ? `:${gid}` : ''}` : undefined;
  let seccomp = ctx.podSecurity.seccomp;
  if (s) {
    const caps = s.obj('capabilities');
    if (caps) {
      const add = caps.strList('add');
      const drop = caps.strList('drop');
      if (add?.length) hc.CapAdd = add;
      if (drop?.length) hc.CapDrop = drop;
      caps.done();
    }
    if (s.bool('privileged')) hc.Privileged = true;
    if (s.bool('readOnlyRootFilesystem')) hc.ReadonlyRootfs = true;
    // hull sets no_new_privs by default (stricter than Kubernetes); only an explicit true lifts it.
    const escalation = s.bool('allowPrivilegeEscalation');
    if (escalation === true) (hc.SecurityOpt ??= []).push('no-new-privileges=false');
    const profile = s.obj('seccompProfile');
    if (profile) seccomp = readSeccomp(profile);
    s.unsupported('seLinuxOptions', 'SELinux labels are not supported by hull; ignored');
    s.unsupported('appArmorProfile');
    s.unsupported('windowsOptions');
    const proc = s.str('procMount');
    if (proc !== undefined && proc !== 'Default') s.warn('procMount', 'only the Default /proc mask is supported; ignored');
    s.done();
  }
  if (seccomp === 'Unconfined') (hc.SecurityOpt ??= []).push('seccomp=unconfined');
  return { ...(user ? { user } : {}), ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}) };
}

/** seccompProfile.type: RuntimeDefault (hull's default profile), Unconfined; Localhost is warned. */
export function readSeccomp(p: Fields): string | undefined {
  const type = p.str('type');
  if (type === 'Localhost') {
    p.warn('type', 'Localhost profiles are not supported by hull; the default profile applies');
    p.ignore('localhostProfile');
  } else if (type !== undefined && type !== 'RuntimeDefault' && type !== 'Unconfined') throw p.fail('type', 'must be RuntimeDefault, Unconfined or Localhost');
  p.done();
  return type;
}

const QUIET_DEFAULTS: Record<string, unknown> = { terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' };

/** The container as a create request; `init` marks an init container (no probes, no restarts). */
export function planContainer(c: Fields, ctx: ContainerContext, init: boolean): ContainerPart {
  const name = c.required('name');
  if (!NAME_RE.test(name) || name.length > 63) throw c.fail('name', `${JSON.stringify(name)} is not a DNS label (lower-case letters, digits and "-")`);
  const image = c.required('image');
  const pull = pullPolicy(c);
  const env = containerEnv(c, ctx.sources, ctx.pod);
  const command = c.strList('command')?.map((s) => expandVars(s, env));
  const args = c.strList('args')?.map((s) => expandVars(s, env));
  const { exposed, named, hostPorts } = ports(c);
  const hc: CreateHostConfig = {};
  resources(c, hc);
  const sec = security(c, ctx, hc);
  const { mounts, binds, tmpfs } = containerMounts(c, ctx.volumes);
  if (mounts.length) hc.Mounts = mounts;
  if (binds.length) hc.Binds = binds;
  if (Object.keys(tmpfs).length) hc.Tmpfs = tmpfs;
  const probes = init ? undefined : planProbes(c, named);
  if (init) for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) c.unsupported(p, 'init containers run to completion: their probes are ignored (as in Kubernetes)');
  const workingDir = c.str('workingDir');
  const tty = c.bool('tty') ?? false;
  const stdin = c.bool('stdin') ?? false;
  const stdinOnce = c.bool('stdinOnce') ?? false;
  c.unsupported('lifecycle', 'postStart/preStop hooks are not supported by hull; ignored');
  c.unsupported('resizePolicy');
  c.unsupported('volumeDevices');
  const restart = c.str('restartPolicy');
  if (restart !== undefined) c.warn('restartPolicy', 'sidecar init containers are not supported by hull; it runs to completion like the others');
  for (const [k, v] of Object.entries(QUIET_DEFAULTS)) {
    if (c.value[k] === undefined || c.value[k] === v) c.ignore(k);
  }
  c.done();
  if (!init) {
    if (ctx.restartPolicy === 'Always') hc.RestartPolicy = { Name: 'always' };
    else if (ctx.restartPolicy === 'OnFailure') hc.RestartPolicy = { Name: 'on-failure' };
  }
  const request: ContainerCreateRequest = {
    Config: {
      Image: image,
      ...(command !== undefined ? { Entrypoint: command } : {}),
      // With a command and no args, the image's CMD is not used (Kubernetes' rule, Docker's too
      // when Entrypoint is set).
      ...(args !== undefined ? { Cmd: args } : command !== undefined ? { Cmd: [] } : {}),
      Env: [...env].map(([k, v]) => `${k}=${v}`),
      ...(workingDir ? { WorkingDir: workingDir } : {}),
      ...(sec.user ? { User: sec.user } : {}),
      ...(Object.keys(exposed).length ? { ExposedPorts: exposed } : {}),
      ...(tty ? { Tty: true } : {}),
      ...(stdin ? { OpenStdin: true, ...(stdinOnce ? { StdinOnce: true } : {}) } : {}),
      ...(probes?.healthcheck ? { Healthcheck: probes.healthcheck, ...(probes.onFailure === 'restart' ? { HealthcheckOnFailureAction: 'restart' } : {}) } : {}),
      ...(probes?.startup ? { StartupHealthcheck: probes.startup } : {}),
      ...(ctx.stopTimeout !== undefined ? { StopTimeout: ctx.stopTimeout } : {}),
      Labels: { ...ctx.labels },
    },
    HostConfig: hc,
  };
  return { name, request, pull, hostPorts, ...(sec.uid !== undefined ? { user: { uid: sec.uid, gid: sec.gid ?? sec.uid } } : {}) };
}
