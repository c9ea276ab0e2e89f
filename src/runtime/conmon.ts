/**
 * The per-container monitor: conmon (Debian's, the one podman uses). It runs `runc create`, holds
 * the container's stdio (or its pty), writes the k8s-file log, keeps the exit code in an exit file
 * and serves an attach socket — and it outlives hull, so a detached container needs no daemon.
 * About 2 MB per container, against ~40 MB for a Node process.
 *
 * Handshake (how podman drives it): conmon gets fd 3 as its sync pipe (_OCI_SYNCPIPE=3) and
 * double-forks; after `runc create` it writes {"data": <container pid>} (or a negative number
 * and a message) to the pipe. Then the caller runs `runc start`. When the container exits, conmon
 * writes the exit code to <exit-dir>/<id>, then runs the exit command (hull's cleanup).
 */
import { spawn } from 'node:child_process';
import { HullError } from '../errors.js';

export interface MonitorOptions {
  conmon: string;
  /** The engine's environment: PATH, HOME and HULL_* of it reach conmon and its exit command. */
  env?: NodeJS.ProcessEnv;
  runtime: string;
  runtimeStateDir: string;
  id: string;
  name: string;
  bundle: string;
  pidFile: string;
  conmonPidFile: string;
  exitDir: string;
  logPath: string;
  logSizeMax?: number;
  terminal: boolean;
  stdin: boolean;
  /** Docker's StdinOnce: a client's EOF is the container's EOF (else stdin stays open between attaches). */
  stdinOnce?: boolean;
  /** argv conmon runs when the container exits. */
  exitCommand?: string[];
  /** runc's own log, so runtime errors are told apart from the container's output. */
  runtimeLog: string;
}

/** Pure: conmon's argv. */
export function conmonArgv(o: MonitorOptions): string[] {
  const argv = [
    o.conmon, '--api-version', '1', '-c', o.id, '-u', o.id, '-n', o.name,
    '-r', o.runtime, '--runtime-arg', '--root', '--runtime-arg', o.runtimeStateDir,
    '--runtime-arg', '--log', '--runtime-arg', o.runtimeLog, '--runtime-arg', '--log-format', '--runtime-arg', 'json',
    '-b', o.bundle, '-p', o.pidFile, '--conmon-pidfile', o.conmonPidFile, '--persist-dir', o.bundle,
    '--exit-dir', o.exitDir, '-l', `k8s-file:${o.logPath}`, '--log-level', 'error',
    // The attach socket lives in the bundle, at its full path (no 108-byte truncation games).
    '--full-attach', '--socket-dir-path', o.bundle,
  ];
  if (o.logSizeMax !== undefined) argv.push('--log-size-max', String(o.logSizeMax));
  // With a terminal, detaching (ctrl-p ctrl-q) must not close the container's input, so that a
  // later `attach` can type into it. Without one, a client's EOF is the container's EOF only with
  // StdinOnce (docker's `run -i` attached, a CRI container's stdin_once), as dockerd and CRI-O do.
  if (o.terminal) argv.push('-t', '--leave-stdin-open');
  else if (o.stdin && !o.stdinOnce) argv.push('--leave-stdin-open');
  if (o.stdin) argv.push('-i');
  const [cmd, ...args] = o.exitCommand ?? [];
  if (cmd !== undefined) {
    argv.push('--exit-command', cmd);
    for (const a of args) argv.push('--exit-command-arg', a);
  }
  return argv;
}

/**
 * conmon's environment, as small as podman's: it stays resident for the container's life, runc
 * and the exit command inherit it, and nothing of the user's shell belongs there (a LANG in it
 * maps locale files into every monitor). The exit command needs PATH and hull's HULL_* settings.
 */
export function monitorEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept = Object.entries(env).filter(([k]) => k === 'PATH' || k === 'HOME' || k.startsWith('HULL_'));
  return { ...Object.fromEntries(kept), _OCI_SYNCPIPE: '3' };
}

/** Starts conmon, which creates (not starts) the container; resolves to the container's pid. */
export function startMonitor(o: MonitorOptions): Promise<number> {
  const [cmd, ...args] = conmonArgv(o);
  return new Promise((resolve, reject) => {
    // cwd is the bundle: conmon also drops an "oom" marker in its working directory.
    const child = spawn(cmd as string, args, { cwd: o.bundle, stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: monitorEnv(o.env ?? {}), detached: true });
    const sync = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void };
    let stderr = '';
    let buffered = '';
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      sync.destroy();
      reject(new HullError('RUNTIME_FAILED', `Cannot create container "${o.name}": ${message}`));
    };
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', (err) => fail(`could not run ${o.conmon}: ${err.message} (install conmon: npm run demo installs it)`));
    sync.on('data', (b: Buffer) => {
      buffered += b.toString();
      const line = buffered.split('\n')[0] ?? '';
      let msg: { data?: number; message?: string };
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        return; // partial line: wait for more
      }
      if (typeof msg.data === 'number' && msg.data > 0) {
        settled = true;
        sync.destroy();
        child.unref();
        resolve(msg.data);
      } else fail(msg.message ?? `the monitor reported ${JSON.stringify(msg)}`);
    });
    sync.on('end', () => fail(stderr.trim() || 'the monitor exited before the container was created'));
    sync.on('error', () => fail(stderr.trim() || 'lost the monitor sync pipe'));
  });
}
