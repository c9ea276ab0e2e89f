/**
 * What `hull info` and the API's `/info` report about this host and store, as data: the front ends
 * only render it. Reads the kernel, /etc/os-release and the runtime's version; nothing is cached.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, hostname, release, totalmem, arch } from 'node:os';
import { hullVersion } from '../version.js';
import { execCapture } from '../sys/exec.js';
import { readDriverReason } from '../snapshots/select.js';
import { apparmorEnabled } from '../runtime/security.js';
import type { Engine } from './engine.js';

export interface SystemInfo {
  version: string;
  root: string;
  runroot: string;
  driver: string;
  driverReason: string;
  runtime: string;
  runtimeVersion: string;
  cgroupVersion: '1' | '2';
  kernel: string;
  operatingSystem: string;
  osVersion: string;
  architecture: string;
  cpus: number;
  memoryBytes: number;
  hostname: string;
  images: number;
  containers: { total: number; running: number; paused: number; stopped: number };
  /** Docker's SecurityOptions strings: name=seccomp,profile=builtin ... */
  securityOptions: string[];
}

function osRelease(): { pretty: string; version: string } {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return { pretty: /PRETTY_NAME="([^"]*)"/.exec(text)?.[1] ?? 'unknown', version: /VERSION_ID="?([^"\n]*)"?/.exec(text)?.[1] ?? '' };
  } catch {
    return { pretty: 'unknown', version: '' };
  }
}

export async function systemInfo(engine: Engine): Promise<SystemInfo> {
  const snapshotter = await engine.snapshotter();
  const containers = engine.containers.list(true);
  const runtimeVersion = (await execCapture([engine.runtime.binary, '--version']).catch(() => ({ stdout: 'not found' }))).stdout.split('\n')[0] ?? '';
  const os = osRelease();
  const count = (s: string) => containers.filter((c) => c.State.Status === s).length;
  return {
    version: hullVersion(),
    root: engine.options.root,
    runroot: engine.options.runroot,
    driver: snapshotter.driver,
    driverReason: (await readDriverReason(engine.options.root)) ?? '',
    runtime: engine.runtime.binary,
    runtimeVersion,
    cgroupVersion: existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1',
    kernel: release(),
    operatingSystem: os.pretty,
    osVersion: os.version,
    architecture: arch(),
    cpus: availableParallelism(),
    memoryBytes: totalmem(),
    hostname: hostname(),
    images: engine.images.list().length,
    containers: { total: containers.length, running: count('running'), paused: count('paused'), stopped: containers.length - count('running') - count('paused') },
    securityOptions: [...(apparmorEnabled() ? ['name=apparmor'] : []), 'name=seccomp,profile=builtin', 'name=no-new-privileges'],
  };
}
