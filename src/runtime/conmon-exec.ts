/**
 * An exec with a terminal, through conmon's exec mode (the way podman runs `exec -t`). A pty needs
 * someone to receive its master from runc (the console socket, SCM_RIGHTS) and to stay the exec'd
 * process's parent for its exit code; `runc exec -d` leaves the process to PID 1 and Node can
 * neither receive fds nor become a subreaper. conmon does both, and serves the same attach socket
 * (attach.ts) and `winsz` FIFO as for a container started with -t.
 *
 * Handshake (conmon 2.x, api-version 1), every pipe carrying one JSON line {"data": N}:
 *   _OCI_STARTPIPE  we write once so conmon proceeds, and once more after attaching (--exec-attach)
 *   _OCI_ATTACHPIPE conmon tells that its attach socket listens
 *   _OCI_SYNCPIPE   conmon writes the exec'd pid, later its exit code (negative + message: failure)
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { HullError } from '../errors.js';
import { monitorEnv } from './conmon.js';

export interface ExecMonitorOptions {
  conmon: string;
  env?: NodeJS.ProcessEnv;
  runtime: string;
  runtimeStateDir: string;
  containerId: string;
  containerName: string;
  /** The session's own directory: attach socket, winsz FIFO, pid file, exit dir, log. */
  dir: string;
  sessionId: string;
  processFile: string;
  stdin: boolean;
  /** Wait for the caller to attach before running the process, so no output is lost. */
  attach: boolean;
}

/** Output an exec'd terminal writes to conmon's log as well as to the attach socket: capped. */
const EXEC_LOG_MAX = 1024 * 1024;

/** Pure: conmon's argv in exec mode. */
export function execMonitorArgv(o: ExecMonitorOptions): string[] {
  const argv = [
    o.conmon, '--api-version', '1', '-c', o.containerId, '-u', o.sessionId, '-n', o.containerName,
    '-r', o.runtime, '--runtime-arg', '--root', '--runtime-arg', o.runtimeStateDir,
    '-b', o.dir, '-p', `${o.dir}/pid`, '--exit-dir', `${o.dir}/exit`,
    '-l', `k8s-file:${o.dir}/log`, '--log-size-max', String(EXEC_LOG_MAX), '--log-level', 'error',
    '--full-attach', '--socket-dir-path', o.dir,
    '--exec', '--exec-process-spec', o.processFile, '-t',
  ];
  if (o.stdin) argv.push('-i');
  if (o.attach) argv.push('--exec-attach');
  return argv;
}

export interface ExecMonitor {
  /** Resolves once the attach socket listens (at once without `attach`). */
  attachReady: Promise<void>;
  /** After attaching: lets conmon run the process. */
  proceed(): void;
  /** The exec'd process's host pid. */
  pid: Promise<number>;
  /** Its exit code (128+N for a signal, as conmon reports it). */
  exitCode: Promise<number>;
}

/** Reads {"data": N, "message"?: S} lines from a pipe, one callback each. */
function readMessages(pipe: Readable, onMessage: (m: { data?: number; message?: string }) => void, onEnd: () => void): void {
  let buffered = '';
  pipe.on('data', (b: Buffer) => {
    buffered += b.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line === '') continue;
      try {
        onMessage(JSON.parse(line) as { data?: number; message?: string });
      } catch {
        onMessage({ message: `unreadable monitor message ${JSON.stringify(line.slice(0, 200))}` });
      }
    }
  });
  pipe.on('end', onEnd);
  pipe.on('error', onEnd);
}

export function startExecMonitor(o: ExecMonitorOptions): ExecMonitor {
  const [cmd, ...args] = execMonitorArgv(o);
  mkdirSync(`${o.dir}/exit`, { recursive: true }); // conmon cannot record the exit code without it
  const env = { ...monitorEnv(o.env ?? {}), _OCI_ATTACHPIPE: '4', _OCI_STARTPIPE: '5' };
  const child = spawn(cmd as string, args, { cwd: o.dir, stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', 'pipe'], env, detached: true });
  const sync = child.stdio[3] as Readable;
  const attachPipe = child.stdio[4] as Readable;
  const startPipe = (child.stdio as unknown as Writable[])[5] as Writable;
  startPipe.on('error', () => {}); // conmon gone: the sync pipe tells why
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const failure = (message: string) => new HullError('RUNTIME_FAILED', `Cannot exec in container "${o.containerName}": ${message}`);
  let resolvePid!: (pid: number) => void;
  let rejectPid!: (err: Error) => void;
  let resolveExit!: (code: number) => void;
  let rejectExit!: (err: Error) => void;
  let resolveAttach!: () => void;
  let rejectAttach!: (err: Error) => void;
  const pid = new Promise<number>((res, rej) => ((resolvePid = res), (rejectPid = rej)));
  const exitCode = new Promise<number>((res, rej) => ((resolveExit = res), (rejectExit = rej)));
  const attachReady = new Promise<void>((res, rej) => ((resolveAttach = res), (rejectAttach = rej)));
  for (const p of [pid, exitCode, attachReady]) p.catch(() => {}); // the caller awaits the ones it needs
  let gotPid = false;
  const fail = (message: string) => {
    const err = failure(message);
    rejectAttach(err);
    rejectPid(err);
    rejectExit(err);
  };
  child.on('error', (err) => fail(`could not run ${o.conmon}: ${err.message}`));
  readMessages(sync, (m) => {
    if (typeof m.data !== 'number' || (m.data < 0)) return fail(m.message ?? `the monitor reported ${JSON.stringify(m)}`);
    if (!gotPid) {
      gotPid = true;
      resolvePid(m.data);
    } else resolveExit(m.data);
  }, () => fail(stderr.trim() || 'the monitor exited before the process did'));
  if (o.attach) readMessages(attachPipe, (m) => (m.data === 0 ? resolveAttach() : fail(m.message ?? 'the attach socket could not be made')), () => {});
  else resolveAttach();
  void exitCode.finally(() => startPipe.destroy()).catch(() => {});
  startPipe.write('0'); // go on (podman moves conmon to a cgroup first; hull keeps it where it is)
  return {
    attachReady,
    // The start pipe stays open: conmon takes its EOF for its parent's end.
    proceed: () => void startPipe.write('0'),
    pid,
    exitCode,
  };
}
