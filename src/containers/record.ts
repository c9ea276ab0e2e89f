/**
 * The container record: what hull knows about a container, in Docker's vocabulary so that
 * `inspect` can render it directly.
 *
 *   <root>/containers/<id>/container.json   version 1, written atomically under the container's lock
 *   <root>/containers/names/<name>          the id, then the reserving process; created with O_EXCL, so names are unique
 *   <runroot>/containers/<id>/              bundle (config.json), rootfs mount point, /etc files
 */
import type { Digest } from '../oci/digest.js';
import type { SpecMount } from '../oci/runtime-spec.js';
import type { InspectMount } from '../volumes/resolve.js';
import type { DockerPortBindings } from '../network/ports.js';
import type { EndpointSettings } from '../network/service.js';
import type { DeviceMapping, HealthConfig, LogConfig, RestartPolicy } from './create-request.js';
import type { HealthState } from '../health/health-state.js';
import type { HealthOnFailure } from '../health/health-config.js';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'removing' | 'dead';

export interface ContainerConfig {
  Image: string;
  Cmd: string[];
  Entrypoint: string[];
  Env: string[];
  WorkingDir: string;
  User: string;
  Hostname: string;
  Labels: Record<string, string>;
  Tty: boolean;
  OpenStdin: boolean;
  /** Docker's: stdin closes with the first attached client's (else it stays open for the next attach). */
  StdinOnce?: boolean;
  StopSignal?: string;
  Domainname?: string;
  ExposedPorts?: Record<string, object>;
  Healthcheck?: HealthConfig;
  /** podman's --health-on-failure (podman inspect's name for it). */
  HealthcheckOnFailureAction?: HealthOnFailure;
  /** Run after each start until it passes once (create-request.ts). */
  StartupHealthcheck?: HealthConfig;
}

export interface HostConfig {
  AutoRemove: boolean;
  /** none | host | bridge | NETWORK | container:ID (network/flags.ts). */
  NetworkMode: string;
  /** -p and -P; a HostPort of "" is chosen when the container starts. */
  PortBindings?: DockerPortBindings;
  PublishAllPorts?: boolean;
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
  /** --add-host NAME:IP. */
  ExtraHosts?: string[];
  ReadonlyRootfs: boolean;
  Runtime: string;
  /** Bytes after which conmon truncates the log (so logs never fill the disk). */
  LogSizeMax?: number;
  /** Seconds `stop` waits before SIGKILL (docker's default: 10). */
  StopTimeout?: number;
  // Security, as docker names them; turned into SecurityOptions by host-options.ts at each start.
  Privileged?: boolean;
  CapAdd?: string[];
  CapDrop?: string[];
  SecurityOpt?: string[];
  /** Replace the runtime's default masked and read-only /proc and /sys paths (docker's fields, the CRI's). */
  MaskedPaths?: string[];
  ReadonlyPaths?: string[];
  // Resources, in docker's units (bytes, nano-CPUs).
  Memory?: number;
  MemorySwap?: number;
  NanoCpus?: number;
  CpuShares?: number;
  PidsLimit?: number;
  ShmSize?: number;
  BlkioWeight?: number;
  Ulimits?: Array<{ Name: string; Soft: number; Hard: number }>;
  /** Host devices (records made before version 0.2 hold --device flag strings). */
  Devices?: Array<DeviceMapping | string>;
  /** -v flags as given, and --tmpfs. */
  Binds?: string[];
  Tmpfs?: Record<string, string>;
  /** Run catatonit as PID 1 (reaps zombies, forwards signals). */
  Init?: boolean;
  /** docker's log driver as asked (json-file is conmon's k8s-file here) and its options. */
  LogConfig?: LogConfig;
  RestartPolicy?: RestartPolicy;
  // Kernel options (runtime/kernel-options.ts), as docker names them; container: modes hold the ID.
  PidMode?: string;
  IpcMode?: string;
  /** host, or container:ID (a pod member shares its infra's hostname). */
  UTSMode?: string;
  /** The cgroupfs parent of the container's cgroup (default /hull; a pod's /hull/pod-ID). */
  CgroupParent?: string;
  /** keep-id (rootless mode): the user's own ID inside the container (runtime/rootless.ts). */
  UsernsMode?: string;
  Sysctls?: Record<string, string>;
  OomScoreAdj?: number;
  /** Group names (from the image's /etc/group) or numeric gids. */
  GroupAdd?: string[];
  CpusetCpus?: string;
  CpusetMems?: string;
  MemoryReservation?: number;
  OomKillDisable?: boolean;
  /** Legacy links as "TARGET_ID:ALIAS": /etc/hosts names the target's address by the alias. */
  Links?: string[];
}

/** hull's own bookkeeping for mounts, resolved at create time. */
export interface MountState {
  /** The OCI mounts added to the spec (binds, volumes' _data dirs, tmpfs). */
  spec: SpecMount[];
  /** Volumes still to be filled from the image's content on first start (docker's copy-up). */
  pendingCopies: Array<{ name: string; path: string; mountpoint: string }>;
  /** Anonymous volumes created for this container: removed with it by --rm and rm -v. */
  anonymous: string[];
}

export interface ContainerState {
  Status: ContainerStatus;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  OOMKilled: boolean;
  /** Docker's State.Health, for a container with a health check (health/health-state.ts). */
  Health?: HealthState;
}

/**
 * What the restart policy needs to remember between exits, with no daemon to keep it in memory
 * (health/restart-policy.ts): the last back-off delay, when a pending restart is due, and whether
 * the user stopped the container (stop, kill, rm -f: Docker's HasBeenManuallyStopped).
 */
export interface RestartBookkeeping {
  delayMs: number;
  /** While "restarting": when the back-off ends (ms since the epoch). */
  dueAt?: number;
  stoppedByUser: boolean;
}

export interface ContainerRecord {
  version: 1;
  Id: string;
  Name: string;
  Created: string;
  ImageId: Digest;
  /** The topmost layer's chainID: the parent of the container's writable view. */
  ImageChainId: string | undefined;
  Path: string;
  Args: string[];
  Config: ContainerConfig;
  HostConfig: HostConfig;
  State: ContainerState;
  Driver: string;
  /** docker inspect's Mounts. */
  Mounts: InspectMount[];
  MountState: MountState;
  /** The networks joined besides NetworkMode's, with --network-alias and --ip (docker's shape). */
  NetworkSettings?: { Networks: Record<string, EndpointSettings> };
  /** Restarts by the restart policy since the user last started it (Docker's RestartCount). */
  RestartCount?: number;
  Restart?: RestartBookkeeping;
  /** The ID of the pod the container belongs to (podman inspect's "Pod"). */
  Pod?: string;
  /** The pod's infra container, which holds its namespaces (podman's IsInfra). */
  IsInfra?: boolean;
  /** An init container of its pod: run to completion before the others (always: each pod start; once: removed after it succeeded). */
  InitContainerType?: 'always' | 'once';
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';
