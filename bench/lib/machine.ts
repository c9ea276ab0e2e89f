/** The machine a run happened on: cores, memory, kernel, date, tool versions, load. */
import { cpus, totalmem, release, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { run } from './proc.js';

export interface Machine {
  date: string;
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  os: string;
  node: string;
  filesystem: string;
  load1AtStart: number;
  versions: Record<string, string>;
}

async function firstLine(cmd: string, args: string[], pick?: RegExp): Promise<string> {
  try {
    const r = await run(cmd, args, { timeoutMs: 20_000 });
    const text = `${r.stdout}\n${r.stderr}`;
    if (pick) return pick.exec(text)?.[1] ?? 'unknown';
    return text.trim().split('\n')[0] ?? 'unknown';
  } catch {
    return 'missing';
  }
}

function osName(): string {
  try {
    return /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function describeMachine(hullMain: string, filesystem: string): Promise<Machine> {
  const versions: Record<string, string> = {
    hull: await firstLine(process.execPath, [hullMain, 'version'], /(\d+\.\d+\.\d+[^\s]*)/),
    podman: await firstLine('podman', ['--version'], /version (\S+)/),
    runc: await firstLine('runc', ['--version'], /runc version (\S+)/),
    conmon: await firstLine('conmon', ['--version'], /conmon version (\S+)/),
    skopeo: await firstLine('skopeo', ['--version'], /version (\S+)/),
    buildah: await firstLine('buildah', ['--version'], /version (\S+)/),
    umoci: await firstLine('umoci', ['--version'], /version (\S+)/),
    'docker-registry': await firstLine('docker-registry', ['--version'], /distribution (\S+)/),
    iperf3: await firstLine('iperf3', ['--version'], /iperf (\S+)/),
    'GNU tar': await firstLine('tar', ['--version'], /tar \(GNU tar\) (\S+)/),
  };
  return {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: release(),
    os: osName(),
    node: process.version,
    filesystem,
    load1AtStart: loadavg()[0] ?? 0,
    versions,
  };
}
