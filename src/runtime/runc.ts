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
  run: (o: RuntimeOptions, id: string, bundle: string) => [...globalArgs(o), 'run', '--bundle', bundle, id],
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

/** Runs a container in the foreground with the given stdio; resolves to the runtime's exit code. */
export function runForeground(o: RuntimeOptions, id: string, bundle: string, stdio: { stdin: 'ignore' | 'inherit' }): Promise<number> {
  const [cmd, ...args] = runcArgv.run(o, id, bundle);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, args, { stdio: [stdio.stdin, 'inherit', 'inherit'] });
    child.on('error', (err) =>
      reject(new HullError('RUNTIME_FAILED', `Cannot start container "${id}": could not run "${o.binary}": ${err.message}`, { hint: 'install runc (npm run demo installs it)', cause: err })),
    );
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? signalNumber(signal) : 0)));
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
