/**
 * Running a RUN step: through the OCI runtime directly, not as a user-visible container. The step's
 * view is already mounted on `rootfs`; this writes a bundle (generateSpec + the security defaults,
 * as every container gets), runs `runc run` in the foreground with stdout and stderr piped to the
 * build's progress events, and afterwards removes the mount points the runtime had to create
 * (/etc/hosts, a cache mount's target, ...) so they never end up in the layer.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { writeJsonAtomic } from '../sys/atomic-write.js';
import { readHostLimits } from '../sys/host-limits.js';
import { resolveInRoot } from '../sys/safe-path.js';
import { generateSpec } from '../runtime/spec.js';
import { applyRootless } from '../runtime/rootless.js';
import { applySecurity, DEFAULT_SECURITY, readSecurityHost } from '../runtime/security.js';
import { resolveUser } from '../runtime/user.js';
import { deleteContainer, runcArgv, type RuntimeOptions } from '../runtime/runc.js';
import type { RuntimeSpec, SpecMount } from '../oci/runtime-spec.js';
import { mergeEnv, envKey } from '../oci/env.js';
import { DEFAULT_PATH } from '../runtime/defaults.js';
import { writeEtcFiles } from '../containers/etc-files.js';
import type { NetworkAttachment } from '../network/service.js';

export interface RunProcess {
  id: string;
  /** The mounted view of the step. */
  rootfs: string;
  /** A private directory for config.json and the /etc files. */
  bundleDir: string;
  args: string[];
  /** The stage's ENV. */
  imageEnv: string[];
  /** The build args in scope (in the environment, under ENV). */
  buildArgs: ReadonlyMap<string, string>;
  hostname: string;
  cwd: string;
  user: string | undefined;
  net: NetworkAttachment;
  mounts: SpecMount[];
  onOutput: (stream: 'stdout' | 'stderr', data: Buffer) => void;
  signal?: AbortSignal;
}

/** Pure: the step's environment, as docker gives it: HOSTNAME, HOME, a default PATH, ENV, build args under ENV. */
export function runEnv(imageEnv: readonly string[], args: ReadonlyMap<string, string>, home: string, hostname: string): string[] {
  const envKeys = new Set(imageEnv.map(envKey));
  const argEnv = [...args].filter(([k]) => !envKeys.has(k)).map(([k, v]) => `${k}=${v}`);
  const path = envKeys.has('PATH') ? [] : [`PATH=${DEFAULT_PATH}`];
  return mergeEnv([`HOSTNAME=${hostname}`, `HOME=${home}`], path, argEnv, [...imageEnv]);
}

/** The mount points that do not exist yet in `rootfs`, each with its ancestors that do not either, deepest first. */
function missingMountPoints(rootfs: string, destinations: readonly string[]): string[] {
  const missing = new Set<string>();
  for (const dest of destinations) {
    const parts = posix.normalize(dest).split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const host = resolveInRoot(rootfs, '/' + parts.slice(0, i).join('/'));
      if (!existsSync(host)) missing.add(relative(rootfs, host));
    }
  }
  return [...missing].sort((a, b) => b.length - a.length);
}

/** Removes the stubs the runtime created for mount points, if they are still empty (after unmounting the view). */
export function removeMountStubs(upperDir: string, stubs: readonly string[]): void {
  for (const rel of stubs) {
    const p = join(upperDir, rel);
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory() && readdirSync(p).length === 0) rmdirSync(p);
    else if (st.isFile() && st.size === 0) rmSync(p);
  }
}

/**
 * Runs the step's process; resolves to its exit code and the mount-point stubs to remove from the
 * upper directory once the view is unmounted.
 */
export async function runProcess(runtime: RuntimeOptions, p: RunProcess): Promise<{ code: number; stubs: string[] }> {
  const user = resolveUser(p.rootfs, p.user);
  const cwdHost = resolveInRoot(p.rootfs, p.cwd);
  if (!existsSync(cwdHost)) mkdirSync(cwdHost, { recursive: true, mode: 0o755 });
  mkdirSync(p.bundleDir, { recursive: true });
  const hostname = p.hostname;
  const base = generateSpec({
    id: p.id,
    rootfs: p.rootfs,
    args: p.args,
    env: runEnv(p.imageEnv, p.buildArgs, user.home, hostname),
    cwd: p.cwd,
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    hostname,
    terminal: false,
    etcFiles: writeEtcFiles(p.bundleDir, hostname, p.net.etc),
    hostLimits: readHostLimits(),
    ...(p.net.netnsPath ? { netnsPath: p.net.netnsPath } : {}),
    cgroupParent: '/hull-build',
  });
  if (p.net.hostNetwork) base.linux.namespaces = base.linux.namespaces.filter((ns) => ns.type !== 'network');
  let spec: RuntimeSpec = applySecurity(base, DEFAULT_SECURITY, readSecurityHost(DEFAULT_SECURITY));
  spec = { ...spec, mounts: [...spec.mounts, ...p.mounts] };
  if (runtime.rootless) spec = applyRootless(spec, runtime.rootless);
  const stubs = missingMountPoints(p.rootfs, spec.mounts.map((m) => m.destination));
  writeJsonAtomic(join(p.bundleDir, 'config.json'), spec, { ephemeral: true });
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const [cmd, ...args] = runcArgv.runStep(runtime, p.id, p.bundleDir);
      const child = spawn(cmd as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (b: Buffer) => p.onOutput('stdout', b));
      child.stderr.on('data', (b: Buffer) => p.onOutput('stderr', b));
      const abort = () => child.kill('SIGKILL');
      p.signal?.addEventListener('abort', abort, { once: true });
      if (p.signal?.aborted) abort();
      child.on('error', reject);
      child.on('close', (code, signal) => {
        p.signal?.removeEventListener('abort', abort);
        resolve(code ?? (signal === 'SIGKILL' ? 137 : 143));
      });
    });
    return { code, stubs };
  } finally {
    await deleteContainer(runtime, p.id).catch(() => {});
  }
}

/** Whether `path` is an existing directory (for cache mount sources). */
export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
