/**
 * `docker update` / `hull update`: new resource limits and restart policy for a container. The
 * record is what every later start builds the bundle from; a running (or paused) container gets
 * the new limits at once through `runc update`, which writes its cgroup.
 *
 *   planUpdate(hostConfig, request, host)   pure: docker's rules (0 or "" leaves a field as it is)
 *   resourcesForUpdate(spec, hostConfig)    pure: linux.resources for runc update and the bundle
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { HullError } from '../errors.js';
import { writeJsonAtomic } from '../sys/atomic-write.js';
import { execOrThrow } from '../sys/exec.js';
import { hostHasBlkioWeight } from '../sys/host-limits.js';
import { runcArgv, type RuntimeOptions } from '../runtime/runc.js';
import type { RuntimeSpec, SpecResources } from '../oci/runtime-spec.js';
import { applyResources, checkResources, readSwapAccounting } from '../runtime/resources.js';
import { checkRestartPolicy } from './create-check.js';
import type { RestartPolicy } from './create-request.js';
import { resourcesOf } from './host-options.js';
import type { ContainerRecord, HostConfig } from './record.js';
import type { ContainerPaths } from './paths.js';

/** Docker's ContainerUpdate body (Resources + RestartPolicy); what the engine applies. */
export interface UpdateRequest {
  Memory?: number;
  MemorySwap?: number;
  MemoryReservation?: number;
  NanoCpus?: number;
  CpuQuota?: number;
  CpuPeriod?: number;
  CpuShares?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  PidsLimit?: number;
  BlkioWeight?: number;
  RestartPolicy?: RestartPolicy;
}

export interface UpdateHost {
  swapAccounting: boolean;
  /** The kernel has blkio.weight (cgroup v1 with the BFQ/CFQ I/O scheduler) or io.weight. */
  blkioWeight: boolean;
  cpus?: number;
}

const CPUSET = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

/** Pure: the container's HostConfig after the update; throws INVALID_ARGUMENT naming the field. */
export function planUpdate(name: string, hc: HostConfig, req: UpdateRequest, host: UpdateHost): HostConfig {
  const bad = (message: string, hint?: string) => new HullError('INVALID_ARGUMENT', `Cannot update container "${name}": ${message}`, hint ? { hint } : {});
  const next: HostConfig = { ...hc };
  const whole = (v: number | undefined, field: string, min = 0): number | undefined => {
    if (v === undefined || v === 0) return undefined;
    if (!Number.isInteger(v) || v < min) throw bad(`${field} must be a whole number${min < 0 ? '' : ' of 0 or more'}, got ${v}`);
    return v;
  };
  const memory = whole(req.Memory, 'Memory');
  const swap = whole(req.MemorySwap, 'MemorySwap', -1);
  if (memory !== undefined) {
    next.Memory = memory;
    // The old memory+swap total belonged to the old limit: docker's default (twice the memory) again.
    if (swap === undefined && hc.MemorySwap !== -1) delete next.MemorySwap;
  }
  if (swap !== undefined) next.MemorySwap = swap;
  const reservation = whole(req.MemoryReservation, 'MemoryReservation');
  if (reservation !== undefined) next.MemoryReservation = reservation;
  if (next.MemoryReservation && next.Memory && next.MemoryReservation > next.Memory) throw bad('the memory reservation is above the memory limit', 'the reservation is a soft limit below the hard one');
  const quota = whole(req.CpuQuota, 'CpuQuota');
  const period = whole(req.CpuPeriod, 'CpuPeriod');
  const nano = whole(req.NanoCpus, 'NanoCpus');
  if (quota !== undefined && nano !== undefined) throw bad('it sets both NanoCpus and CpuQuota', 'give --cpus or --cpu-quota, not both');
  if (period !== undefined && quota === undefined) throw bad('CpuPeriod without CpuQuota', 'hull keeps CPU limits as a number of CPUs: give --cpu-quota with --cpu-period, or --cpus');
  if (period !== undefined && (period < 1000 || period > 1_000_000)) throw bad(`CpuPeriod ${period} is outside 1000 to 1000000 microseconds`);
  if (quota !== undefined) next.NanoCpus = Math.round((quota * 1e9) / (period ?? 100_000));
  if (nano !== undefined) next.NanoCpus = nano;
  const shares = whole(req.CpuShares, 'CpuShares');
  if (shares !== undefined) next.CpuShares = shares;
  for (const f of ['CpusetCpus', 'CpusetMems'] as const) {
    const v = req[f];
    if (v === undefined || v === '') continue;
    if (typeof v !== 'string' || !CPUSET.test(v)) throw bad(`${f} "${String(v)}" is not a list such as 0-2,4`);
    next[f] = v;
  }
  const pids = whole(req.PidsLimit, 'PidsLimit', -1);
  if (pids !== undefined) next.PidsLimit = pids;
  const weight = whole(req.BlkioWeight, 'BlkioWeight');
  if (weight !== undefined) {
    if (weight < 10 || weight > 1000) throw bad(`BlkioWeight ${weight} is outside 10 to 1000`);
    if (!host.blkioWeight) throw bad('this kernel has no block I/O weight (blkio.weight needs the BFQ or CFQ I/O scheduler)', 'leave out --blkio-weight');
    next.BlkioWeight = weight;
  }
  if (req.RestartPolicy?.Name) {
    const policy = checkRestartPolicy(req.RestartPolicy, hc.AutoRemove);
    if (policy) next.RestartPolicy = policy;
    else delete next.RestartPolicy;
  }
  try {
    checkResources(resourcesOf(next), host);
  } catch (err) {
    if (err instanceof HullError) throw bad(err.message.replace(/^Cannot use /, 'cannot use '), err.hint);
    throw err;
  }
  return next;
}

/** Pure: the bundle's resources with the update applied (cgroup fields only, for `runc update`). */
export function resourcesForUpdate(spec: RuntimeSpec, hc: HostConfig, host: UpdateHost): SpecResources {
  const r = applyResources(spec, resourcesOf(hc), host).linux.resources ?? {};
  const cpu = { ...r.cpu, ...(hc.CpusetCpus ? { cpus: hc.CpusetCpus } : {}), ...(hc.CpusetMems ? { mems: hc.CpusetMems } : {}) };
  const memory = { ...r.memory, ...(hc.MemoryReservation ? { reservation: hc.MemoryReservation } : {}) };
  return {
    ...(Object.keys(memory).length > 0 ? { memory } : {}),
    ...(Object.keys(cpu).length > 0 ? { cpu } : {}),
    ...(r.pids ? { pids: r.pids } : {}),
    ...(r.blockIO ? { blockIO: r.blockIO } : {}),
  };
}

/** The edge: what the host's kernel offers for an update. */
export function readUpdateHost(): UpdateHost {
  return { swapAccounting: readSwapAccounting(), blkioWeight: hostHasBlkioWeight(), cpus: availableParallelism() };
}

/** Applies the new limits to a running or paused container's cgroup, and to its bundle. */
export async function applyUpdate(runtime: RuntimeOptions, record: ContainerRecord, paths: ContainerPaths, next: HostConfig, host: UpdateHost): Promise<void> {
  if (record.State.Status !== 'running' && record.State.Status !== 'paused') return; // the next start builds the bundle from the record
  const spec = JSON.parse(readFileSync(paths.config, 'utf8')) as RuntimeSpec;
  const resources = resourcesForUpdate(spec, next, host);
  await execOrThrow(runcArgv.update(runtime, record.Id), `update container "${record.Name}"`, { input: JSON.stringify(resources) });
  writeJsonAtomic(paths.config, { ...spec, linux: { ...spec.linux, resources: { ...spec.linux.resources, ...resources } } }, { ephemeral: true });
}
