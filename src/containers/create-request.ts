/**
 * What a front door asks for when it creates a container: the Docker Engine API's ContainerCreate
 * body (`POST /containers/create`, API v1.47), so the API passes it straight through, the CLI
 * translates its flags into it, and compose and kube build it from their files. Types only.
 * Everything here is checked by `checkCreateRequest` (create-check.ts) whoever sends it.
 *
 * Values are parsed (bytes, nano-CPUs, objects), never flag strings; the one exception is Docker's
 * own `HostConfig.Binds`, whose `SRC:DST:OPTS` strings are part of the API.
 */

/** Docker's health check (durations in nanoseconds; Test ["NONE"] disables the image's). */
export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
  StartInterval?: number;
}

export interface CreateConfig {
  Image: string;
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, object>;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  /** KEY=VALUE entries; an entry without "=" carries no value and is dropped. */
  Env?: string[];
  /** Docker accepts a string (one word) or a list. */
  Cmd?: string[] | string | null;
  Healthcheck?: HealthConfig;
  /** podman's extension: none | kill | restart | stop, once the container turns unhealthy. */
  HealthcheckOnFailureAction?: string;
  /**
   * hull's extension, podman's startup health check (`--health-startup-*`; Kubernetes'
   * startupProbe): run after each start instead of Healthcheck until it passes once; Retries
   * failures in a row restart the container. Then Healthcheck takes over.
   */
  StartupHealthcheck?: HealthConfig;
  ArgsEscaped?: boolean;
  /** Anonymous volumes: {"/data": {}}. */
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  /** [""] (or "") clears the image's entrypoint, as `--entrypoint ""` does. */
  Entrypoint?: string[] | string | null;
  NetworkDisabled?: boolean;
  MacAddress?: string;
  OnBuild?: string[] | null;
  Labels?: Record<string, string>;
  StopSignal?: string;
  /** Seconds `stop` waits before SIGKILL. */
  StopTimeout?: number;
  Shell?: string[] | null;
}

/** Docker's mount object (HostConfig.Mounts, `--mount`). */
export interface DockerMount {
  Type: 'bind' | 'volume' | 'tmpfs' | string;
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; CreateMountpoint?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; DriverConfig?: { Name?: string; Options?: Record<string, string> } };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer?: string;
  CgroupPermissions?: string;
}

export interface RestartPolicy {
  /** "" | "no" | "always" | "unless-stopped" | "on-failure". */
  Name?: string;
  MaximumRetryCount?: number;
}

export interface LogConfig {
  /** json-file, k8s-file (what conmon writes) or none. */
  Type?: string;
  Config?: Record<string, string>;
}

export interface CreateHostConfig {
  Binds?: string[] | null;
  ContainerIDFile?: string;
  LogConfig?: LogConfig;
  /** none | host | bridge | default | NETWORK | container:NAME_OR_ID. */
  NetworkMode?: string;
  PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null;
  RestartPolicy?: RestartPolicy;
  AutoRemove?: boolean;
  VolumeDriver?: string;
  VolumesFrom?: string[] | null;
  Mounts?: DockerMount[] | null;
  ConsoleSize?: [number, number] | null;
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  CgroupnsMode?: string;
  Dns?: string[] | null;
  DnsOptions?: string[] | null;
  DnsSearch?: string[] | null;
  ExtraHosts?: string[] | null;
  GroupAdd?: string[] | null;
  IpcMode?: string;
  Cgroup?: string;
  Links?: string[] | null;
  OomScoreAdj?: number;
  PidMode?: string;
  Privileged?: boolean;
  PublishAllPorts?: boolean;
  ReadonlyRootfs?: boolean;
  SecurityOpt?: string[] | null;
  StorageOpt?: Record<string, string> | null;
  Tmpfs?: Record<string, string> | null;
  /** private (default), host, or container:NAME_OR_ID (a pod member joins its infra's). */
  UTSMode?: string;
  UsernsMode?: string;
  ShmSize?: number;
  Sysctls?: Record<string, string> | null;
  Runtime?: string;
  Isolation?: string;
  // Resources, in Docker's units (bytes, nano-CPUs).
  CpuShares?: number;
  Memory?: number;
  NanoCpus?: number;
  /** The cgroup (cgroupfs path, e.g. /hull/pod-ID) the container's cgroup sits under; default /hull. */
  CgroupParent?: string;
  BlkioWeight?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  Devices?: DeviceMapping[] | null;
  DeviceCgroupRules?: string[] | null;
  DeviceRequests?: unknown[] | null;
  KernelMemory?: number;
  KernelMemoryTCP?: number;
  MemoryReservation?: number;
  MemorySwap?: number;
  MemorySwappiness?: number | null;
  OomKillDisable?: boolean | null;
  PidsLimit?: number | null;
  Ulimits?: Array<{ Name: string; Soft: number; Hard: number }> | null;
  Init?: boolean | null;
  MaskedPaths?: string[] | null;
  ReadonlyPaths?: string[] | null;
}

export interface EndpointConfig {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  Links?: string[] | null;
  Aliases?: string[] | null;
  MacAddress?: string;
  NetworkID?: string;
  EndpointID?: string;
  Gateway?: string;
  IPAddress?: string;
  DriverOpts?: Record<string, string> | null;
}

/** The whole body of `POST /containers/create`, plus the `?name=` query parameter. */
export interface ContainerCreateRequest {
  name?: string;
  Config: CreateConfig;
  HostConfig?: CreateHostConfig;
  NetworkingConfig?: { EndpointsConfig?: Record<string, EndpointConfig> | null };
  /**
   * hull's extension (podman's `--pod`): the pod (name or ID) the container joins. The core fills
   * in the namespace modes (network, IPC, UTS, and pid if the pod shares it) and the cgroup parent
   * from the pod (pods/member.ts); the request must not set them itself.
   */
  Pod?: string;
  /** podman's `--init-ctr always|once`: with Pod, an init container run to completion before the others at each pod start. */
  InitContainerType?: string;
}
