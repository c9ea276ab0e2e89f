/**
 * The pod's cgroup: every member's cgroup is <pod cgroup>/<container id> (runc's cgroupfs driver
 * makes the directories below it), so limits written here bound the pod as a whole (cgroup v1's
 * memory.use_hierarchy and v2 count children in their parent). The limits are written before the
 * infra starts, on every pod start (idempotent). planPodCgroup is pure; applyPodCgroup writes.
 *
 *   v1: /sys/fs/cgroup/<controller><path>/{memory.limit_in_bytes, cpu.cfs_quota_us, ...}
 *   v2: /sys/fs/cgroup<path>/{memory.max, cpu.max, ...}, controllers enabled in the parents
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HullError } from '../errors.js';
import { CPU_PERIOD } from '../runtime/resources.js';
import type { PodResources } from './record.js';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** One file to write: [controller (v1) | '' (v2), file, value]. */
export type CgroupWrite = [string, string, string];

/** Pure: the files that carry a pod's limits, for cgroup v1 or v2. */
export function planPodCgroup(r: PodResources, v2: boolean, swapAccounting: boolean): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  if (v2) {
    if (r.Memory) out.push(['', 'memory.max', String(r.Memory)]);
    if (r.Memory && r.MemorySwap !== undefined) out.push(['', 'memory.swap.max', r.MemorySwap === -1 ? 'max' : String(Math.max(0, r.MemorySwap - r.Memory))]);
    if (r.NanoCpus) out.push(['', 'cpu.max', `${Math.round((r.NanoCpus / 1e9) * CPU_PERIOD)} ${CPU_PERIOD}`]);
    // cgroup v2 weights are 1..10000; v1 shares 2..262144 (the runtime-spec's conversion).
    if (r.CpuShares) out.push(['', 'cpu.weight', String(Math.round(1 + ((r.CpuShares - 2) * 9999) / 262142))]);
    if (r.PidsLimit) out.push(['', 'pids.max', String(r.PidsLimit)]);
    if (r.CpusetCpus) out.push(['', 'cpuset.cpus', r.CpusetCpus]);
    return out;
  }
  if (r.Memory) {
    out.push(['memory', 'memory.limit_in_bytes', String(r.Memory)]);
    // Without --memory-swap, the pod may not swap past its limit (no swap beyond memory).
    if (swapAccounting) out.push(['memory', 'memory.memsw.limit_in_bytes', r.MemorySwap === undefined ? String(r.Memory) : String(r.MemorySwap)]);
  }
  if (r.NanoCpus) out.push(['cpu', 'cpu.cfs_period_us', String(CPU_PERIOD)], ['cpu', 'cpu.cfs_quota_us', String(Math.round((r.NanoCpus / 1e9) * CPU_PERIOD))]);
  if (r.CpuShares) out.push(['cpu', 'cpu.shares', String(r.CpuShares)]);
  if (r.PidsLimit) out.push(['pids', 'pids.max', String(r.PidsLimit)]);
  return out;
}

const isV2 = () => existsSync(join(CGROUP_ROOT, 'cgroup.controllers'));

/** Makes the pod's cgroup and writes its limits. */
export function applyPodCgroup(path: string, r: PodResources, podName: string): void {
  const v2 = isV2();
  const writes = planPodCgroup(r, v2, existsSync(join(CGROUP_ROOT, 'memory', 'memory.memsw.limit_in_bytes')));
  if (v2 && writes.length > 0) enableV2Controllers(path);
  for (const [controller, file, value] of writes) {
    const dir = join(CGROUP_ROOT, controller, path);
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(join(dir, file), value);
    } catch (err) {
      throw new HullError('RUNTIME_FAILED', `Cannot set the limits of pod "${podName}": writing ${value} to ${join(dir, file)} failed: ${(err as Error).message}`, { cause: err });
    }
  }
  if (r.CpusetCpus && !v2) {
    // cpuset v1: a cgroup needs mems before cpus, and both before any task joins.
    copyCpusetMems(path);
    writeFileSync(join(CGROUP_ROOT, 'cpuset', path, 'cpuset.cpus'), r.CpusetCpus);
  }
}

function copyCpusetMems(path: string): void {
  const read = (p: string) => readFileSync(p, 'utf8').trim();
  const top = join(CGROUP_ROOT, 'cpuset');
  let dir = top;
  for (const part of path.split('/').filter(Boolean)) {
    dir = join(dir, part);
    mkdirSync(dir, { recursive: true });
    for (const f of ['cpuset.mems', 'cpuset.cpus']) if (read(join(dir, f)) === '') writeFileSync(join(dir, f), read(join(top, f)));
  }
}

function enableV2Controllers(path: string): void {
  let dir = CGROUP_ROOT;
  for (const part of path.split('/').filter(Boolean)) {
    try {
      writeFileSync(join(dir, 'cgroup.subtree_control'), '+memory +cpu +pids');
    } catch {
      // a controller the parent lacks: its limit write below says so
    }
    dir = join(dir, part);
    mkdirSync(dir, { recursive: true });
  }
}

/**
 * Removes the pod's cgroup directories, its members' (left empty by the runtime) first. A member
 * killed a moment ago may still be leaving (EBUSY): tried again for a few seconds, then left
 * quietly (an empty directory costs nothing and `pod rm` must not fail for it).
 */
export async function removePodCgroup(path: string): Promise<void> {
  const dirs = () => (isV2() ? [join(CGROUP_ROOT, path)] : readdirSync(CGROUP_ROOT).map((c) => join(CGROUP_ROOT, c, path))).filter((d) => existsSync(d));
  for (let attempt = 0; attempt < 30; attempt++) {
    let left = 0;
    for (const dir of dirs()) {
      try {
        for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rmdirSync(join(dir, e.name));
        rmdirSync(dir);
      } catch {
        left++;
      }
    }
    if (left === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
