/**
 * The container record: what hull knows about a container, in Docker's vocabulary so that
 * `inspect` can render it directly.
 *
 *   <root>/containers/<id>/container.json   version 1, written atomically under the container's lock
 *   <root>/containers/names/<name>          contains the id; created with O_EXCL, so names are unique
 *   <runroot>/containers/<id>/              bundle (config.json), rootfs mount point, /etc files
 */
import type { Digest } from '../oci/digest.js';

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
  StopSignal?: string;
}

export interface HostConfig {
  AutoRemove: boolean;
  NetworkMode: string;
  ReadonlyRootfs: boolean;
  Runtime: string;
  /** Bytes after which conmon truncates the log (so logs never fill the disk). */
  LogSizeMax?: number;
  /** Seconds `stop` waits before SIGKILL (docker's default: 10). */
  StopTimeout?: number;
}

export interface ContainerState {
  Status: ContainerStatus;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  OOMKilled: boolean;
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
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';
