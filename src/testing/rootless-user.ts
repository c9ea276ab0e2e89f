/**
 * Test-only: an ordinary user on this machine that runs the built `hull` (rootless mode). The
 * user is created with `useradd -m` (which gives it subordinate ID ranges from login.defs that no
 * other user has), gets a runtime dir /run/user/UID as a login would, and runs hull through
 * `runuser` with a clean, login-like environment. `remove` ends its processes (by pid, all of
 * them started by the test), then `userdel -r` removes it with its ranges and home.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { HULL_BIN, runProcess, type HullResult } from './hull-cli.js';
import { which } from '../sys/which.js';

export interface RootlessUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  runtimeDir: string;
  /** Runs `hull ARGS` as the user (cwd: its home unless given). */
  hull(args: string[], opts?: { cwd?: string; input?: string }): Promise<HullResult>;
  ok(args: string[], opts?: { cwd?: string; input?: string }): Promise<string>;
  /** Runs any command as the user, with the same environment. */
  run(argv: string[], opts?: { cwd?: string }): Promise<HullResult>;
  /** The full argv that runs `argv` as the user (runuser, clean environment), for timing. */
  argv(argv: string[]): string[];
  remove(): Promise<void>;
}

const capture = (argv: string[], opts: { cwd?: string; input?: string } = {}): Promise<HullResult> => runProcess(argv, opts);

/** Whether this machine can run rootless containers at all (why not, when it cannot). */
export function rootlessUnsupported(): string | undefined {
  if (process.getuid?.() !== 0) return 'creating test users needs root';
  try {
    if (Number(readFileSync('/proc/sys/user/max_user_namespaces', 'utf8')) === 0) return 'the kernel allows no user namespaces (user.max_user_namespaces=0)';
  } catch {
    return 'the kernel has no user namespaces';
  }
  const [major = 0, minor = 0] = (readFileSync('/proc/sys/kernel/osrelease', 'utf8').match(/^(\d+)\.(\d+)/) ?? []).slice(1).map(Number);
  // Storage: the kernel's overlay in a user namespace (5.11), else fuse-overlayfs (FUSE in one since 4.18).
  const before = (maj: number, min: number) => major < maj || (major === maj && minor < min);
  if (before(5, 11) && (before(4, 18) || which('fuse-overlayfs') === undefined)) return `kernel ${major}.${minor} cannot mount overlayfs in a user namespace (needs 5.11, or fuse-overlayfs on 4.18 or later)`;
  return undefined;
}

/** A new ordinary user; `subids: false` removes the ranges useradd gave it. */
export function createRootlessUser(opts: { subids?: boolean } = {}): RootlessUser {
  const name = `hullrl${randomBytes(4).toString('hex')}`;
  execFileSync('useradd', ['-m', '-s', '/bin/sh', name]);
  const uid = Number(execFileSync('id', ['-u', name]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', name]).toString().trim());
  const home = `/home/${name}`;
  if (opts.subids === false) {
    for (const [file, flag] of [['/etc/subuid', '--del-subuids'], ['/etc/subgid', '--del-subgids']] as const) {
      const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
      if (!line) continue;
      const [, start, count] = line.split(':').map(Number) as [number, number, number];
      execFileSync('usermod', [flag, `${start}-${start + count - 1}`, name]);
    }
  }
  const runtimeDir = `/run/user/${uid}`;
  mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  chownSync(runtimeDir, uid, gid);
  const env = ['env', '-i', `HOME=${home}`, `USER=${name}`, `LOGNAME=${name}`, 'PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', `XDG_RUNTIME_DIR=${runtimeDir}`];
  const asUser = (argv: string[]) => ['runuser', '-u', name, '--', ...env, ...argv];
  const run = (argv: string[], o: { cwd?: string; input?: string } = {}) => capture(asUser(argv), { cwd: o.cwd ?? home, ...(o.input !== undefined ? { input: o.input } : {}) });
  const hull = (args: string[], o: { cwd?: string; input?: string } = {}) => run([HULL_BIN, ...args], o);
  return {
    name,
    uid,
    gid,
    home,
    runtimeDir,
    hull,
    run,
    argv: asUser,
    async ok(args, o) {
      const r = await hull(args, o);
      if (r.code !== 0) throw new Error(`hull ${args.join(' ')} (as ${name}) exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    },
    async remove() {
      // Containers first (their monitors exit), then whatever the user still runs: the pause
      // process, pasta, the networks namespace's holder and aardvark-dns.
      const ids = (await hull(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await hull(['rm', '-f', ...ids]);
      for (let round = 0; round < 50; round++) {
        const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
          try {
            return statSync(`/proc/${p}`).uid === uid;
          } catch {
            return false;
          }
        });
        if (pids.length === 0) break;
        for (const p of pids) {
          try {
            process.kill(Number(p), 'SIGKILL');
          } catch {
            // gone
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      execFileSync('userdel', ['-r', name], { stdio: 'ignore' });
      rmSync(runtimeDir, { recursive: true, force: true });
    },
  };
}
