/**
 * The pod record: what hull keeps about a pod. Its members are not listed here: a container
 * record names its pod (ContainerRecord.Pod), so the two can never disagree; the pod's state is
 * derived from its containers' (status.ts).
 *
 *   <root>/pods/<id>/pod.json     version 1, written atomically under <root>/pods/<id>/lock
 *   <root>/pods/<id>.op.lock      one pod operation at a time (start, stop, rm, ...)
 *   <root>/pods/names/<name>      the id, then the reserving process; created with O_EXCL, so pod names are unique
 *
 * A pod being created carries `Creating` (its creator's owner token) until its infra container
 * exists; one whose creator died (kill -9) is removed by the next read, never shown as ready.
 */
import type { DockerPortBindings } from '../network/ports.js';

/** Namespaces a pod's members share with its infra (podman's --share; cgroup is always shared). */
export type SharedNamespace = 'net' | 'ipc' | 'uts' | 'pid';

/** Limits of the pod's cgroup, which every member's cgroup sits under (docker's units). */
export interface PodResources {
  /** Bytes. */
  Memory?: number;
  /** Bytes of memory plus swap (-1: unlimited). */
  MemorySwap?: number;
  NanoCpus?: number;
  CpuShares?: number;
  PidsLimit?: number;
  CpusetCpus?: string;
}

/** The pod's network, held by its infra container (which owns the namespace). */
export interface PodNetwork {
  /** bridge | NETWORK | none | host. */
  Mode: string;
  PortBindings: DockerPortBindings;
  Dns: string[];
  DnsSearch: string[];
  DnsOptions: string[];
  ExtraHosts: string[];
  Aliases: string[];
  IP?: string;
}

export interface PodRecord {
  version: 1;
  Id: string;
  Name: string;
  Created: string;
  Labels: Record<string, string>;
  /** Free-form metadata (Kubernetes annotations, CRI sandbox annotations). */
  Annotations: Record<string, string>;
  Hostname: string;
  SharedNamespaces: SharedNamespace[];
  /** cgroupfs path of the pod's cgroup: members' cgroups are <CgroupParent>/<container id>. */
  CgroupParent: string;
  Resources: PodResources;
  Network: PodNetwork;
  /** Namespaced sysctls of the infra (net.* apply to every member sharing the network). */
  Sysctls: Record<string, string>;
  /** /dev/shm size of the infra, in bytes (members sharing IPC see it). */
  ShmSize?: number;
  /** The image of the infra container; undefined: hull's built-in one (infra-image.ts). */
  InfraImage?: string;
  InfraContainerId: string;
  /** Set while the pod is being created: the creator's owner token ("pid starttime"). */
  Creating?: string;
}
