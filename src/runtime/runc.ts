/**
 * The OCI runtime driver. Every argv comes from a pure function of its inputs (tested without
 * running anything); the driver only executes them. Works with any runc-compatible runtime binary
 * (runc, crun) chosen by path.
 */
import { spawn } from 'node:child_process';
import { HullError } from '../errors.js';
import { execCapture, execOrThrow } from '../sys/exec.js';

export interface RuntimeOptions {
  /** The runtime binary: "runc" or an absolute path. */
  binary: string;
  /** runc's state directory (--root), under hull's runroot so stores never collide. */
  stateDir: string;
}

const globalArgs = (o: RuntimeOptions) => [o.binary, '--root', o.stateDir];

export const runcArgv = {
  /** --log captures the runtime's own errors apart from the container's stderr. */
  run: (o: RuntimeOptions, id: string, bundle: string, logFile: string) => [o.binary, '--root', o.stateDir, '--log', logFile, '--log-format', 'json', 'run', '--bundle', bundle, id],
  create: (o: RuntimeOptions, id: string, bundle: string, pidFile: string) => [...globalArgs(o), 'create', '--bundle', bundle, '--pid-file', pidFile, id],
  start: (o: RuntimeOptions, id: string) => [...globalArgs(o), 'start', id],
  state: (o: RuntimeOptions, id: string) => [...globalArgs(o), 'state', id],
  kill: (o: RuntimeOptions, id: string, signal: string, all = false) => [...globalArgs(o), 'kill', ...(all ? ['--all'] : []), id, signal],
  delete: (o: RuntimeOptions, id: string, force = false) => [...globalArgs(o), 'delete', ...(force ? ['--force'] : []), id],
};

export interface RuntimeState {
  id: string;
  pid: number;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  bundle: string;
}

/**
 * Runs a container in the foreground, its stdio passed straight through (no copying by hull).
 * Resolves to the runtime's exit code (the container's, or 128+signal); SIGTERM/SIGHUP sent to
 * hull are forwarded so that `kill <hull pid>` stops the container as it would with docker.
 */
export function runForeground(o: RuntimeOptions, id: string, bundle: string, logFile: string, stdio: { stdin: 'ignore' | 'inherit' }): Promise<number> {
  const [cmd, ...args] = runcArgv.run(o, id, bundle, logFile);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, args, { stdio: [stdio.stdin, 'inherit', 'inherit'] });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    // SIGINT from a terminal reaches runc too (same process group); hull must just not die of it.
    const ignore = () => {};
    process.on('SIGTERM', forward).on('SIGHUP', forward).on('SIGINT', ignore);
    const done = () => process.off('SIGTERM', forward).off('SIGHUP', forward).off('SIGINT', ignore);
    child.on('error', (err) => {
      done();
      reject(new HullError('RUNTIME_FAILED', `Cannot start container "${id}": could not run "${o.binary}": ${err.message}`, { hint: 'install runc (npm run demo installs it)', cause: err }));
    });
    child.on('exit', (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? signalNumber(signal) : 0));
    });
  });
}

/** The runtime's own error lines from its --log file (JSON lines), oldest first. */
export function runtimeErrors(logText: string): string[] {
  return logText.split('\n').flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      return entry.level === 'error' && entry.msg ? [entry.msg] : [];
    } catch {
      return [];
    }
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return table[signal] ?? 0;
}

export async function runtimeState(o: RuntimeOptions, id: string): Promise<RuntimeState | undefined> {
  const r = await execCapture(runcArgv.state(o, id));
  if (r.code !== 0) return undefined;
  return JSON.parse(r.stdout) as RuntimeState;
}

export async function deleteContainer(o: RuntimeOptions, id: string): Promise<void> {
  const r = await execCapture(runcArgv.delete(o, id, true));
  if (r.code !== 0 && !/does not exist|not exist/.test(r.stderr)) {
    await execOrThrow(runcArgv.delete(o, id, true), `delete runtime state of "${id}"`);
  }
}
