/**
 * An exec'd process with a terminal, as streams: its pty is held by conmon (runtime/conmon-exec.ts),
 * output and input go through conmon's attach socket (raw: a terminal merges stdout and stderr),
 * resizes through its `winsz` FIFO, and the exit code comes back on its sync pipe. This is what the
 * Docker API (`docker exec -it`), and any door that has streams rather than a terminal of its own,
 * use; `hull exec -it` on a real terminal hands its fds to `runc exec -t` instead.
 */
import { PassThrough } from 'node:stream';
import { attachSocket, resizeTerminal, type Attachment } from '../runtime/attach.js';
import { startExecMonitor } from '../runtime/conmon-exec.js';
import type { RuntimeOptions } from '../runtime/runc.js';
import type { ContainerRecord } from './record.js';

export interface TerminalSize {
  rows: number;
  columns: number;
}

/** Handed to the caller once the process runs. */
export interface TerminalControl {
  resize(size: TerminalSize): void;
}

export interface TerminalExecDeps {
  conmon: string;
  runtime: RuntimeOptions;
  env: NodeJS.ProcessEnv;
}

export interface TerminalExecIO {
  stdin?: NodeJS.ReadableStream | undefined;
  stdout?: NodeJS.WritableStream | undefined;
  size?: TerminalSize | undefined;
  onTerminal?: ((t: TerminalControl) => void) | undefined;
  /** Aborting hangs up the terminal (SIGHUP to the process, as when a terminal closes). */
  signal?: AbortSignal | undefined;
}

const validSize = (s: TerminalSize) => Number.isInteger(s.rows) && Number.isInteger(s.columns) && s.rows > 0 && s.columns > 0 && s.rows < 65536 && s.columns < 65536;

/** Runs the process described by `processFile` (terminal: true) in `dir`; resolves to its exit code. */
export async function execWithTerminal(deps: TerminalExecDeps, record: ContainerRecord, dir: string, processFile: string, opts: { interactive: boolean; detach: boolean }, io: TerminalExecIO): Promise<number> {
  const monitor = startExecMonitor({
    conmon: deps.conmon,
    env: deps.env,
    runtime: deps.runtime.binary,
    runtimeStateDir: deps.runtime.stateDir,
    containerId: record.Id,
    containerName: record.Name,
    dir,
    sessionId: dir.slice(dir.lastIndexOf('-') + 1),
    processFile,
    stdin: opts.interactive && !opts.detach && io.stdin !== undefined,
    attach: !opts.detach,
  });
  const winsz = `${dir}/winsz`;
  const resize = (s: TerminalSize) => {
    if (validSize(s)) resizeTerminal(winsz, s.rows, s.columns);
  };
  const hangUp = () => void monitor.pid.then((pid) => process.kill(pid, 'SIGHUP')).catch(() => {});
  io.signal?.addEventListener('abort', hangUp, { once: true });
  let attachment: Attachment | undefined;
  try {
    if (!opts.detach) {
      await monitor.attachReady;
      attachment = await attachSocket(`${dir}/attach`, {
        stdout: io.stdout ?? new PassThrough().resume(),
        stderr: io.stdout ?? new PassThrough().resume(),
        ...(opts.interactive && io.stdin ? { stdin: io.stdin } : {}),
      });
      monitor.proceed();
    }
    await monitor.pid;
    if (io.size) resize(io.size);
    io.onTerminal?.({ resize });
    const code = await monitor.exitCode;
    // conmon closes the socket once it has sent the last output; the exit code may come first.
    if (attachment) await attachment.done;
    return code;
  } finally {
    io.signal?.removeEventListener('abort', hangUp);
    attachment?.close();
  }
}
