/**
 * The engine's view of itself, for `hull info`/`system df` and the API's `/info`/`/system/df`:
 * how it is set up (storage driver and why, runtime, cgroups, kernel, OS) and what it stores.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, hostname, release, totalmem } from 'node:os';
import { hullVersion } from '../version.js';
import { execCapture } from '../sys/exec.js';
import { readDriverReason } from '../snapshots/select.js';
import { diskUsage as dirUsage } from '../volumes/volume-store.js';
import { volumesInUse } from '../volumes/in-use.js';
import type { ImageService } from '../images/image-service.js';
import type { ContainerService } from '../containers/service.js';
import type { VolumeStore } from '../volumes/volume-store.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import type { RuntimeOptions } from '../runtime/runc.js';
import type { RootlessOptions } from './engine.js';
import { rootlessInfo, type RootlessInfo } from './rootless-info.js';
import { findPauseProcess } from '../sys/userns.js';

export interface SystemDeps {
  root: string;
  runroot: string;
  images: ImageService;
  containers: ContainerService;
  volumes: VolumeStore;
  runtime: RuntimeOptions;
  snapshotter(): Promise<Snapshotter>;
  rootless?: RootlessOptions;
}

export interface SystemInfo {
  Version: string;
  Root: string;
  RunRoot: string;
  Driver: string;
  DriverReason: string;
  Runtime: string;
  RuntimeVersion: string;
  CgroupVersion: string;
  CgroupDriver: string;
  Kernel: string;
  OperatingSystem: string;
  Name: string;
  NCPU: number;
  MemTotal: number;
  Images: number;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Isolation: string;
  /** Set when an ordinary user runs hull (docs/rootless.md). */
  Rootless?: RootlessInfo;
}

export interface DfRow {
  Type: 'Images' | 'Containers' | 'Local Volumes';
  TotalCount: number;
  Active: number;
  Size: number;
  Reclaimable: number;
}

export async function systemInfo(d: SystemDeps): Promise<SystemInfo> {
  const snapshotter = await d.snapshotter();
  const containers = d.containers.list(true);
  const runtimeVersion = (await execCapture([d.runtime.binary, '--version']).catch(() => ({ stdout: 'not found' }))).stdout.split('\n')[0] ?? '';
  let os = 'unknown';
  try {
    os = /PRETTY_NAME="([^"]*)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os;
  } catch {
    // no os-release: keep "unknown"
  }
  return {
    Version: hullVersion(),
    Root: d.root,
    RunRoot: d.runroot,
    Driver: snapshotter.driver,
    DriverReason: (await readDriverReason(d.root)) ?? '',
    Runtime: d.runtime.binary,
    RuntimeVersion: runtimeVersion,
    CgroupVersion: existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1',
    CgroupDriver: 'cgroupfs',
    Kernel: release(),
    OperatingSystem: os,
    Name: hostname(),
    NCPU: cpus().length,
    MemTotal: totalmem(),
    Images: d.images.list().length,
    Containers: containers.length,
    ContainersRunning: containers.filter((c) => c.State.Status === 'running').length,
    ContainersPaused: containers.filter((c) => c.State.Status === 'paused').length,
    ContainersStopped: containers.filter((c) => c.State.Status === 'exited' || c.State.Status === 'created').length,
    Isolation: `${d.runtime.rootless ? 'user, ' : ''}pid, mount, uts, ipc and network namespaces; default capability set; masked /proc and /sys paths; no-new-privileges`,
    ...(d.rootless && d.runtime.rootless ? { Rootless: rootlessInfo(d.rootless, d.runtime.rootless, d, findPauseProcess(d.rootless.pausePidFile)) } : {}),
  };
}

/** Each container's writable layer, in bytes (`ps --size`); only those of `ids` when given. */
export async function containerSizes(d: SystemDeps, ids?: readonly string[]): Promise<Map<string, number>> {
  const snapshotter = await d.snapshotter();
  const wanted = ids ? new Set(ids) : undefined;
  return new Map(d.containers.list(true).filter((c) => wanted?.has(c.Id) ?? true).map((c) => {
    try {
      return [c.Id, dirUsage(snapshotter.viewUpperDir(c.Id))];
    } catch {
      return [c.Id, 0];
    }
  }));
}

/**
 * Images: the distinct blobs and unpacked layers of all images (reclaimable: what `image prune -a`
 * frees). Containers: their writable layers (reclaimable: those of stopped ones). Volumes: their
 * content (reclaimable: volumes no container uses).
 */
export async function systemDiskUsage(d: SystemDeps): Promise<DfRow[]> {
  const snapshotter = await d.snapshotter();
  const images = await d.images.diskUsage();
  const containers = d.containers.list(true);
  const upper = (id: string) => {
    try {
      return dirUsage(snapshotter.viewUpperDir(id));
    } catch {
      return 0;
    }
  };
  const cSizes = containers.map((c) => ({ running: c.State.Status === 'running' || c.State.Status === 'paused', size: upper(c.Id) }));
  const volumes = d.volumes.list();
  const used = volumesInUse(containers);
  const vSizes = volumes.map((v) => ({ used: used.has(v.Name), size: dirUsage(v.Mountpoint) }));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return [
    { Type: 'Images', TotalCount: images.total, Active: images.active, Size: images.size, Reclaimable: images.reclaimable },
    { Type: 'Containers', TotalCount: containers.length, Active: cSizes.filter((c) => c.running).length, Size: sum(cSizes.map((c) => c.size)), Reclaimable: sum(cSizes.filter((c) => !c.running).map((c) => c.size)) },
    { Type: 'Local Volumes', TotalCount: volumes.length, Active: vSizes.filter((v) => v.used).length, Size: sum(vSizes.map((v) => v.size)), Reclaimable: sum(vSizes.filter((v) => !v.used).map((v) => v.size)) },
  ];
}
