/**
 * `hull exec`: a new process in a running container's namespaces, through `runc exec` with the
 * container's own process settings (capabilities, rlimits, no-new-privileges) as the base, so an
 * exec'd process is never more privileged than the container's init.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from '../sys/random.js';
import { HullError } from '../errors.js';
import { writeJsonAtomic } from '../sys/atomic-write.js';
import type { RuntimeSpec, SpecProcess } from '../oci/runtime-spec.js';
import { checkExecutable } from '../runtime/exec-check.js';
import { resolveUser } from '../runtime/user.js';
import { runcArgv, type RuntimeOptions } from '../runtime/runc.js';
import { requireRunning, processEnv } from './bundle.js';
import { checkWorkdir } from './config.js';
import type { ContainerPaths } from './paths.js';
import type { ContainerRecord } from './record.js';
import { execWithTerminal, type TerminalControl, type TerminalExecDeps, type TerminalSize } from './exec-terminal.js';

export type { TerminalControl, TerminalSize } from './exec-terminal.js';

/** Where an exec'd process reads and writes: a file descriptor passed through, or a stream piped. */
export type ExecStream<S> = number | S;

export interface ExecIO {
  stdin?: ExecStream<NodeJS.ReadableStream>;
  stdout?: ExecStream<NodeJS.WritableStream>;
  stderr?: ExecStream<NodeJS.WritableStream>;
  /** Aborting sends the process SIGTERM (the front door's signal proxy); with a terminal, SIGHUP. */
  signal?: AbortSignal;
  /** With a terminal given as streams: its size at start. */
  size?: TerminalSize;
  /** With a terminal given as streams: called once the process runs, with the way to resize it. */
  onTerminal?: (t: TerminalControl) => void;
}

export interface ExecOptions {
  cmd: string[];
  /** KEY=VALUE entries (the front door resolves `-e KEY` from its own environment). */
  env?: string[];
  user?: string;
  workdir?: string;
  tty?: boolean;
  interactive?: boolean;
  detach?: boolean;
}

/** Pure: the process for `runc exec`, derived from the container's spec and the exec options. */
export function execProcess(base: SpecProcess, opts: ExecOptions, resolved: { user: SpecProcess['user']; env: string[] }): SpecProcess {
  return {
    ...base,
    terminal: opts.tty ?? false,
    args: opts.cmd,
    env: resolved.env,
    cwd: opts.workdir ?? base.cwd,
    user: resolved.user,
  };
}

/** Pure: runc exec's argv. */
export function execArgv(o: RuntimeOptions, id: string, processFile: string, opts: Pick<ExecOptions, 'tty' | 'detach'>): string[] {
  return runcArgv.exec(o, id, processFile, opts);
}

const stdioOf = (s: ExecStream<unknown> | undefined): number | 'pipe' | 'ignore' => (s === undefined ? 'ignore' : typeof s === 'number' ? s : 'pipe');

/**
 * A terminal exec whose streams are not fds of a terminal (the API's sockets) needs a monitor to
 * hold the pty (exec-terminal.ts); fds are handed to `runc exec -t`, which makes the caller's
 * terminal raw and follows its size itself.
 */
const needsMonitor = (opts: ExecOptions, io: ExecIO) => opts.tty === true && [io.stdin, io.stdout, io.stderr].every((s) => typeof s !== 'number');

export async function execInContainer(deps: TerminalExecDeps, record: ContainerRecord, paths: ContainerPaths, opts: ExecOptions, io: ExecIO = {}): Promise<number> {
  const runtime = deps.runtime;
  requireRunning(record, 'exec in');
  if (opts.cmd.length === 0) throw new HullError('INVALID_ARGUMENT', `Cannot exec in container "${record.Name}": no command given`);
  if (opts.workdir !== undefined) checkWorkdir(opts.workdir);
  const spec = JSON.parse(readFileSync(paths.config, 'utf8')) as RuntimeSpec;
  const user = opts.user !== undefined ? resolveUser(paths.rootfs, opts.user) : undefined;
  const extraEnv = (opts.env ?? []).filter((e) => e.includes('='));
  // docker gives an exec'd terminal a TERM when neither the container nor the exec sets one.
  if (opts.tty && ![...spec.process.env, ...extraEnv].some((e) => e.startsWith('TERM='))) extraEnv.push('TERM=xterm');
  const env = user ? processEnv(record, user, extraEnv) : [...spec.process.env, ...extraEnv];
  const proc = execProcess(spec.process, opts, { user: user ? { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids } : spec.process.user, env });
  checkExecutable(paths.rootfs, opts.cmd[0] as string, proc.env, proc.cwd);
  // runc sizes a new pty from consoleSize before the process runs: no early output at 0x0.
  if (opts.tty && io.size) proc.consoleSize = { height: io.size.rows, width: io.size.columns };
  if (needsMonitor(opts, io)) {
    const dir = join(paths.bundle, `exec-${randomBytes(6).toString('hex')}`);
    mkdirSync(dir, { mode: 0o700 });
    try {
      writeJsonAtomic(`${dir}/process.json`, proc, { ephemeral: true });
      const stdin = io.stdin as NodeJS.ReadableStream | undefined;
      const stdout = io.stdout as NodeJS.WritableStream | undefined;
      return await execWithTerminal(deps, record, dir, `${dir}/process.json`, { interactive: opts.interactive ?? false, detach: opts.detach ?? false }, { stdin, stdout, size: io.size, onTerminal: io.onTerminal, signal: io.signal });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const processFile = join(paths.bundle, `exec-${randomBytes(6).toString('hex')}.json`);
  writeJsonAtomic(processFile, proc, { ephemeral: true });
  const [cmd, ...args] = execArgv(runtime, record.Id, processFile, opts);
  try {
    return await new Promise<number>((resolve, reject) => {
      const stdin = opts.interactive && !opts.detach ? io.stdin : undefined;
      const stdout = opts.detach ? undefined : io.stdout;
      const child = spawn(cmd as string, args, { stdio: [stdioOf(stdin), stdioOf(stdout), stdioOf(io.stderr)] });
      if (child.stdin && stdin !== undefined && typeof stdin !== 'number') stdin.pipe(child.stdin);
      if (child.stdout && stdout !== undefined && typeof stdout !== 'number') child.stdout.pipe(stdout, { end: false });
      if (child.stderr && io.stderr !== undefined && typeof io.stderr !== 'number') child.stderr.pipe(io.stderr, { end: false });
      const forward = () => child.kill('SIGTERM');
      io.signal?.addEventListener('abort', forward);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        io.signal?.removeEventListener('abort', forward);
        if (child.stdin && stdin !== undefined && typeof stdin !== 'number') stdin.unpipe(child.stdin);
        resolve(code ?? (signal === 'SIGKILL' ? 137 : 143));
      });
    });
  } finally {
    rmSync(processFile, { force: true });
  }
}
