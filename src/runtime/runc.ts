/**
 * The OCI runtime driver. Every argv comes from a pure function of its inputs (tested without
 * running anything); the driver only executes them. Works with any runc-compatible runtime binary
 * (runc, crun) chosen by path.
 */
import { constants, existsSync, openSync, closeSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { HullError } from '../errors.js';
import { execCapture, execOrThrow } from '../sys/exec.js';
import type { RootlessRuntime } from './rootless.js';

export interface RuntimeOptions {
  /** The runtime binary: "runc" or an absolute path. */
  binary: string;
  /** runc's state directory (--root), under hull's runroot so stores never collide. */
  stateDir: string;
  /** Set when hull runs as an ordinary user, inside the user's namespace (runtime/rootless.ts). */
  rootless?: RootlessRuntime;
}

const globalArgs = (o: RuntimeOptions) => [o.binary, '--root', o.stateDir];

export const runcArgv = {
  create: (o: RuntimeOptions, id: string, bundle: string, pidFile: string) => [...globalArgs(o), 'create', '--bundle', bundle, '--pid-file', pidFile, id],
  start: (o: RuntimeOptions, id: string) => [...globalArgs(o), 'start', id],
  /** Create, start and wait in one process (the foreground mode without a monitor). */
  run: (o: RuntimeOptions, id: string, bundle: string, pidFile: string, log: string) => [...globalArgs(o), '--log', log, '--log-format', 'json', 'run', '--bundle', bundle, '--pid-file', pidFile, id],
  state: (o: RuntimeOptions, id: string) => [...globalArgs(o), 'state', id],
  kill: (o: RuntimeOptions, id: string, signal: string, all = false) => [...globalArgs(o), 'kill', ...(all ? ['--all'] : []), id, signal],
  delete: (o: RuntimeOptions, id: string, force = false) => [...globalArgs(o), 'delete', ...(force ? ['--force'] : []), id],
  pause: (o: RuntimeOptions, id: string) => [...globalArgs(o), 'pause', id],
  resume: (o: RuntimeOptions, id: string) => [...globalArgs(o), 'resume', id],
  /** New cgroup limits: the runtime-spec's LinuxResources JSON on stdin. */
  update: (o: RuntimeOptions, id: string) => [...globalArgs(o), 'update', '--resources', '-', id],
  ps: (o: RuntimeOptions, id: string) => [...globalArgs(o), 'ps', '--format', 'json', id],
  exec: (o: RuntimeOptions, id: string, processFile: string, opts: { tty?: boolean | undefined; detach?: boolean | undefined }) => [...globalArgs(o), 'exec', '--process', processFile, ...(opts.tty ? ['--tty'] : []), ...(opts.detach ? ['--detach'] : []), id],
  /** A build step: create, start and wait, with no pid file or log (build/run-step.ts). */
  runStep: (o: RuntimeOptions, id: string, bundle: string) => [...globalArgs(o), 'run', '--bundle', bundle, id],
};

export interface RuntimeState {
  id: string;
  pid: number;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  bundle: string;
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


/**
 * Deletes the runtime state of a container whose init has exited. Its pid namespace died with
 * its init, so nothing runs in its cgroups: removing them and the state directory is all that
 * `runc delete` would do, without starting a runc process (~20 ms of every container's exit).
 * Returns false when anything is unexpected, for the caller to fall back to `runc delete`.
 */
export function deleteStoppedState(o: RuntimeOptions, id: string): boolean {
  const dir = join(o.stateDir, id);
  try {
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { cgroup_paths?: Record<string, string> };
    // Children before parents does not matter: each container has one leaf per hierarchy.
    for (const path of new Set(Object.values(state.cgroup_paths ?? {}))) {
      try {
        rmdirSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return false;
      }
    }
    rmSync(dir, { recursive: true, force: true });
    return true;
  } catch {
    return false;
  }
}

export async function deleteContainer(o: RuntimeOptions, id: string): Promise<void> {
  if (!existsSync(join(o.stateDir, id))) return; // nothing to delete: spare a runc process
  const r = await execCapture(runcArgv.delete(o, id, true));
  if (r.code !== 0 && !/does not exist|not exist/.test(r.stderr)) {
    await execOrThrow(runcArgv.delete(o, id, true), `delete runtime state of "${id}"`);
  }
}

/**
 * `runc start` of a created container, without the runc process (a Go program's start-up, ~10 ms
 * of every container start, twice per pod). What runc start does (libcontainer's exec(), runc
 * 1.0-1.1): the created init waits to open <state>/<id>/exec.fifo for writing; opening it for
 * reading lets it write one byte and exec the container's process (the write end is close-on-exec,
 * so the reader sees the end once it has); then the FIFO is removed, which is how runc tells
 * "running" from "created". An init that dies meanwhile never opens it: `alive` is polled, as runc
 * polls, and the blocked open is released by opening the other end. Any other runtime binary,
 * or no FIFO where runc keeps it, goes through `<runtime> start` as before.
 */
export async function startCreated(o: RuntimeOptions, id: string, what: string, alive: () => boolean): Promise<void> {
  const fifo = join(o.stateDir, id, 'exec.fifo');
  if (basename(o.binary) !== 'runc' || !existsSync(fifo)) {
    await execOrThrow(runcArgv.start(o, id), what);
    return;
  }
  const poll = setInterval(() => {
    if (alive()) return;
    clearInterval(poll);
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)); // wakes the open below
    } catch {
      // the open below has finished already
    }
  }, 100);
  let got = 0;
  try {
    const reader = await open(fifo, constants.O_RDONLY);
    try {
      const buf = Buffer.alloc(16);
      for (let n; (n = (await reader.read(buf, 0, buf.length, null)).bytesRead) > 0; ) got += n;
    } finally {
      await reader.close();
    }
  } finally {
    clearInterval(poll);
  }
  if (got === 0) throw new HullError('RUNTIME_FAILED', `Cannot ${what}: its init process exited before it was started`);
  rmSync(fifo, { force: true });
}
