/**
 * Local registries on 127.0.0.1: Debian's docker-registry (distribution 2.8) and hull's own
 * (`hull registry serve`). Each runs as a child of the bench and is stopped by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { HullCli } from './hull.js';

export interface RunningRegistry {
  name: string;
  /** host:port */
  host: string;
  pid: number;
  how: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Peak resident set size of a process (VmHWM), in MiB. */
export function peakRssMiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

async function waitReady(host: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`registry exited ${child.exitCode}: ${stderr().slice(0, 500)}`);
    try {
      const r = await fetch(`http://${host}/v2/`);
      if (r.status === 200 || r.status === 401) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`registry on ${host} did not answer within 20 s: ${stderr().slice(0, 500)}`);
}

/** Any registry process that answers /v2/ on `host` once ready. */
export async function startProcessRegistry(name: string, how: string, cmd: string, args: string[], host: string): Promise<RunningRegistry> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (b: Buffer) => { if (err.length < 4000) err += b.toString(); });
  await waitReady(host, child, () => err);
  return {
    name, host, how, pid: child.pid as number,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) { resolve(); return; }
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => { if (child.exitCode === null) child.kill('SIGKILL'); }, 5000).unref();
    }),
  };
}

export async function startDockerRegistry(dir: string): Promise<RunningRegistry> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const port = await freePort();
  const config = [
    'version: 0.1', 'log:', '  level: error', '  accesslog:', '    disabled: true',
    'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'data')}`, '  delete:', '    enabled: true',
    'http:', `  addr: 127.0.0.1:${port}`, '',
  ].join('\n');
  writeFileSync(join(dir, 'config.yml'), config);
  return startProcessRegistry('docker-registry', 'docker-registry serve (filesystem driver)', 'docker-registry', ['serve', join(dir, 'config.yml')], `127.0.0.1:${port}`);
}

/** hull's registry, or undefined when neither the CLI command nor the serve entry exists. */
export async function startHullRegistry(hull: HullCli, repo: string, dir: string): Promise<RunningRegistry | undefined> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  if (await hull.has('registry serve')) {
    const [cmd, ...args] = hull.argv({ root: join(dir, 'engine'), runroot: join(dir, 'engine-run') }, 'registry', 'serve', '--addr', host, '--root', join(dir, 'data'));
    return startProcessRegistry('hull', '`hull registry serve`', cmd as string, args, host);
  }
  const entry = join(repo, 'dist/src/registry-server/serve-entry.js');
  if (!existsSync(entry)) return undefined;
  return startProcessRegistry('hull', 'registry-server core via serve-entry.js (`hull registry serve` not wired yet)', process.execPath, [entry, '--addr', host, '--root', join(dir, 'data')], host);
}
