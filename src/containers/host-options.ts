/**
 * Between the flags a user gives, the HostConfig a container record keeps (docker's names and
 * units, so `inspect` shows them as docker does), and the options the spec functions take.
 * Pure both ways; validation happens when flags are read, so a bad flag never creates a container.
 */
import { securityOptionsFrom, computeCapabilities, type SecurityOptions } from '../runtime/security.js';
import { resourceOptionsFrom, checkResources, checkUlimits, type ResourceOptions } from '../runtime/resources.js';
import { parseDeviceFlag } from '../runtime/devices.js';
import type { HostLimit } from '../sys/host-limits.js';
import type { HostConfig } from './record.js';

export interface HostFlags {
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  securityOpt?: string[];
  memory?: string;
  memorySwap?: string;
  cpus?: string;
  cpuShares?: string;
  pidsLimit?: string;
  shmSize?: string;
  ulimits?: string[];
  devices?: string[];
  init?: boolean;
}

export type HostFields = Pick<HostConfig, 'Privileged' | 'CapAdd' | 'CapDrop' | 'SecurityOpt' | 'Memory' | 'MemorySwap' | 'NanoCpus' | 'CpuShares' | 'PidsLimit' | 'ShmSize' | 'Ulimits' | 'Devices' | 'Init'>;

/** Flags -> HostConfig fields, refusing bad values (and ulimits above the host's hard limits). */
export function hostFieldsFromFlags(f: HostFlags, hostLimits: Record<string, HostLimit>): HostFields {
  const security = securityOptionsFrom({ privileged: f.privileged ?? false, capAdd: f.capAdd ?? [], capDrop: f.capDrop ?? [], securityOpt: f.securityOpt ?? [] });
  computeCapabilities(security); // refuses unknown capability names now, not at start
  const resources = resourceOptionsFrom({ ...f, ulimits: f.ulimits ?? [] });
  checkResources(resources);
  checkUlimits(resources.ulimits, hostLimits);
  for (const d of f.devices ?? []) parseDeviceFlag(d);
  const out: HostFields = {
    Privileged: security.privileged,
    CapAdd: f.capAdd ?? [],
    CapDrop: f.capDrop ?? [],
    SecurityOpt: f.securityOpt ?? [],
    Ulimits: resources.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
    Devices: f.devices ?? [],
    Init: f.init ?? false,
  };
  if (resources.memory !== undefined) out.Memory = resources.memory;
  if (resources.memorySwap !== undefined) out.MemorySwap = resources.memorySwap;
  if (resources.cpus !== undefined) out.NanoCpus = Math.round(resources.cpus * 1e9);
  if (resources.cpuShares !== undefined) out.CpuShares = resources.cpuShares;
  if (resources.pidsLimit !== undefined) out.PidsLimit = resources.pidsLimit;
  if (resources.shmSize !== undefined) out.ShmSize = resources.shmSize;
  return out;
}

export function securityOf(hc: HostConfig): SecurityOptions {
  return securityOptionsFrom({ privileged: hc.Privileged ?? false, capAdd: hc.CapAdd ?? [], capDrop: hc.CapDrop ?? [], securityOpt: hc.SecurityOpt ?? [] });
}

export function resourcesOf(hc: HostConfig): ResourceOptions {
  const r: ResourceOptions = { ulimits: (hc.Ulimits ?? []).map((u) => ({ name: u.Name, soft: u.Soft, hard: u.Hard })) };
  if (hc.Memory !== undefined) r.memory = hc.Memory;
  if (hc.MemorySwap !== undefined) r.memorySwap = hc.MemorySwap;
  if (hc.NanoCpus !== undefined) r.cpus = hc.NanoCpus / 1e9;
  if (hc.CpuShares !== undefined) r.cpuShares = hc.CpuShares;
  if (hc.PidsLimit !== undefined) r.pidsLimit = hc.PidsLimit;
  if (hc.ShmSize !== undefined) r.shmSize = hc.ShmSize;
  return r;
}
