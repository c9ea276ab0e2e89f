/**
 * End-to-end test harness: runs the built `hull` binary against a private --root/--runroot in a
 * temp dir, so tests run in parallel and leave nothing behind. `cleanup` removes every container
 * (which unmounts its rootfs) before deleting the directory.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBusyboxTar } from './busybox.js';
import { killLockHolder } from './kill-verified.js';

export const HULL_BIN = join(dirname(fileURLToPath(import.meta.url)), '../../../bin/hull');

export interface HullResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface HullEnv {
  dir: string;
  root: string;
  runroot: string;
  hull(args: string[], opts?: HullRunOptions): Promise<HullResult>;
  /** Asserting variant: throws with hull's stderr when the exit code is not 0. */
  ok(args: string[], opts?: HullRunOptions): Promise<string>;
  cleanup(): Promise<void>;
}

export interface HullRunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  /** The working directory hull runs in (relative paths in flags resolve against it). */
  cwd?: string;
}

/** Runs a program to its end with `input` on its stdin; its exit code and what it wrote. */
export function runProcess(argv: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<HullResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'], ...(opts.cwd ? { cwd: opts.cwd } : {}) });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(opts.input);
  });
}

export function runHull(root: string, runroot: string, args: string[], opts: HullRunOptions = {}): Promise<HullResult> {
  return runProcess([HULL_BIN, '--root', root, '--runroot', runroot, ...args], opts);
}

export function createHullEnv(prefix = 'hull-test-'): HullEnv {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const root = join(dir, 'root');
  const runroot = join(dir, 'run');
  const hull = (args: string[], opts: HullRunOptions = {}) => runHull(root, runroot, args, opts);
  return {
    dir,
    root,
    runroot,
    hull,
    async ok(args, opts) {
      const r = await hull(args, opts);
      if (r.code !== 0) throw new Error(`hull ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    },
    async cleanup() {
      // Pods first: their infra containers go only with them (and their members with them).
      await hull(['pod', 'rm', '-f', '-a']);
      const ids = (await hull(['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await hull(['rm', '-f', ...ids]);
      // The store's health scheduler (or its sleeping waiter), if one runs: it would outlive the store.
      killLockHolder(join(runroot, 'health', 'scheduler.lock'));
      // Bridges and iptables rules are host-wide: remove this store's networks, the default one too.
      await hull(['network', 'prune', '-f']);
      await hull(['network', 'rm', '-f', 'bridge']);
      // Anything still mounted under the test dir (a failed test) must not survive the rm.
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(dir));
      for (const m of mounts.reverse()) await new Promise((r) => spawn('umount', ['-l', m]).on('close', r));
      // A monitor's exit command may still be recording a late exit: retry while it finishes.
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

/** A busybox rootfs tarball shared by the tests of one process (built once, ~1 MB). */
let cachedTar: string | undefined;
export function busyboxTarball(): string {
  if (cachedTar) return cachedTar;
  const dir = mkdtempSync(join(tmpdir(), 'hull-bb-'));
  cachedTar = join(dir, 'busybox.tar.gz');
  buildBusyboxTar(cachedTar, dir);
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return cachedTar;
}

/** A fresh env with busybox imported as "busybox". */
export async function hullWithBusybox(): Promise<HullEnv> {
  const env = createHullEnv();
  await env.ok(['import', busyboxTarball(), 'busybox']);
  return env;
}
