/**
 * exec and attach over SPDY/3.1 (what kubelet's and crictl's client-go speaks): after the 101, the
 * client opens one stream per channel, each named by its `streamType` header — error, and stdin,
 * stdout, stderr, resize as the session uses them. Once all expected streams are open the session
 * runs; at its end stdout and stderr are closed, the error stream carries how it ended, and the
 * connection closes (GOAWAY).
 */
import type { Duplex } from 'node:stream';
import { SpdySession, type SpdyStream } from './spdy-session.js';
import { RST_PROTOCOL_ERROR } from './spdy-frames.js';
import { errorStreamPayload, protocolVersion, resizeDecoder } from './remotecommand.js';
import type { StreamOptions } from './requests.js';
import type { Session, SessionIO } from './session.js';

/** kubelet's streamCreationTimeout: a client that never opens its streams is dropped. */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

export function upgradeResponse(protocol: string): string {
  return `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`;
}

type Channels = Partial<Record<'error' | 'stdin' | 'stdout' | 'stderr' | 'resize', SpdyStream>>;

/** Pure: the streams a client opens for these options (client-go's createStreams). */
export function expectedStreams(opts: StreamOptions, version: number): Array<keyof Channels> {
  const names: Array<keyof Channels> = ['error'];
  if (opts.stdin) names.push('stdin');
  if (opts.stdout) names.push('stdout');
  if (opts.stderr && !opts.tty) names.push('stderr');
  if (opts.tty && version >= 3) names.push('resize');
  return names;
}

const endStream = (s: SpdyStream | undefined) => new Promise<void>((resolve) => (s && !s.destroyed && !s.writableEnded ? s.end(() => resolve()) : resolve()));

export async function serveSpdyRemoteCommand(socket: Duplex, head: Buffer, protocol: string, opts: StreamOptions, start: (io: SessionIO) => Session): Promise<void> {
  socket.write(upgradeResponse(protocol));
  const session = new SpdySession(socket, head);
  const version = protocolVersion(protocol);
  const expected = expectedStreams(opts, version);
  const aborter = new AbortController();
  session.on('close', () => aborter.abort());
  const channels: Channels = {};
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), STREAM_CREATION_TIMEOUT_MS);
    session.on('close', () => (clearTimeout(timer), resolve(false)));
    session.on('stream', (stream) => {
      const type = stream.header('streamtype') as keyof Channels | undefined;
      if (type === undefined || !expected.includes(type) || channels[type]) return stream.reset(RST_PROTOCOL_ERROR);
      stream.reply();
      channels[type] = stream;
      if (expected.every((t) => channels[t])) {
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
  if (!ready) return void (await session.close());
  // A stream the session does not read still has to be drained, or its data would pile up.
  channels.error?.resume();
  channels.stdout?.resume();
  channels.stderr?.resume();
  const running = start({
    ...(channels.stdin ? { stdin: channels.stdin } : {}),
    ...(channels.stdout ? { stdout: channels.stdout } : {}),
    ...(channels.stderr ? { stderr: channels.stderr } : {}),
    signal: aborter.signal,
  });
  channels.resize?.on('data', resizeDecoder((size) => running.resize(size)));
  const end = await running.done;
  await Promise.all([endStream(channels.stdout), endStream(channels.stderr)]);
  const payload = errorStreamPayload(version, end);
  if (channels.error && !channels.error.destroyed) {
    if (payload.length > 0) channels.error.write(payload);
    await endStream(channels.error);
  }
  await session.close();
}
