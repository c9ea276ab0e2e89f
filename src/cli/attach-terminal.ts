/**
 * Connecting this terminal to a container: raw mode for -t, forwarding stdin for -i, resizes,
 * and detach keys. Shared by run, start -a and attach.
 */
import { parseDetachKeys } from '../engine/flags.js';
import type { AttachIO } from '../engine/requests.js';
import { HullError } from '../errors.js';

export interface TerminalSession {
  io: AttachIO;
  /** Called once the container is started: sends the first size and follows resizes. */
  started(resize: (size: { height: number; width: number }) => void): void;
  restore(): void;
}

export function openTerminalSession(opts: { tty: boolean; stdin: boolean; detachKeys?: string }): TerminalSession {
  let detachKeys: Buffer;
  try {
    detachKeys = parseDetachKeys(opts.detachKeys ?? (opts.tty ? 'ctrl-p,ctrl-q' : ''));
  } catch (err) {
    throw new HullError('INVALID_ARGUMENT', `Cannot use --detach-keys "${opts.detachKeys}": ${(err as Error).message}`);
  }
  const raw = opts.tty && opts.stdin && process.stdin.isTTY;
  if (raw) process.stdin.setRawMode(true);
  const io: AttachIO = { stdout: process.stdout, stderr: process.stderr, detachKeys };
  if (opts.stdin) io.stdin = process.stdin;
  let onResize: (() => void) | undefined;
  return {
    io,
    started(resize) {
      if (!opts.tty || !process.stdout.isTTY) return;
      onResize = () => resize({ height: process.stdout.rows, width: process.stdout.columns });
      onResize();
      process.stdout.on('resize', onResize);
    },
    restore() {
      if (onResize) process.stdout.off('resize', onResize);
      if (raw) process.stdin.setRawMode(false);
      process.stdin.pause();
    },
  };
}
