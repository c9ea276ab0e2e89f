/**
 * exec and attach over WebSocket (k8s.io/apimachinery pkg/util/wsstream; kubelet's
 * remotecommand/websocket.go; KEP-4006 for v5): one WebSocket carries all channels, each
 * message starting with its channel number — 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize —
 * in binary frames, or for the `base64.` protocols in text frames as an ASCII digit followed by
 * base64. v5.channel.k8s.io adds channel 255, CLOSE: [255, n] closes channel n (stdin's EOF).
 * The server first sends an empty message on its lowest writable channel ("connected").
 * `ws` is the WebSocket implementation Node projects standardise on, kept by its authors.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PassThrough, Writable } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { errorStreamPayload, protocolVersion, resizeDecoder } from './remotecommand.js';
import type { StreamOptions } from './requests.js';
import type { Session, SessionIO } from './session.js';

export const WEBSOCKET_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'base64.channel.k8s.io', 'channel.k8s.io'];
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

/** Pure: one outgoing message on a channel. */
export function encodeChannelMessage(channel: number, data: Buffer, base64: boolean): Buffer | string {
  return base64 ? String(channel) + data.toString('base64') : Buffer.concat([Buffer.from([channel]), data]);
}

/** Pure: an incoming message's channel and bytes, or undefined for an empty or malformed one. */
export function decodeChannelMessage(message: Buffer, isBinary: boolean, base64: boolean): { channel: number; data: Buffer } | undefined {
  if (message.length === 0) return undefined;
  if (!base64 || isBinary) return { channel: message[0] as number, data: message.subarray(1) };
  const digit = (message[0] as number) - 48;
  if (digit < 0 || digit > 9) return undefined;
  return { channel: digit, data: Buffer.from(message.subarray(1).toString('latin1'), 'base64') };
}

const wss = new WebSocketServer({ noServer: true, maxPayload: 16 << 20, handleProtocols: (offered) => [...offered].find((p) => WEBSOCKET_PROTOCOLS.includes(p)) ?? false });

export function serveWebSocketRemoteCommand(req: IncomingMessage, socket: Duplex, head: Buffer, opts: StreamOptions, start: (io: SessionIO) => Session): void {
  wss.handleUpgrade(req, socket, head, (ws: WebSocket) => void run(ws, opts, start));
}

async function run(ws: WebSocket, opts: StreamOptions, start: (io: SessionIO) => Session): Promise<void> {
  const protocol = ws.protocol === '' ? 'channel.k8s.io' : ws.protocol;
  const base64 = protocol.includes('base64');
  const version = protocolVersion(protocol.replace('.base64', ''));
  const send = (channel: number, data: Buffer) => new Promise<void>((resolve) => (ws.readyState === ws.OPEN ? ws.send(encodeChannelMessage(channel, data, base64), () => resolve()) : resolve()));
  const writer = (channel: number) => new Writable({ write: (chunk: Buffer, _e, cb) => void send(channel, chunk).then(() => cb()) });
  const aborter = new AbortController();
  const stdin = opts.stdin ? new PassThrough() : undefined;
  ws.on('close', () => {
    aborter.abort();
    stdin?.end();
  });
  ws.on('error', () => {});
  const resizes = { session: undefined as Session | undefined };
  const onResize = resizeDecoder((size) => resizes.session?.resize(size));
  ws.on('message', (message: Buffer, isBinary: boolean) => {
    const m = decodeChannelMessage(message, isBinary, base64);
    if (!m) return;
    if (m.channel === STDIN) stdin?.write(m.data);
    else if (m.channel === RESIZE && opts.tty) onResize(m.data);
    else if (m.channel === CLOSE && version >= 5 && m.data[0] === STDIN) stdin?.end();
  });
  await send(opts.stdout ? STDOUT : opts.stderr ? STDERR : ERROR, Buffer.alloc(0));
  const stdout = opts.stdout ? writer(STDOUT) : undefined;
  const stderr = opts.stderr && !opts.tty ? writer(STDERR) : undefined;
  const running = start({ ...(stdin ? { stdin } : {}), ...(stdout ? { stdout } : {}), ...(stderr ? { stderr } : {}), signal: aborter.signal });
  resizes.session = running;
  const end = await running.done;
  // Output still in flight goes out before the error channel's verdict.
  await Promise.all([stdout, stderr].map((w) => new Promise<void>((resolve) => (w ? w.end(() => resolve()) : resolve()))));
  const payload = errorStreamPayload(version, end);
  if (payload.length > 0) await send(ERROR, payload);
  if (ws.readyState === ws.OPEN) ws.close(1000);
}
