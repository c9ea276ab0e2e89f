/**
 * From the HostConfig a container record keeps (docker's names and units, so `inspect` shows them
 * as docker does) to the options the spec functions take. Pure; requests are validated before a
 * record exists (create-check.ts), so a bad value never creates a container.
 */
import { securityOptionsFrom, type SecurityOptions } from '../runtime/security.js';
import type { ResourceOptions } from '../runtime/resources.js';
import type { HostConfig } from './record.js';

export function securityOf(hc: HostConfig): SecurityOptions {
  return {
    ...securityOptionsFrom({ privileged: hc.Privileged ?? false, capAdd: hc.CapAdd ?? [], capDrop: hc.CapDrop ?? [], securityOpt: hc.SecurityOpt ?? [] }),
    ...(hc.MaskedPaths ? { maskedPaths: hc.MaskedPaths } : {}),
    ...(hc.ReadonlyPaths ? { readonlyPaths: hc.ReadonlyPaths } : {}),
  };
}

export function resourcesOf(hc: HostConfig): ResourceOptions {
  const r: ResourceOptions = { ulimits: (hc.Ulimits ?? []).map((u) => ({ name: u.Name, soft: u.Soft, hard: u.Hard })) };
  if (hc.Memory !== undefined) r.memory = hc.Memory;
  if (hc.MemorySwap !== undefined) r.memorySwap = hc.MemorySwap;
  if (hc.NanoCpus !== undefined) r.cpus = hc.NanoCpus / 1e9;
  if (hc.CpuShares !== undefined) r.cpuShares = hc.CpuShares;
  if (hc.PidsLimit !== undefined) r.pidsLimit = hc.PidsLimit;
  if (hc.ShmSize !== undefined) r.shmSize = hc.ShmSize;
  if (hc.BlkioWeight !== undefined) r.blkioWeight = hc.BlkioWeight;
  return r;
}
