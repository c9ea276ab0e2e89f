/**
 * checkCreateRequest: the one place that decides whether a container-create request is allowed,
 * whoever sends it (the CLI's flags, the Docker API's body, compose, kube). It validates every field
 * and turns the request into a CreatePlan of parsed values; ContainerService.create only carries
 * the plan out. Pure apart from the host facts it is given.
 *
 * A field hull does not implement is refused when it asks for something (a non-zero, non-empty
 * value), and ignored at its zero value, because Docker clients send every field of the body.
 */
import { posix } from 'node:path';
import { HullError, showUntrusted } from '../errors.js';
import { computeCapabilities, securityOptionsFrom } from '../runtime/security.js';
import { checkResources, checkUlimits, ULIMIT_NAMES, type ResourceOptions } from '../runtime/resources.js';
import type { HostLimit } from '../sys/host-limits.js';
import type { RootlessRuntime } from '../runtime/rootless.js';
import { parseMountFlag, parseTmpfsFlag, parseVolumeFlag, type MountRequest } from '../volumes/mount-flags.js';
import { checkDnsOption, checkDnsSearch, checkIpFlag, checkMacAddress, parseAddHost, parseNetworkMode } from '../network/flags.js';
import { checkAlias } from '../network/service.js';
import { fromDockerBindings, checkBindings, type PortBinding } from '../network/ports.js';
import { checkWorkdir, type ProcessOptions } from './config.js';
import { checkSysctl } from '../runtime/kernel-options.js';
import { parseSignal } from '../runtime/signals.js';
import type { ContainerCreateRequest, CreateHostConfig, DeviceMapping, DockerMount, HealthConfig, RestartPolicy } from './create-request.js';
import type { HostConfig } from './record.js';
import { parseHealthOnFailure, type HealthOnFailure } from '../health/health-config.js';
import { isNetProbe, netProbeProblem } from '../health/net-probe.js';

export type HostFields = Pick<HostConfig, 'Privileged' | 'CapAdd' | 'CapDrop' | 'SecurityOpt' | 'Memory' | 'MemorySwap' | 'NanoCpus' | 'CpuShares' | 'PidsLimit' | 'ShmSize' | 'Ulimits' | 'Devices' | 'Init'
  | 'PidMode' | 'IpcMode' | 'UTSMode' | 'CgroupParent' | 'UsernsMode' | 'Sysctls' | 'OomScoreAdj' | 'GroupAdd' | 'CpusetCpus' | 'CpusetMems' | 'MemoryReservation' | 'OomKillDisable' | 'Links'
  | 'MaskedPaths' | 'ReadonlyPaths'>;

/** A checked request: every value parsed, nothing left to refuse. */
export interface CreatePlan extends ProcessOptions {
  image: string;
  name?: string;
  hostname?: string;
  domainname?: string;
  autoRemove: boolean;
  labels: Record<string, string>;
  readOnly: boolean;
  tty: boolean;
  interactive: boolean;
  /** Docker's StdinOnce: the container's stdin closes when the first attached client's does. */
  stdinOnce: boolean;
  stopSignal?: string;
  stopTimeout?: number;
  logSizeMax?: number;
  /** k8s-file (conmon's log; json-file asks for the same) or none. */
  logDriver: 'k8s-file' | 'none';
  /** Where conmon writes the log (default: beside the container's record). */
  logPath?: string;
  host: HostFields;
  mounts: MountRequest[];
  binds: string[];
  tmpfs: Record<string, string>;
  /** Anonymous volumes of Config.Volumes. */
  volumes: string[];
  /** --volumes-from: containers whose mounts this one gets, each with ro or rw. */
  volumesFrom: Array<{ container: string; readOnly: boolean | undefined }>;
  network?: string;
  networkAliases: string[];
  ip?: string;
  mac?: string;
  publish: PortBinding[];
  publishAll: boolean;
  exposed: Record<string, object>;
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  addHosts: string[];
  restartPolicy?: RestartPolicy;
  healthcheck?: HealthConfig;
  startupHealthcheck?: HealthConfig;
  healthOnFailure?: HealthOnFailure;
}

/** What checkCreateRequest needs to know about the host. */
export interface CreateHost {
  /** The hard rlimits hull runs under (containers cannot get more: no CAP_SYS_RESOURCE). */
  limits: Record<string, HostLimit>;
  /** Set when hull runs as an ordinary user (runtime/rootless.ts). */
  rootless?: RootlessRuntime;
  /** Whether the kernel weighs block I/O (--blkio-weight); read only when one is asked for. */
  blkioWeight?: () => boolean;
}

/** The limit fields and their flags: in rootless mode without cgroup limits they are refused, never ignored. */
const LIMIT_FIELDS: Array<[keyof CreateHostConfig, string]> = [
  ['Memory', '--memory'], ['MemorySwap', '--memory-swap'], ['NanoCpus', '--cpus'], ['CpuShares', '--cpu-shares'], ['CpuQuota', '--cpu-quota'],
  ['CpuPeriod', '--cpu-period'], ['PidsLimit', '--pids-limit'], ['CpusetCpus', '--cpuset-cpus'], ['CpusetMems', '--cpuset-mems'],
  ['MemoryReservation', '--memory-reservation'], ['OomKillDisable', '--oom-kill-disable'],
];

/** --blkio-weight: 10 to 1000 where the kernel weighs block I/O; refused with the reason where it does not (docker drops it with a warning). */
function checkBlkioWeight(weight: number | undefined, host: CreateHost): void {
  if (weight === undefined || weight === null || weight === 0) return;
  if (!Number.isInteger(weight) || weight < 10 || weight > 1000) throw bad('HostConfig.BlkioWeight', `${String(weight)} is outside 10 to 1000`);
  if (!(host.blkioWeight?.() ?? false)) throw new HullError('UNSUPPORTED', 'Cannot use --blkio-weight: this kernel has no block I/O weight (blkio.weight needs the BFQ or CFQ I/O scheduler)', { hint: 'leave out --blkio-weight' });
}

/** Rootless mode: --userns keep-id is allowed; limits need a cgroup the user may write (docs/rootless.md). */
function checkRootless(hc: CreateHostConfig, rootless: RootlessRuntime | undefined): void {
  if (hc.UsernsMode === 'keep-id' && !rootless) {
    throw new HullError('UNSUPPORTED', 'Cannot use --userns keep-id: it maps an ordinary user\'s own ID into the container, and hull runs as root here', { hint: 'run hull as an ordinary user (rootless mode, docs/rootless.md)' });
  }
  if (!rootless || rootless.cgroupLimits) return;
  for (const [field, flag] of LIMIT_FIELDS) {
    const v = hc[field];
    if (isSet(v) && !(field === 'MemorySwap' && v === -1) && !(field === 'PidsLimit' && typeof v === 'number' && v < 0)) {
      const v2 = rootless.cgroupV2;
      throw new HullError('UNSUPPORTED', `Cannot use ${flag} in rootless mode: ${v2 ? 'hull does not yet place rootless containers in a delegated cgroup v2 subtree' : 'this host has cgroup v1, where the kernel lets only root create cgroups, so a limit cannot be applied'}`, {
        hint: v2 ? 'run the container as root to limit it' : 'run it as root, or boot the host with cgroup v2 (systemd.unified_cgroup_hierarchy=1); see docs/rootless.md',
      });
    }
  }
}

const bad = (field: string, why: string, hint?: string) => new HullError('INVALID_ARGUMENT', `Cannot create container: ${field} ${why}`, hint ? { hint } : {});

const isSet = (v: unknown): boolean => {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
};

/** Fields hull does not implement, each with what may be sent without asking for anything. */
const UNSUPPORTED_HOST: Array<[keyof CreateHostConfig, (v: unknown) => boolean, string?]> = [
  ['Cgroup', isSet],
  ['StorageOpt', isSet],
  ['CpuRealtimePeriod', isSet],
  ['CpuRealtimeRuntime', isSet],
  ['DeviceCgroupRules', isSet],
  ['DeviceRequests', isSet, 'hull has no GPU support'],
  ['KernelMemory', isSet],
  ['KernelMemoryTCP', isSet],
  ['MemorySwappiness', (v) => v !== undefined && v !== null && v !== -1],
  ['UsernsMode', (v) => isSet(v) && v !== 'private' && v !== 'host' && v !== 'keep-id', 'hull supports host (the default) and keep-id (rootless mode)'],
  ['CgroupnsMode', (v) => isSet(v) && v !== 'private' && v !== 'host'],
  ['Isolation', (v) => isSet(v) && v !== 'default'],
  ['VolumeDriver', (v) => isSet(v) && v !== 'local'],
];

function refuseUnsupported(hc: CreateHostConfig): void {
  for (const [field, asks, hint] of UNSUPPORTED_HOST) {
    if (asks(hc[field])) throw new HullError('UNSUPPORTED', `Cannot create container: HostConfig.${field} is not supported by hull`, { hint: hint ?? 'leave it out; docs/api.md lists what hull implements' });
  }
}

/** Docker's strslice: a JSON string is one word, a list is a list, null is "not given". */
function words(v: string[] | string | null | undefined): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? [v] : v;
}

const CONTAINER_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Docker Mount objects -> hull's MountRequest, with --mount's rules. */
export function mountFromDocker(m: DockerMount): MountRequest {
  const parts = [`type=${m.Type}`, `target=${m.Target ?? ''}`];
  if (m.Source) parts.push(`source=${m.Source}`);
  if (m.ReadOnly) parts.push('readonly');
  if (m.BindOptions?.Propagation) parts.push(`bind-propagation=${m.BindOptions.Propagation}`);
  if (m.BindOptions?.NonRecursive) parts.push('bind-nonrecursive');
  if (m.VolumeOptions?.NoCopy) parts.push('volume-nocopy');
  for (const [k, v] of Object.entries(m.VolumeOptions?.Labels ?? {})) parts.push(`volume-label=${k}=${v}`);
  if (m.VolumeOptions?.DriverConfig?.Name) parts.push(`volume-driver=${m.VolumeOptions.DriverConfig.Name}`);
  if (m.TmpfsOptions?.SizeBytes) parts.push(`tmpfs-size=${m.TmpfsOptions.SizeBytes}`);
  if (m.TmpfsOptions?.Mode) parts.push(`tmpfs-mode=${m.TmpfsOptions.Mode.toString(8)}`);
  for (const p of parts) if (p.includes(',')) throw bad('HostConfig.Mounts', `has a value with a comma: "${p}"`);
  return parseMountFlag(parts.join(','));
}

function checkDevice(d: Partial<DeviceMapping>): Required<DeviceMapping> {
  const host = d.PathOnHost ?? '';
  const container = d.PathInContainer || host;
  const permissions = d.CgroupPermissions || 'rwm';
  if (!host.startsWith('/')) throw bad('HostConfig.Devices', `"${host}": the host path must be absolute`);
  if (!container.startsWith('/')) throw bad('HostConfig.Devices', `"${container}": the container path must be absolute`);
  if (!/^[rwm]{1,3}$/.test(permissions) || new Set(permissions).size !== permissions.length) throw bad('HostConfig.Devices', `"${permissions}" is not a permission set: use some of r, w and m`);
  return { PathOnHost: posix.normalize(host), PathInContainer: posix.normalize(container), CgroupPermissions: permissions };
}

export function checkRestartPolicy(p: RestartPolicy | undefined, autoRemove: boolean): RestartPolicy | undefined {
  if (!p || !p.Name || p.Name === 'no') {
    if (p?.MaximumRetryCount) throw bad('HostConfig.RestartPolicy', 'gives MaximumRetryCount without the on-failure policy');
    return undefined;
  }
  if (!['always', 'unless-stopped', 'on-failure'].includes(p.Name)) throw bad('HostConfig.RestartPolicy.Name', `"${p.Name}" is not a restart policy`, 'use no, always, unless-stopped or on-failure[:MAX]');
  if (p.MaximumRetryCount !== undefined && (!Number.isInteger(p.MaximumRetryCount) || p.MaximumRetryCount < 0)) throw bad('HostConfig.RestartPolicy.MaximumRetryCount', 'must be a whole number of 0 or more');
  if (p.MaximumRetryCount && p.Name !== 'on-failure') throw bad('HostConfig.RestartPolicy', `gives MaximumRetryCount with "${p.Name}": only on-failure takes it`);
  if (autoRemove) throw new HullError('CONFLICT', 'Cannot create container: a restart policy and --rm (AutoRemove) contradict each other', { hint: 'use one of them' });
  return { Name: p.Name, MaximumRetryCount: p.MaximumRetryCount ?? 0 };
}

function checkHealthcheck(h: HealthConfig | undefined, field = 'Config.Healthcheck'): HealthConfig | undefined {
  if (!h) return undefined;
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval'] as const) {
    const v = h[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw bad(`${field}.${k}`, 'must be a whole number of nanoseconds, 0 or more');
    if (v !== undefined && v > 0 && v < 1_000_000) throw bad(`${field}.${k}`, 'must be at least 1ms');
  }
  if (h.Retries !== undefined && (!Number.isInteger(h.Retries) || h.Retries < 0)) throw bad(`${field}.Retries`, 'must be a whole number, 0 or more');
  const test = h.Test ?? [];
  if (test.length > 0 && !['NONE', 'CMD', 'CMD-SHELL'].includes(test[0] as string) && !isNetProbe(test[0])) throw bad(`${field}.Test`, `must start with NONE, CMD, CMD-SHELL, HTTP-GET or TCP-SOCKET, not "${test[0]}"`);
  const problem = isNetProbe(test[0]) ? netProbeProblem(test) : undefined;
  if (problem) throw bad(`${field}.Test`, problem);
  return h;
}

function checkLog(hc: CreateHostConfig): { logDriver: 'k8s-file' | 'none'; logSizeMax?: number; logPath?: string } {
  const type = hc.LogConfig?.Type || 'k8s-file';
  if (!['k8s-file', 'json-file', 'none', 'local'].includes(type)) throw new HullError('UNSUPPORTED', `Cannot create container: log driver "${type}" is not supported`, { hint: 'use json-file, k8s-file or none (hull keeps one log format: conmon\'s)' });
  let logSizeMax: number | undefined;
  let logPath: string | undefined;
  for (const [key, value] of Object.entries(hc.LogConfig?.Config ?? {})) {
    if (key === 'max-size') logSizeMax = parseLogSize(value);
    // podman's --log-opt path=FILE; the CRI's log_path (kubelet's /var/log/pods/...).
    else if (key === 'path') logPath = checkLogPath(value);
    else if (key !== 'max-file' && key !== 'compress' && key !== 'mode' && key !== 'tag') throw bad('HostConfig.LogConfig.Config', `has "${key}": hull supports max-size (and accepts max-file)`);
  }
  return { logDriver: type === 'none' ? 'none' : 'k8s-file', ...(logSizeMax !== undefined ? { logSizeMax } : {}), ...(logPath !== undefined ? { logPath } : {}) };
}

/** Docker's MaskedPaths/ReadonlyPaths (the CRI's masked_paths, readonly_paths): absolute paths replacing the defaults. */
function checkProcPaths(hc: CreateHostConfig): Pick<HostFields, 'MaskedPaths' | 'ReadonlyPaths'> {
  const out: Pick<HostFields, 'MaskedPaths' | 'ReadonlyPaths'> = {};
  for (const field of ['MaskedPaths', 'ReadonlyPaths'] as const) {
    const v = hc[field];
    if (v === undefined || v === null) continue;
    const paths = checkStringList(v, `HostConfig.${field}`);
    for (const p of paths) if (!p.startsWith('/') || p.split('/').includes('..')) throw bad(`HostConfig.${field}`, `has "${showUntrusted(p)}": paths must be absolute`);
    out[field] = paths;
  }
  return out;
}

function checkLogPath(path: string): string {
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (!path.startsWith('/') || /[\u0000-\u001f\u007f]/.test(path) || path.split('/').includes('..') || path.endsWith('/')) {
    throw bad('HostConfig.LogConfig.Config.path', `"${showUntrusted(path)}" is not an absolute file path`);
  }
  return path;
}

function parseLogSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s?([kmg]?)b?$/i.exec(text.trim());
  if (!m) throw new HullError('INVALID_ARGUMENT', `Cannot use --log-opt max-size "${text}": expected a size such as 512m or 1g`);
  return Math.floor(Number(m[1]) * ({ '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase()] ?? 1));
}

function checkResourceFields(hc: CreateHostConfig, limits: Record<string, HostLimit>): Omit<HostFields, 'Privileged' | 'CapAdd' | 'CapDrop' | 'SecurityOpt' | 'Devices' | 'Init'> {
  const num = (field: keyof CreateHostConfig): number | undefined => {
    const v = hc[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`HostConfig.${field}`, 'must be a number');
    return v;
  };
  const r: ResourceOptions = { ulimits: [] };
  for (const u of hc.Ulimits ?? []) {
    if (ULIMIT_NAMES[u.Name] === undefined) throw new HullError('INVALID_ARGUMENT', `Cannot use --ulimit "${u.Name}": unknown limit "${u.Name}"`, { hint: `valid names: ${Object.keys(ULIMIT_NAMES).join(', ')}` });
    if (!(u.Soft >= 0) || !(u.Hard >= 0)) throw new HullError('INVALID_ARGUMENT', `Cannot use --ulimit "${u.Name}=${u.Soft}:${u.Hard}": negative (unlimited) values are not supported`);
    if (u.Soft > u.Hard) throw new HullError('INVALID_ARGUMENT', `Cannot use --ulimit "${u.Name}=${u.Soft}:${u.Hard}": the soft limit ${u.Soft} is above the hard limit ${u.Hard}`);
    r.ulimits.push({ name: u.Name, soft: u.Soft, hard: u.Hard });
  }
  const memory = num('Memory');
  const memorySwap = num('MemorySwap');
  let nanoCpus = num('NanoCpus');
  const quota = num('CpuQuota');
  if (quota) {
    if (nanoCpus) throw bad('HostConfig', 'sets both NanoCpus and CpuQuota: give one of them');
    nanoCpus = Math.round((quota * 1e9) / (num('CpuPeriod') || 100_000));
  }
  const cpuShares = num('CpuShares');
  const pidsLimit = num('PidsLimit');
  const shmSize = num('ShmSize');
  if (memory) r.memory = memory;
  if (memorySwap) r.memorySwap = memorySwap;
  if (nanoCpus) r.cpus = nanoCpus / 1e9;
  if (nanoCpus !== undefined && nanoCpus < 0) throw bad('HostConfig.NanoCpus', 'must not be negative');
  if (cpuShares) r.cpuShares = cpuShares;
  if (pidsLimit) r.pidsLimit = pidsLimit;
  if (shmSize) r.shmSize = shmSize;
  if (shmSize !== undefined && shmSize < 0) throw new HullError('INVALID_ARGUMENT', `Cannot use --shm-size ${shmSize}: it must be greater than 0`);
  checkResources(r);
  checkUlimits(r.ulimits, limits);
  return {
    Ulimits: r.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
    ...(r.memory !== undefined ? { Memory: r.memory } : {}),
    ...(r.memorySwap !== undefined ? { MemorySwap: r.memorySwap } : {}),
    ...(nanoCpus ? { NanoCpus: nanoCpus } : {}),
    ...(r.cpuShares !== undefined ? { CpuShares: r.cpuShares } : {}),
    ...(r.pidsLimit !== undefined ? { PidsLimit: r.pidsLimit } : {}),
    ...(r.shmSize !== undefined ? { ShmSize: r.shmSize } : {}),
  };
}

function checkStringList(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad(field, 'must be a list of strings');
  return v as string[];
}

const CPUSET = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

function checkNamespaceMode(v: string | undefined, field: string, allowed: string[]): string | undefined {
  if (!v || v === 'private') return undefined;
  if (allowed.includes(v)) return v;
  if (v.startsWith('container:') && v.length > 'container:'.length) return v;
  throw bad(`HostConfig.${field}`, `"${v}" is not a mode`, `use ${[...allowed, 'container:NAME'].join(', ')}`);
}

/**
 * --cgroup-parent: a cgroupfs path below the hierarchy's root, made of plain names (a pod's is
 * /hull/pod-ID). `..` and odd characters are refused: runc would create directories wherever it
 * points. A relative path is taken from the root, as runc's cgroupfs driver does.
 */
export function checkCgroupParent(v: string): string {
  const path = v.startsWith('/') ? v : `/${v}`;
  const parts = path.split('/').slice(1);
  if (v.length > 512 || parts.some((p) => !/^[a-zA-Z0-9_][a-zA-Z0-9_.:@-]*$/.test(p) || p === '..')) {
    throw bad('HostConfig.CgroupParent', `"${showUntrusted(v)}" is not a cgroup path`, 'give a path such as /hull/mygroup (names of letters, digits, _ . : @ -)');
  }
  return path;
}

/** --pid, --ipc, --sysctl, --oom-score-adj, --group-add, --cpuset-*, --memory-reservation, --oom-kill-disable. */
function checkKernelFields(hc: CreateHostConfig, networkMode: string | undefined): Partial<HostFields> {
  const out: Partial<HostFields> = {};
  const pid = checkNamespaceMode(hc.PidMode, 'PidMode', ['host']);
  if (pid) out.PidMode = pid;
  const ipc = checkNamespaceMode(hc.IpcMode === 'shareable' ? undefined : hc.IpcMode, 'IpcMode', ['host']);
  if (ipc) out.IpcMode = ipc;
  const uts = checkNamespaceMode(hc.UTSMode, 'UTSMode', ['host']);
  if (uts) out.UTSMode = uts;
  if (hc.CgroupParent) out.CgroupParent = checkCgroupParent(hc.CgroupParent);
  if (hc.UsernsMode === 'keep-id') out.UsernsMode = 'keep-id';
  const sysctls = Object.entries(hc.Sysctls ?? {});
  for (const [k, v] of sysctls) checkSysctl(k, String(v), { hostNetwork: networkMode === 'host', hostIpc: ipc === 'host' });
  if (sysctls.length > 0) out.Sysctls = Object.fromEntries(sysctls.map(([k, v]) => [k, String(v)]));
  if (hc.OomScoreAdj !== undefined && hc.OomScoreAdj !== 0) {
    if (!Number.isInteger(hc.OomScoreAdj) || hc.OomScoreAdj < -1000 || hc.OomScoreAdj > 1000) throw bad('HostConfig.OomScoreAdj', 'must be a whole number from -1000 to 1000');
    out.OomScoreAdj = hc.OomScoreAdj;
  }
  // Legacy links, "NAME[:ALIAS]" (docker's "/NAME:/THIS/ALIAS" too): the alias names NAME in /etc/hosts.
  const links = checkStringList(hc.Links, 'HostConfig.Links').map((l) => {
    const m = /^\/?([a-zA-Z0-9][a-zA-Z0-9_.-]*)(?::(?:\/[^/]+\/)?([a-zA-Z0-9][a-zA-Z0-9_.-]*))?$/.exec(l);
    if (!m) throw bad('HostConfig.Links', `has "${l}": expected NAME[:ALIAS]`);
    return `${m[1]}:${m[2] ?? m[1]}`;
  });
  if (links.length > 0) out.Links = links;
  const groups = checkStringList(hc.GroupAdd, 'HostConfig.GroupAdd');
  for (const g of groups) if (!/^(\d+|[a-zA-Z_][\w.-]*)$/.test(g)) throw bad('HostConfig.GroupAdd', `"${g}" is not a group name or number`);
  if (groups.length > 0) out.GroupAdd = groups;
  for (const f of ['CpusetCpus', 'CpusetMems'] as const) {
    const v = hc[f];
    if (v) {
      if (!CPUSET.test(v)) throw bad(`HostConfig.${f}`, `"${v}" is not a list such as 0-2,4`);
      out[f] = v;
    }
  }
  if (hc.MemoryReservation) {
    if (!Number.isInteger(hc.MemoryReservation) || hc.MemoryReservation < 0) throw bad('HostConfig.MemoryReservation', 'must be a whole number of bytes');
    if (hc.Memory && hc.MemoryReservation > hc.Memory) throw new HullError('INVALID_ARGUMENT', 'Cannot use --memory-reservation above --memory', { hint: 'the reservation is a soft limit below the hard one' });
    out.MemoryReservation = hc.MemoryReservation;
  }
  if (hc.OomKillDisable) {
    if (!hc.Memory) throw new HullError('INVALID_ARGUMENT', 'Cannot use --oom-kill-disable without --memory', { hint: 'without a limit, a container that may not be OOM-killed can take the host\'s memory (docker warns; hull refuses)' });
    out.OomKillDisable = true;
  }
  return out;
}

/** Validates a create request and parses it into a plan. Throws INVALID_ARGUMENT naming the field. */
export function checkCreateRequest(req: ContainerCreateRequest, host: CreateHost): CreatePlan {
  const c = req.Config;
  if (typeof c !== 'object' || c === null) throw bad('Config', 'is missing');
  if (typeof c.Image !== 'string' || c.Image === '') throw new HullError('INVALID_ARGUMENT', 'Cannot create container: no image given', { hint: 'name an image, e.g. "hull create busybox"' });
  const hc: CreateHostConfig = req.HostConfig ?? {};
  refuseUnsupported(hc);
  checkRootless(hc, host.rootless);
  checkBlkioWeight(hc.BlkioWeight, host);
  if (req.name !== undefined && req.name !== '' && !CONTAINER_NAME.test(req.name)) {
    throw new HullError('INVALID_ARGUMENT', `Cannot create container "${req.name}": invalid name`, { hint: 'names start with a letter or digit and contain only letters, digits, _, . and -' });
  }
  const env = checkStringList(c.Env, 'Config.Env').filter((e) => e.includes('='));
  const capAdd = checkStringList(hc.CapAdd, 'HostConfig.CapAdd');
  const capDrop = checkStringList(hc.CapDrop, 'HostConfig.CapDrop');
  const securityOpt = checkStringList(hc.SecurityOpt, 'HostConfig.SecurityOpt');
  const security = securityOptionsFrom({ privileged: hc.Privileged ?? false, capAdd, capDrop, securityOpt });
  computeCapabilities(security); // unknown capability names are refused now, not at start
  const devices = (hc.Devices ?? []).map(checkDevice);
  const autoRemove = hc.AutoRemove ?? false;
  const binds = checkStringList(hc.Binds, 'HostConfig.Binds');
  const tmpfs = Object.fromEntries(Object.entries(hc.Tmpfs ?? {}).map(([k, v]) => [k, String(v ?? '')]));
  const mounts = [...binds.map(parseVolumeFlag), ...(hc.Mounts ?? []).map(mountFromDocker), ...Object.entries(tmpfs).map(([k, v]) => parseTmpfsFlag(v ? `${k}:${v}` : k))];
  const volumes = Object.keys(c.Volumes ?? {});
  for (const v of volumes) if (!v.startsWith('/')) throw bad('Config.Volumes', `has "${v}": the path must be absolute`);
  const publish = fromDockerBindings(Object.fromEntries(Object.entries(hc.PortBindings ?? {}).map(([k, list]) => [k, (list ?? []).map((b) => ({ HostIp: b.HostIp ?? '', HostPort: b.HostPort ?? '' }))])));
  for (const p of publish) {
    if (!(p.containerPort >= 1 && p.containerPort <= 65535) || !(p.hostPort >= 0 && p.hostPort <= 65535) || !Number.isInteger(p.hostPort)) throw bad('HostConfig.PortBindings', `has an invalid port in ${p.containerPort}/${p.protocol} -> ${p.hostPort}`);
    if (p.protocol !== 'tcp' && p.protocol !== 'udp') throw bad('HostConfig.PortBindings', `has protocol "${p.protocol}": hull publishes tcp and udp`);
    if (p.hostIp !== '') checkIpFlag(p.hostIp, 'a port binding HostIp');
  }
  checkBindings(publish);
  const endpoints = Object.entries(req.NetworkingConfig?.EndpointsConfig ?? {});
  const networkMode = c.NetworkDisabled ? 'none' : hc.NetworkMode || undefined;
  if (networkMode !== undefined) parseNetworkMode(networkMode);
  const [endpointName, endpoint] = endpoints.find(([n]) => networkMode === undefined || n === networkMode || (n === 'bridge' && networkMode === 'default')) ?? endpoints[0] ?? [];
  if (endpoints.length > 1) throw new HullError('UNSUPPORTED', 'Cannot create container: NetworkingConfig names more than one network', { hint: 'create it on one network, then "network connect" it to the others' });
  const ip = endpoint?.IPAMConfig?.IPv4Address || undefined;
  if (ip) checkIpFlag(ip);
  // API 1.44 moved it into the endpoint; older clients send Config.MacAddress.
  const macText = endpoint?.MacAddress || c.MacAddress || undefined;
  const mac = macText ? checkMacAddress(macText) : undefined;
  const dns = checkStringList(hc.Dns, 'HostConfig.Dns').map((d) => checkIpFlag(d, '--dns'));
  const dnsSearch = checkStringList(hc.DnsSearch, 'HostConfig.DnsSearch').map(checkDnsSearch);
  const dnsOptions = checkStringList(hc.DnsOptions, 'HostConfig.DnsOptions').map(checkDnsOption);
  const addHosts = checkStringList(hc.ExtraHosts, 'HostConfig.ExtraHosts').map((h) => (parseAddHost(h), h));
  const workdir = c.WorkingDir ? checkWorkdir(c.WorkingDir) : undefined;
  if (c.StopTimeout !== undefined && c.StopTimeout !== null && !Number.isInteger(c.StopTimeout)) throw new HullError('INVALID_ARGUMENT', `Cannot use --stop-timeout "${c.StopTimeout}": expected whole seconds`);
  if (hc.Runtime && hc.Runtime !== 'runc') throw new HullError('UNSUPPORTED', `Cannot create container: runtime "${hc.Runtime}" is not available`, { hint: 'hull runs containers with runc (see --runtime)' });
  if (c.StopSignal) parseSignal(c.StopSignal, '--stop-signal');
  const restartPolicy = checkRestartPolicy(hc.RestartPolicy, autoRemove);
  const healthcheck = checkHealthcheck(c.Healthcheck);
  const startupHealthcheck = checkHealthcheck(c.StartupHealthcheck, 'Config.StartupHealthcheck');
  const healthOnFailure = c.HealthcheckOnFailureAction ? parseHealthOnFailure(c.HealthcheckOnFailureAction) : undefined;
  const entrypoint = words(c.Entrypoint);
  const cmd = words(c.Cmd);
  const plan: CreatePlan = {
    image: c.Image,
    ...(req.name ? { name: req.name.replace(/^\//, '') } : {}),
    ...(c.Hostname ? { hostname: c.Hostname } : {}),
    ...(c.Domainname ? { domainname: c.Domainname } : {}),
    autoRemove,
    labels: { ...(c.Labels ?? {}) },
    readOnly: hc.ReadonlyRootfs ?? false,
    tty: c.Tty ?? false,
    interactive: c.OpenStdin ?? false,
    stdinOnce: (c.OpenStdin ?? false) && (c.StdinOnce ?? false),
    ...(c.StopSignal ? { stopSignal: c.StopSignal } : {}),
    ...(typeof c.StopTimeout === 'number' ? { stopTimeout: c.StopTimeout } : {}),
    ...checkLog(hc),
    host: {
      Privileged: security.privileged,
      CapAdd: capAdd,
      CapDrop: capDrop,
      SecurityOpt: securityOpt,
      ...checkResourceFields(hc, host.limits),
      Devices: devices,
      Init: hc.Init ?? false,
      ...checkProcPaths(hc),
      ...checkKernelFields(hc, networkMode),
    },
    mounts,
    binds,
    tmpfs,
    volumes,
    volumesFrom: checkStringList(hc.VolumesFrom, 'HostConfig.VolumesFrom').map((v) => {
      const m = /^([a-zA-Z0-9][a-zA-Z0-9_.-]*)(?::(ro|rw))?$/.exec(v);
      if (!m) throw bad('HostConfig.VolumesFrom', `has "${v}": expected CONTAINER[:ro|rw]`);
      return { container: m[1] as string, readOnly: m[2] === undefined ? undefined : m[2] === 'ro' };
    }),
    ...(networkMode !== undefined ? { network: networkMode } : endpointName !== undefined ? { network: endpointName } : {}),
    networkAliases: checkStringList(endpoint?.Aliases, 'NetworkingConfig.EndpointsConfig.Aliases').map(checkAlias),
    ...(ip ? { ip } : {}),
    ...(mac ? { mac } : {}),
    publish,
    publishAll: hc.PublishAllPorts ?? false,
    exposed: { ...(c.ExposedPorts ?? {}) },
    dns,
    dnsSearch,
    dnsOptions,
    addHosts,
    ...(restartPolicy ? { restartPolicy } : {}),
    ...(healthcheck ? { healthcheck } : {}),
    ...(startupHealthcheck?.Test?.length && startupHealthcheck.Test[0] !== 'NONE' ? { startupHealthcheck } : {}),
    ...(healthOnFailure && healthOnFailure !== 'none' ? { healthOnFailure } : {}),
    ...(cmd !== undefined ? { cmd } : {}),
    ...(entrypoint !== undefined ? { entrypoint: entrypoint.length === 1 && entrypoint[0] === '' ? [] : entrypoint } : {}),
    env,
    ...(workdir !== undefined ? { workdir } : {}),
    ...(c.User ? { user: c.User } : {}),
  };
  return plan;
}
