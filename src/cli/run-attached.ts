/**
 * Starting a container attached to this terminal and waiting for its exit code: `run` without -d,
 * `start -a`. Ctrl-C is passed to the container as it would be on its own terminal (with -t the
 * byte goes through the pty; without it, hull forwards SIGINT/SIGTERM as docker's proxy does).
 */
import { isatty } from 'node:tty';
import { Writable } from 'node:stream';
import type { Engine } from '../engine/engine.js';
import type { ExecIO } from '../engine/requests.js';
import { HullError } from '../errors.js';
import { openTerminalSession } from './attach-terminal.js';

/** Forwards SIGINT and SIGTERM to the container while `fn` runs, as docker's signal proxy does. */
async function forwardingSignals<T>(engine: Engine, id: string, enabled: boolean, fn: () => Promise<T>): Promise<T> {
  if (!enabled) return fn();
  const forward = (signal: NodeJS.Signals) => void engine.containers.kill(id, signal).catch(() => {});
  const onInt = () => forward('SIGINT');
  const onTerm = () => forward('SIGTERM');
  process.on('SIGINT', onInt).on('SIGTERM', onTerm);
  try {
    return await fn();
  } finally {
    process.off('SIGINT', onInt).off('SIGTERM', onTerm);
  }
}

/** docker refuses -t with an input that is not a terminal, rather than hang on it. */
export function checkTerminal(tty: boolean, stdin: boolean): void {
  if (tty && stdin && !process.stdin.isTTY) throw new HullError('INVALID_ARGUMENT', 'Cannot attach a terminal: the input device is not a TTY', { hint: 'leave out -t (keep -i) to pipe input into the container' });
}

/**
 * `run --rm` in the foreground without -t: this process monitors the container (no conmon). A
 * terminal is passed as a stream (copied, so the container never holds it); anything else as the
 * file descriptor itself.
 */
export async function runWithoutMonitor(engine: Engine, id: string, opts: { stdin: boolean } & AttachChoice): Promise<number> {
  const streams = opts.streams ?? { stdin: true, stdout: true, stderr: true };
  const io: ExecIO = {
    ...(opts.stdin && streams.stdin ? { stdin: isatty(0) ? process.stdin : 0 } : {}),
    ...(streams.stdout ? { stdout: isatty(1) ? process.stdout : 1 } : {}),
    ...(streams.stderr ? { stderr: isatty(2) ? process.stderr : 2 } : {}),
  };
  return forwardingSignals(engine, id, opts.sigProxy ?? true, () => engine.containers.runInForeground(id, io));
}

/** `-a` (which streams to show) and `--sig-proxy`. */
interface AttachChoice {
  streams?: { stdin: boolean; stdout: boolean; stderr: boolean };
  sigProxy?: boolean;
}

/** Where output of a stream that was not attached (-a) goes. */
const discard = new Writable({ write: (_c, _e, done) => done() });

export async function runAttached(engine: Engine, id: string, opts: { tty: boolean; stdin: boolean; detachKeys?: string | undefined } & AttachChoice): Promise<number> {
  const streams = opts.streams ?? { stdin: true, stdout: true, stderr: true };
  checkTerminal(opts.tty, opts.stdin && streams.stdin);
  const session = openTerminalSession({ tty: opts.tty, stdin: opts.stdin && streams.stdin, ...(opts.detachKeys !== undefined ? { detachKeys: opts.detachKeys } : {}) });
  if (!streams.stdout) session.io.stdout = discard;
  if (!streams.stderr) session.io.stderr = discard;
  return forwardingSignals(engine, id, opts.sigProxy ?? true, async () => {
    const { record, attachment } = await engine.containers.start(id, { attach: session.io, recordsExit: true });
    session.started((size) => void engine.containers.resize(id, size).catch(() => {}));
    const how = attachment ? await attachment.done : 'ended';
    if (how === 'detached') return 0;
    return (await engine.containers.wait(id, record.HostConfig.AutoRemove ? 'removed' : 'not-running')).StatusCode;
  }).finally(() => session.restore());
}
