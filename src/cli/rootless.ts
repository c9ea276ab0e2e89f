/**
 * Rootless mode, at the door: an ordinary user's hull keeps its stores in the user's XDG
 * directories and runs inside the user's namespace (sys/userns.ts), as podman does.
 *
 *   outside (uid != 0)         find the layout, start the pause process if needed, then re-run
 *                              this very command under `nsenter --user --mount -t PAUSE`
 *                              (bin/hull does the same without starting node twice when the
 *                              pause process already runs)
 *   inside (uid 0 in a userns, HULL_ROOTLESS_UID set)
 *                              the engine opens the user's stores with rootless options
 *
 * Only the door reads the environment; the engine gets paths and facts (EngineOptions.rootless).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { HullError } from '../errors.js';
import { ensurePauseProcess, inUserNamespace } from '../engine/rootless.js';
import type { RootlessOptions } from '../engine/engine.js';

export interface RootlessLayout {
  uid: number;
  user: string;
  /** The user's runtime directory ($XDG_RUNTIME_DIR, else /run/user/UID, else a private temp dir). */
  runtimeDir: string;
  root: string;
  runroot: string;
  configDir: string;
  /** Why each place was chosen, for `hull info`. */
  reasons: Record<string, string>;
}

const ownedBy = (dir: string, uid: number) => {
  try {
    const st = statSync(dir);
    return st.isDirectory() && st.uid === uid;
  } catch {
    return false;
  }
};

/** Where an ordinary user's hull keeps things (podman's choices, under "hull"). */
export function rootlessLayout(uid: number, env: NodeJS.ProcessEnv, hostUid = uid): RootlessLayout {
  const user = env.HULL_ROOTLESS_USER ?? env.USER ?? env.LOGNAME ?? safeUserName(uid);
  const home = env.HOME || `/home/${user}`;
  const reasons: Record<string, string> = {};
  let runtimeDir: string;
  // Inside the namespace the runtime dir is owned by uid 0 (the user): check against the current uid.
  if (env.XDG_RUNTIME_DIR && ownedBy(env.XDG_RUNTIME_DIR, hostUid)) {
    runtimeDir = env.XDG_RUNTIME_DIR;
    reasons.runroot = '$XDG_RUNTIME_DIR/hull';
  } else if (ownedBy(`/run/user/${uid}`, hostUid)) {
    runtimeDir = `/run/user/${uid}`;
    reasons.runroot = `/run/user/${uid}/hull ($XDG_RUNTIME_DIR is ${env.XDG_RUNTIME_DIR ? 'not a directory of this user' : 'unset'})`;
  } else {
    runtimeDir = join(env.TMPDIR || '/tmp', `hull-run-${uid}`);
    mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
    if (!ownedBy(runtimeDir, hostUid)) {
      throw new HullError('PERMISSION_DENIED', `Cannot use "${runtimeDir}" as the runtime directory: another user owns it`, { hint: 'set XDG_RUNTIME_DIR to a directory you own (mode 0700)' });
    }
    reasons.runroot = `${runtimeDir}/hull (no $XDG_RUNTIME_DIR and no /run/user/${uid})`;
  }
  const dataHome = env.XDG_DATA_HOME || join(home, '.local', 'share');
  reasons.root = env.XDG_DATA_HOME ? '$XDG_DATA_HOME/hull' : '~/.local/share/hull ($XDG_DATA_HOME is unset)';
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  reasons.config = env.XDG_CONFIG_HOME ? '$XDG_CONFIG_HOME/hull' : '~/.config/hull ($XDG_CONFIG_HOME is unset)';
  reasons.authFile = env.REGISTRY_AUTH_FILE ? '$REGISTRY_AUTH_FILE' : "$XDG_RUNTIME_DIR/containers/auth.json (podman's per-user auth file)";
  return { uid, user, runtimeDir, root: join(dataHome, 'hull'), runroot: join(runtimeDir, 'hull'), configDir: join(configHome, 'hull'), reasons };
}

function safeUserName(uid: number): string {
  try {
    return userInfo().username;
  } catch {
    return String(uid);
  }
}

/** Inside the user's namespace: the layout and the facts the engine needs. */
export function rootlessInside(env: NodeJS.ProcessEnv): RootlessLayout | undefined {
  const uid = Number(env.HULL_ROOTLESS_UID);
  if (!env.HULL_ROOTLESS_UID || !Number.isInteger(uid) || process.getuid?.() !== 0 || !inUserNamespace()) return undefined;
  return rootlessLayout(uid, env, 0);
}

export function rootlessEngineOptions(layout: RootlessLayout): RootlessOptions {
  const authFile = join(layout.runtimeDir, 'containers', 'auth.json');
  return {
    uid: layout.uid,
    user: layout.user,
    configDir: layout.configDir,
    authFile,
    reasons: layout.reasons,
    pausePidFile: join(layout.runtimeDir, 'hull', 'pause.pid'),
  };
}

/**
 * Outside: runs this command again inside the user's namespace and resolves to its exit code.
 * The environment carries the layout's inputs (HULL_ROOTLESS_UID, XDG_RUNTIME_DIR).
 */
export async function reexecInNamespace(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const uid = process.getuid?.() ?? 0;
  const layout = rootlessLayout(uid, env);
  const pid = await ensurePauseProcess({ dir: join(layout.runtimeDir, 'hull'), user: layout.user, uid, ...(env.PATH ? { path: env.PATH } : {}) });
  const childEnv = { ...env, HULL_ROOTLESS_UID: String(uid), HULL_ROOTLESS_USER: layout.user, XDG_RUNTIME_DIR: layout.runtimeDir };
  const nsenter = ['/usr/bin/nsenter', '/bin/nsenter'].find((p) => existsSync(p)) ?? 'nsenter';
  const child = spawn(nsenter, ['--user', '--mount', `--wd=${process.cwd()}`, '-t', String(pid), '--', process.execPath, '--', ...argv], { stdio: 'inherit', env: childEnv });
  // (--wd: entering a mount namespace moves the process to its root; relative paths need the cwd.)
  // The terminal's signals reach both processes (one process group); a SIGTERM sent to this one is passed on.
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', forward('SIGTERM'));
  process.on('SIGHUP', forward('SIGHUP'));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? ({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGHUP: 1 } as Record<string, number>)[signal] ?? 1 : 1)));
  });
}
