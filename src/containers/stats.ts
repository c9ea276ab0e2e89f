/**
 * Resource usage of a running container, read from its cgroups (v1 on this host: memory, cpuacct,
 * pids controllers under /sys/fs/cgroup/<controller>/hull/<id>; v2: one unified directory).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StatsSample {
  /** CPU time used so far, in nanoseconds. */
  cpuNanos: number;
  memoryUsage: number;
  memoryLimit: number;
  pids: number;
  /** Wall clock when sampled, in nanoseconds. */
  at: number;
}

const CGROUP_ROOT = '/sys/fs/cgroup';

function readNumber(path: string): number | undefined {
  try {
    const v = readFileSync(path, 'utf8').trim();
    return v === 'max' ? Number.POSITIVE_INFINITY : Number(v.split(/\s+/)[0]);
  } catch {
    return undefined;
  }
}

export function sampleStats(cgroupPath: string): StatsSample {
  const at = Number(process.hrtime.bigint());
  const unified = existsSync(join(CGROUP_ROOT, 'cgroup.controllers'));
  if (unified) {
    const dir = join(CGROUP_ROOT, cgroupPath);
    const usec = /usage_usec (\d+)/.exec(existsSync(join(dir, 'cpu.stat')) ? readFileSync(join(dir, 'cpu.stat'), 'utf8') : '')?.[1];
    return { cpuNanos: Number(usec ?? 0) * 1000, memoryUsage: readNumber(join(dir, 'memory.current')) ?? 0, memoryLimit: readNumber(join(dir, 'memory.max')) ?? Infinity, pids: readNumber(join(dir, 'pids.current')) ?? 0, at };
  }
  const v1 = (controller: string, file: string) => readNumber(join(CGROUP_ROOT, controller, cgroupPath, file));
  const limit = v1('memory', 'memory.limit_in_bytes') ?? Infinity;
  return {
    cpuNanos: v1('cpuacct', 'cpuacct.usage') ?? 0,
    memoryUsage: v1('memory', 'memory.usage_in_bytes') ?? 0,
    // v1 reports "no limit" as a huge page-aligned number.
    memoryLimit: limit > 2 ** 62 ? Infinity : limit,
    pids: v1('pids', 'pids.current') ?? 0,
    at,
  };
}

/** Pure: CPU percentage between two samples, like docker's (100% = one CPU busy). */
export function cpuPercent(a: StatsSample, b: StatsSample): number {
  const wall = b.at - a.at;
  return wall > 0 ? ((b.cpuNanos - a.cpuNanos) / wall) * 100 : 0;
}
