/**
 * Attaching to a container through conmon's attach socket (SOCK_SEQPACKET, which Node's `net`
 * cannot open: node-unix-socket provides it, with a prebuilt binary from the npm registry).
 *
 * Wire format: each packet from conmon starts with one byte naming the stream (2 stdout,
 * 3 stderr) followed by the data; packets to conmon are raw stdin bytes. The socket ends when the
 * container's stdio closes. Terminal size changes go to the bundle's `winsz` FIFO as "H W\n".
 */
import { createRequire } from 'node:module';
import { openSync, writeSync, closeSync, constants } from 'node:fs';
import type { EventEmitter } from 'node:events';
import { basename, dirname } from 'node:path';

interface SeqpacketSocket extends EventEmitter {
  connect(path: string, cb?: () => void): void;
  write(buf: Buffer): void;
  end(): void;
  destroy(): void;
  readonly destroyed: boolean;
}

const STDOUT = 2;
const STDERR = 3;

export interface AttachIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Forwarded to the container when given (docker's -i). */
  stdin?: NodeJS.ReadableStream;
  /** Byte sequence that detaches instead of being forwarded (docker's ctrl-p,ctrl-q). */
  detachKeys?: Buffer;
}

export interface Attachment {
  /** Resolves when the container's output ends ('ended') or the user detached ('detached'). */
  done: Promise<'ended' | 'detached'>;
  close(): void;
}

function loadSocket(): new () => SeqpacketSocket {
  const require = createRequire(import.meta.url);
  return (require('node-unix-socket') as { SeqpacketSocket: new () => SeqpacketSocket }).SeqpacketSocket;
}

/** Connects and resolves once connected, so the caller can start the container without losing output. */
export function attachSocket(path: string, io: AttachIO): Promise<Attachment> {
  const Socket = loadSocket();
  const socket = new Socket();
  return new Promise((resolveConnected, rejectConnected) => {
    let finish: (how: 'ended' | 'detached') => void = () => {};
    const done = new Promise<'ended' | 'detached'>((r) => (finish = r));
    socket.on('data', (packet: Buffer) => {
      const stream = packet[0] === STDERR ? io.stderr : packet[0] === STDOUT ? io.stdout : undefined;
      stream?.write(packet.subarray(1));
    });
    socket.on('end', () => finish('ended'));
    socket.on('close', () => finish('ended'));
    socket.on('error', (err: Error) => {
      rejectConnected(err);
      finish('ended');
    });
    const onStdin = (chunk: Buffer) => {
      const keys = io.detachKeys;
      if (keys && keys.length > 0 && chunk.includes(keys)) {
        finish('detached');
        return;
      }
      socket.write(chunk);
    };
    // stdin closing (e.g. `echo x | hull run -i`) half-closes the socket: the container sees EOF.
    // Never after close: node-unix-socket's end() on a destroyed socket throws EBADF.
    const onStdinEnd = () => {
      if (!socket.destroyed) socket.end();
    };
    const close = () => {
      io.stdin?.off('data', onStdin);
      io.stdin?.off('end', onStdinEnd);
      io.stdin?.pause();
      socket.destroy();
    };
    void done.then(close);
    // sun_path holds 107 bytes; a long runroot would not fit. Connecting through an open fd of
    // the socket's directory (/proc/self/fd/N/attach) works for any length, as conmon binds it.
    const dirFd = openSync(dirname(path), 'r');
    try {
      socket.connect(`/proc/self/fd/${dirFd}/${basename(path)}`, () => {
        closeSync(dirFd);
        io.stdin?.on('data', onStdin);
        io.stdin?.on('end', onStdinEnd);
        resolveConnected({ done, close });
      });
    } catch (err) {
      closeSync(dirFd);
      rejectConnected(err);
    }
  });
}

/** Tells conmon the terminal's new size (it applies it to the container's pty). */
export function resizeTerminal(winszFifo: string, rows: number, columns: number): void {
  let fd: number;
  try {
    fd = openSync(winszFifo, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return; // no monitor listening: nothing to resize
  }
  try {
    writeSync(fd, `${rows} ${columns}\n`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes conmon reopen its log file (after kubelet rotated it away), through the bundle's `ctl`
 * FIFO: message type 2, conmon's REOPEN_LOGS (ctrl.c). Throws when no monitor listens.
 */
export function reopenMonitorLog(ctlFifo: string): void {
  const fd = openSync(ctlFifo, constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    writeSync(fd, '2 0 0\n');
  } finally {
    closeSync(fd);
  }
}

/** Parses docker's --detach-keys ("ctrl-p,ctrl-q", "a,ctrl-@") into bytes. */
export function parseDetachKeys(spec: string): Buffer {
  if (spec === '') return Buffer.alloc(0);
  return Buffer.from(
    spec.split(',').map((k) => {
      const ctrl = /^ctrl-(.)$/.exec(k);
      if (ctrl) {
        const c = (ctrl[1] as string).toLowerCase();
        if (c >= 'a' && c <= 'z') return c.charCodeAt(0) - 96;
        const special: Record<string, number> = { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 };
        if (c in special) return special[c] as number;
      }
      if (k.length === 1) return k.charCodeAt(0);
      throw new Error(`invalid detach key "${k}": expected a letter or ctrl-<key>`);
    }),
  );
}
