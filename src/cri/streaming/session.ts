/**
 * One exec or attach session through the engine, whatever the wire (SPDY or WebSocket): the
 * protocol layer hands in the client's streams and terminal sizes and gets back how it ended —
 * an exit code, or an error message for the client's error stream.
 */
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { HullError } from '../../errors.js';
import type { Engine } from '../../engine/engine.js';
import type { StreamOptions } from './requests.js';

export interface TerminalSize { width: number; height: number }

export interface SessionIO {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** Aborted when the client goes away: the exec'd process gets SIGTERM, an attach detaches. */
  signal: AbortSignal;
}

export type SessionEnd = { exitCode: number } | { error: string };

export interface Session {
  /** A terminal size from the client (tty sessions). */
  resize(size: TerminalSize): void;
  done: Promise<SessionEnd>;
}

const failure = (err: unknown): SessionEnd => ({ error: err instanceof HullError ? err.message : `internal error: ${(err as Error).message}` });

export function startExec(engine: Engine, containerId: string, cmd: string[], opts: StreamOptions, io: SessionIO): Session {
  if (opts.tty) {
    const size = { pending: undefined as TerminalSize | undefined, apply: undefined as ((s: TerminalSize) => void) | undefined };
    // A terminal as streams: conmon holds the pty (containers/exec-terminal.ts); stdout carries both outputs.
    const done = engine.containers.exec(containerId, { cmd, tty: true, interactive: opts.stdin }, {
      ...(opts.stdin && io.stdin ? { stdin: io.stdin } : {}),
      stdout: io.stdout ?? new PassThrough().resume(),
      signal: io.signal,
      onTerminal: (t) => {
        size.apply = (s) => t.resize({ rows: s.height, columns: s.width });
        if (size.pending) size.apply(size.pending);
      },
    }).then((exitCode) => ({ exitCode }), failure);
    return {
      resize: (s) => (size.apply ? size.apply(s) : (size.pending = s)),
      done,
    };
  }
  const done = engine.containers.exec(containerId, { cmd, tty: false, interactive: opts.stdin }, {
    ...(opts.stdin && io.stdin ? { stdin: io.stdin } : {}),
    ...(io.stdout ? { stdout: io.stdout } : {}),
    ...(io.stderr ? { stderr: io.stderr } : {}),
    signal: io.signal,
  }).then((exitCode) => ({ exitCode }), failure);
  return { resize: () => {}, done };
}

export function startAttach(engine: Engine, containerId: string, opts: StreamOptions, io: SessionIO): Session {
  const done = (async (): Promise<SessionEnd> => {
    try {
      const attachment = await engine.containers.attach(containerId, {
        stdout: io.stdout ?? new PassThrough().resume(),
        stderr: io.stderr ?? new PassThrough().resume(),
        ...(opts.stdin && io.stdin ? { stdin: io.stdin } : {}),
      }, io.signal);
      io.signal.addEventListener('abort', () => attachment.close(), { once: true });
      await attachment.done;
      return { exitCode: 0 };
    } catch (err) {
      return failure(err);
    }
  })();
  return {
    resize: (s) => void engine.containers.resize(containerId, s).catch(() => {}),
    done,
  };
}
