/**
 * Docker-API services for the benchmarks: `hull system service` and `podman system service`, each
 * on a private unix socket and store, driven by the real docker CLI (DOCKER_HOST, a private
 * DOCKER_CONFIG) or by plain HTTP over the socket. Also what the memory figures need: the resident
 * memory of a service's process tree, sampled while a burst of concurrent clients runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { groupMemory, processTree, type GroupMemory } from './procmem.js';
import { runOk, timeOk, type RunResult } from './proc.js';

export interface ApiService {
  name: string;
  socket: string;
  child: ChildProcess;
  /** Environment of a docker CLI that talks to this service. */
  env: NodeJS.ProcessEnv;
  docker(args: readonly string[], opts?: { quiet?: boolean; timeoutMs?: number }): Promise<RunResult>;
  time(args: readonly string[], opts?: { timeoutMs?: number }): Promise<number>;
  /** The service's process tree (found by the socket path on its command line). */
  memory(): GroupMemory;
  stop(): Promise<void>;
}

async function waitForSocket(name: string, path: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 400 && !existsSync(path); i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!existsSync(path)) throw new Error(`${name} made no socket in 20 s`);
}

/** Starts `argv` (which serves the Docker API on `socket`) and waits for its socket. */
export async function startApiService(name: string, argv: string[], socket: string, configDir: string, env: NodeJS.ProcessEnv = process.env): Promise<ApiService> {
  const [cmd, ...args] = argv;
  const child = spawn(cmd as string, args, { env, stdio: 'ignore' });
  await waitForSocket(name, socket, child);
  mkdirSync(configDir, { recursive: true });
  // DOCKER_BUILDKIT=0: the legacy builder (POST /build), which both services implement; without
  // buildx the CLI falls back to it anyway, but prints a note each time.
  const cliEnv: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: configDir, DOCKER_BUILDKIT: '0' };
  return {
    name, socket, child, env: cliEnv,
    docker: (a, o = {}) => runOk('docker', a, { env: cliEnv, quiet: o.quiet ?? false, timeoutMs: o.timeoutMs ?? 300_000 }),
    time: (a, o = {}) => timeOk('docker', a, { env: cliEnv, quiet: true, timeoutMs: o.timeoutMs ?? 300_000 }),
    memory: () => groupMemory(processTree([socket])),
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) { resolve(); return; }
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => { if (child.exitCode === null) child.kill('SIGKILL'); }, 10_000).unref();
    }),
  };
}

/** One GET over the unix socket on a connection of its own; resolves with the body's length. */
export function getOverSocket(socket: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path, method: 'GET', agent: false, headers: { host: 'docker' } }, (res) => {
      let n = 0;
      res.on('data', (b: Buffer) => { n += b.length; });
      res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`GET ${path}: HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export interface BurstResult { ms: number; peakRssMiB: number; peakPssMiB: number }

/**
 * `bursts` times, `clients` concurrent GETs of `path`, each on its own connection, while the
 * service's memory is sampled every 10 ms; returns the wall time and the highest sample.
 */
export async function burstWithMemory(service: ApiService, path: string, clients: number, bursts: number): Promise<BurstResult> {
  let peakRss = 0;
  let peakPss = 0;
  const sample = (): void => { const m = service.memory(); peakRss = Math.max(peakRss, m.rssMiB); peakPss = Math.max(peakPss, m.pssMiB); };
  const timer = setInterval(sample, 10);
  const t0 = process.hrtime.bigint();
  try {
    for (let b = 0; b < bursts; b++) await Promise.all(Array.from({ length: clients }, () => getOverSocket(service.socket, path)));
  } finally {
    clearInterval(timer);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  sample();
  return { ms, peakRssMiB: peakRss, peakPssMiB: peakPss };
}

/** A few readings of the service's memory, `gapMs` apart, with nothing in flight. */
export async function idleMemory(service: ApiService, readings: number, gapMs: number): Promise<GroupMemory[]> {
  const out: GroupMemory[] = [];
  for (let i = 0; i < readings; i++) {
    await new Promise((r) => setTimeout(r, gapMs));
    out.push(service.memory());
  }
  return out;
}

/** A socket path and CLI config directory for a service under `dir`. */
export function servicePaths(dir: string, name: string): { socket: string; config: string } {
  return { socket: join(dir, `${name}.sock`), config: join(dir, `${name}-docker-config`) };
}
