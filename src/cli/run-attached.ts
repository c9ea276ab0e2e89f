/**
 * Starting a container attached to this terminal and waiting for its exit code: `run` without -d,
 * `start -a`. Ctrl-C is passed to the container as it would be on its own terminal (with -t the
 * byte goes through the pty; without it, hull forwards SIGINT/SIGTERM as docker's proxy does).
 */
import type { Engine } from '../engine/engine.js';
import { openTerminalSession } from './attach-terminal.js';

/** Forwards SIGINT and SIGTERM to the container while `fn` runs, as docker's signal proxy does. */
async function forwardingSignals<T>(engine: Engine, id: string, fn: () => Promise<T>): Promise<T> {
  const forward = (signal: NodeJS.Signals) => {
    const record = engine.containers.inspect(id);
    void engine.containers.lifecycle.kill(record, signal).catch(() => {});
  };
  const onInt = () => forward('SIGINT');
  const onTerm = () => forward('SIGTERM');
  process.on('SIGINT', onInt).on('SIGTERM', onTerm);
  try {
    return await fn();
  } finally {
    process.off('SIGINT', onInt).off('SIGTERM', onTerm);
  }
}

/** `run --rm` in the foreground without -t: this process monitors the container (no conmon). */
export async function runWithoutMonitor(engine: Engine, id: string, opts: { stdin: boolean }): Promise<number> {
  return forwardingSignals(engine, id, () => engine.containers.runInForeground(id, opts));
}

export async function runAttached(engine: Engine, id: string, opts: { tty: boolean; stdin: boolean; detachKeys?: string | undefined }): Promise<number> {
  const session = openTerminalSession({ tty: opts.tty, stdin: opts.stdin, ...(opts.detachKeys !== undefined ? { detachKeys: opts.detachKeys } : {}) });
  return forwardingSignals(engine, id, async () => {
    const { attachment } = await engine.containers.start(id, session.io);
    session.started(engine.containers.lifecycle.paths(id).winsz);
    const how = attachment ? await attachment.done : 'ended';
    if (how === 'detached') return 0;
    const record = await engine.containers.lifecycle.wait(id);
    return record.State.ExitCode;
  }).finally(() => session.restore());
}
