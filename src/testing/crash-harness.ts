/**
 * Shared pieces of the crash and race suites (test/e2e/crash.test.ts, race.test.ts): a seeded
 * random source (the seed is printed, so a failing trial can be replayed), a command killed with
 * SIGKILL after a delay, and the store check a user would run afterwards.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { HULL_BIN, busyboxTarball, type HullEnv } from './hull-cli.js';

/** mulberry32: a small seeded PRNG; uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The suite's seed: HULL_CRASH_SEED, else a fresh one (printed by the caller). */
export function suiteSeed(): number {
  const given = process.env.HULL_CRASH_SEED;
  return given !== undefined && /^\d+$/.test(given) ? Number(given) : Math.floor(Math.random() * 2 ** 31);
}

/** HULL_CRASH_TRIALS (for manual runs), else `fallback`. */
export function trialCount(fallback: number): number {
  const n = Number(process.env.HULL_CRASH_TRIALS);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Runs `hull args` and kills it with SIGKILL after `ms` (if still running). Resolves to its exit code or "killed". */
export function killedAfter(env: HullEnv, args: string[], ms: number): Promise<number | 'killed'> {
  return new Promise((resolve) => {
    const child = spawn(HULL_BIN, ['--root', env.root, '--runroot', env.runroot, ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(signal === 'SIGKILL' ? 'killed' : (code ?? -1));
    });
  });
}

/** Runs `hull args` to the end and returns how long it took (to spread the kill delays over it). */
export async function timed(env: HullEnv, args: string[]): Promise<number> {
  const t0 = Date.now();
  await env.ok(args);
  return Date.now() - t0;
}

export interface CheckResult {
  code: number;
  findings: Array<{ kind: 'damage' | 'leftover'; area: string; subject: string; problem: string }>;
  text: string;
}

export async function systemCheck(env: HullEnv, extra: string[] = []): Promise<CheckResult> {
  const r = await env.hull(['system', 'check', '--format', 'json', ...extra]);
  try {
    return { code: r.code, findings: (JSON.parse(r.stdout) as CheckResult).findings, text: r.stdout };
  } catch {
    return { code: r.code, findings: [{ kind: 'damage', area: 'check', subject: 'hull system check', problem: r.stderr }], text: r.stderr };
  }
}

/** A root filesystem tarball of busybox plus `mb` MiB of random (incompressible) data under /data. */
export function bigRootfsTarball(dir: string, mb: number): string {
  const rootfs = join(dir, 'big-rootfs');
  mkdirSync(join(rootfs, 'data'), { recursive: true });
  execFileSync('tar', ['-xzf', busyboxTarball(), '-C', rootfs]);
  for (let i = 0; i < mb; i++) writeFileSync(join(rootfs, 'data', `blob${i}`), randomBytes(1 << 20));
  const tarball = join(dir, 'big-rootfs.tar.gz');
  execFileSync('tar', ['-czf', tarball, '-C', rootfs, '.']);
  return tarball;
}

/** A build context whose build pulls nothing and writes a layer of `mb` MiB in a RUN step. */
export function buildContext(dir: string, base: string, mb: number): string {
  const ctx = join(dir, 'build-ctx');
  mkdirSync(ctx, { recursive: true });
  writeFileSync(join(ctx, 'file'), 'copied\n');
  writeFileSync(join(ctx, 'Containerfile'), `FROM ${base}\nRUN dd if=/dev/urandom of=/made bs=1M count=${mb} 2>/dev/null\nCOPY file /file\n`);
  return ctx;
}
