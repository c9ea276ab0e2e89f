/**
 * Resource limits of a container: --memory, --memory-swap, --cpus, --cpu-shares, --pids-limit,
 * --shm-size and --ulimit, with docker's grammar and defaults, into runtime-spec
 * config-linux.md#control-groups (linux.resources) and config.md#posix-process (process.rlimits).
 *
 *   flags -> parseSize / parseUlimit / resourceOptionsFrom   pure, syntax errors
 *         -> checkUlimits(ulimits, hostLimits)               pure, against the host's hard limits
 *         -> applyResources(spec, opts, host)                pure, a new RuntimeSpec
 */
import { existsSync } from 'node:fs';
import { HullError } from '../errors.js';
import type { RuntimeSpec, SpecRlimit } from '../oci/runtime-spec.js';
import type { HostLimit } from '../sys/host-limits.js';

export interface Ulimit {
  /** docker's short name: nofile, nproc, core... */
  name: string;
  soft: number;
  hard: number;
}

export interface ResourceOptions {
  /** Bytes. */
  memory?: number;
  /** Memory plus swap, in bytes (docker's meaning); -1 = unlimited swap. */
  memorySwap?: number;
  /** Number of CPUs, fractional (1.5). */
  cpus?: number;
  /** Relative weight (cgroup v1 cpu.shares; docker's default is 1024). */
  cpuShares?: number;
  /** Maximum number of processes; undefined = DEFAULT_PIDS_LIMIT; 0 or -1 = unlimited. */
  pidsLimit?: number;
  /** Size of /dev/shm in bytes (docker's default 64 MiB). */
  shmSize?: number;
  /** Relative I/O weight, 10 to 1000 (cgroup v1 blkio.weight, which needs the BFQ/CFQ scheduler). */
  blkioWeight?: number;
  ulimits: Ulimit[];
}

/** What applyResources needs to know about the host. */
export interface ResourceHost {
  /** The kernel accounts swap (cgroup v1 memory.memsw.*); without it, docker ignores --memory-swap. */
  swapAccounting?: boolean;
  /** CPUs online; --cpus above it is refused, as docker does. */
  cpus?: number;
}

/** podman's default: a fork bomb stops at 2048 processes instead of taking the host down. */
export const DEFAULT_PIDS_LIMIT = 2048;
export const CPU_PERIOD = 100_000;
/** The kernel (and docker) refuse memory limits this small: the container could not even start. */
export const MIN_MEMORY = 6 * 1024 * 1024;

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Pure: docker's sizes (binary units): "512m", "1g", "1.5G", "64k", "100b", "2GiB", "1024" -> bytes. */
export function parseSize(text: string, flag = 'size'): number {
  const m = /^(\d+(?:\.\d+)?)\s?([kmgtp]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) {
    throw new HullError('INVALID_ARGUMENT', `Cannot use --${flag} "${text}": expected a size such as 512m or 1g`, { hint: 'units: b, k, m, g (powers of 1024), any case' });
  }
  return Math.floor(Number(m[1]) * (UNITS[(m[2] ?? '').toLowerCase()] ?? 1));
}

/** docker's ulimit names -> setrlimit(2) resources. */
export const ULIMIT_NAMES: Record<string, string> = {
  as: 'RLIMIT_AS', core: 'RLIMIT_CORE', cpu: 'RLIMIT_CPU', data: 'RLIMIT_DATA', fsize: 'RLIMIT_FSIZE', locks: 'RLIMIT_LOCKS',
  memlock: 'RLIMIT_MEMLOCK', msgqueue: 'RLIMIT_MSGQUEUE', nice: 'RLIMIT_NICE', nofile: 'RLIMIT_NOFILE', nproc: 'RLIMIT_NPROC',
  rss: 'RLIMIT_RSS', rtprio: 'RLIMIT_RTPRIO', rttime: 'RLIMIT_RTTIME', sigpending: 'RLIMIT_SIGPENDING', stack: 'RLIMIT_STACK',
};

/** Pure: "nofile=1024:2048" or "nofile=1024" (soft = hard) -> a Ulimit. */
export function parseUlimit(text: string): Ulimit {
  const bad = (why: string, hint = 'expected NAME=SOFT[:HARD], e.g. nofile=1024:2048') => new HullError('INVALID_ARGUMENT', `Cannot use --ulimit "${text}": ${why}`, { hint });
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(text.trim());
  if (!m) throw bad('expected NAME=SOFT[:HARD] with whole numbers');
  const name = m[1] as string;
  if (ULIMIT_NAMES[name] === undefined) throw bad(`unknown limit "${name}"`, `valid names: ${Object.keys(ULIMIT_NAMES).join(', ')}`);
  const soft = Number(m[2]);
  const hard = m[3] === undefined ? soft : Number(m[3]);
  // JSON cannot carry RLIM_INFINITY (2^64-1) exactly, so "unlimited" is not offered: leave the flag out to inherit the host's.
  if (soft < 0 || hard < 0) throw bad('negative (unlimited) values are not supported', 'give a number, or leave the limit out to inherit the host\'s');
  if (soft > hard) throw bad(`the soft limit ${soft} is above the hard limit ${hard}`);
  return { name, soft, hard };
}

const formatUlimit = (u: Ulimit) => `${u.name}=${u.soft === u.hard ? u.soft : `${u.soft}:${u.hard}`}`;

/** Pure: refuses limits above the host's hard limit (raising needs CAP_SYS_RESOURCE, which hull's runtime does not use). */
export function checkUlimits(ulimits: readonly Ulimit[], hostLimits: Record<string, HostLimit>): void {
  for (const u of ulimits) {
    const host = hostLimits[ULIMIT_NAMES[u.name] ?? ''];
    if (host && Number.isFinite(host.hard) && u.hard > host.hard) {
      throw new HullError('INVALID_ARGUMENT', `Cannot set --ulimit ${formatUlimit(u)}: the host's hard limit is ${host.hard} (hull cannot raise it without CAP_SYS_RESOURCE)`, {
        hint: `ask for at most ${u.name}=${Math.min(u.soft, host.hard)}:${host.hard}, or raise the limit of the shell that runs hull (ulimit -Hn)`,
      });
    }
  }
}

/** Pure: the raw flag values of run/create -> ResourceOptions. */
export function resourceOptionsFrom(flags: { memory?: string; memorySwap?: string; cpus?: string; cpuShares?: string; pidsLimit?: string; shmSize?: string; ulimits?: string[] }): ResourceOptions {
  const int = (v: string, flag: string) => {
    if (!/^-?\d+$/.test(v.trim())) throw new HullError('INVALID_ARGUMENT', `Cannot use --${flag} "${v}": expected a whole number`);
    return Number(v);
  };
  const opts: ResourceOptions = { ulimits: (flags.ulimits ?? []).map(parseUlimit) };
  if (flags.memory !== undefined) opts.memory = parseSize(flags.memory, 'memory');
  if (flags.memorySwap !== undefined) opts.memorySwap = flags.memorySwap.trim() === '-1' ? -1 : parseSize(flags.memorySwap, 'memory-swap');
  if (flags.cpus !== undefined) {
    const cpus = Number(flags.cpus);
    if (!/^\d*\.?\d+$/.test(flags.cpus.trim()) || !(cpus > 0)) throw new HullError('INVALID_ARGUMENT', `Cannot use --cpus "${flags.cpus}": expected a positive number such as 0.5 or 2`);
    opts.cpus = cpus;
  }
  if (flags.cpuShares !== undefined) opts.cpuShares = int(flags.cpuShares, 'cpu-shares');
  if (flags.pidsLimit !== undefined) opts.pidsLimit = int(flags.pidsLimit, 'pids-limit');
  if (flags.shmSize !== undefined) opts.shmSize = parseSize(flags.shmSize, 'shm-size');
  return opts;
}

/** Pure: docker's consistency rules between the options. */
export function checkResources(opts: ResourceOptions, host: ResourceHost = {}): void {
  const bad = (message: string, hint?: string) => new HullError('INVALID_ARGUMENT', message, hint ? { hint } : {});
  if (opts.memory !== undefined && opts.memory > 0 && opts.memory < MIN_MEMORY) throw bad(`Cannot use --memory ${opts.memory}: the minimum is 6m`);
  if (opts.memorySwap !== undefined && opts.memorySwap !== 0) {
    if (opts.memory === undefined || opts.memory === 0) throw bad('Cannot use --memory-swap without --memory', 'give --memory too: --memory-swap is memory plus swap');
    if (opts.memorySwap !== -1 && opts.memorySwap < opts.memory) throw bad(`Cannot use --memory-swap ${opts.memorySwap}: it must be at least --memory (${opts.memory}), as it counts memory plus swap`, 'use -1 for unlimited swap');
  }
  if (opts.cpus !== undefined && host.cpus !== undefined && opts.cpus > host.cpus) {
    throw bad(`Cannot use --cpus ${opts.cpus}: the range is 0.01 to ${host.cpus.toFixed(2)}, as there are only ${host.cpus} CPUs available`);
  }
  if (opts.cpus !== undefined && Math.round(opts.cpus * CPU_PERIOD) < 1000) throw bad(`Cannot use --cpus ${opts.cpus}: the minimum is 0.01`);
  if (opts.cpuShares !== undefined && opts.cpuShares < 0) throw bad(`Cannot use --cpu-shares ${opts.cpuShares}: it must not be negative`);
  if (opts.shmSize !== undefined && opts.shmSize <= 0) throw bad(`Cannot use --shm-size ${opts.shmSize}: it must be greater than 0`);
}

/** Pure: applies resource options to a spec, returning a new one (throws for inconsistent options). */
export function applyResources(spec: RuntimeSpec, opts: ResourceOptions, host: ResourceHost = {}): RuntimeSpec {
  checkResources(opts, host);
  const resources = { ...spec.linux.resources };
  if (opts.memory !== undefined && opts.memory > 0) {
    const memory: NonNullable<typeof resources.memory> = { ...resources.memory, limit: opts.memory };
    // docker: swap defaults to as much again as memory (so memory+swap = 2 x memory); -1 = unlimited.
    // Without swap accounting in the kernel, the swap limit cannot be set (runc would fail): dropped, as docker does.
    if (host.swapAccounting !== false) memory.swap = opts.memorySwap === -1 ? -1 : opts.memorySwap || opts.memory * 2;
    resources.memory = memory;
  }
  if (opts.cpus !== undefined || opts.cpuShares !== undefined) {
    const cpu: NonNullable<typeof resources.cpu> = { ...resources.cpu };
    if (opts.cpus !== undefined) {
      cpu.quota = Math.round(opts.cpus * CPU_PERIOD);
      cpu.period = CPU_PERIOD;
    }
    if (opts.cpuShares !== undefined && opts.cpuShares > 0) cpu.shares = opts.cpuShares;
    resources.cpu = cpu;
  }
  const pids = opts.pidsLimit ?? DEFAULT_PIDS_LIMIT;
  resources.pids = { limit: pids > 0 ? pids : -1 };
  if (opts.blkioWeight) resources.blockIO = { ...resources.blockIO, weight: opts.blkioWeight };

  const mounts = opts.shmSize === undefined ? spec.mounts : spec.mounts.map((m) => (m.destination === '/dev/shm' ? { ...m, options: [...(m.options ?? []).filter((o) => !o.startsWith('size=')), `size=${opts.shmSize}`] } : m));

  // --ulimit replaces the default of the same type; the rest of the defaults stay.
  const user: SpecRlimit[] = opts.ulimits.map((u) => ({ type: ULIMIT_NAMES[u.name] ?? `RLIMIT_${u.name.toUpperCase()}`, hard: u.hard, soft: u.soft }));
  const rlimits = [...(spec.process.rlimits ?? []).filter((r) => !user.some((u) => u.type === r.type)), ...user];

  return { ...spec, process: { ...spec.process, rlimits }, mounts, linux: { ...spec.linux, resources } };
}

/** The edge: whether the kernel accounts swap (cgroup v1 memsw; cgroup v2 has memory.swap.max). */
export function readSwapAccounting(): boolean {
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return true;
  return existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes');
}
