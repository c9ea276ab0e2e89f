/**
 * Port forwarding into a pod (protocol portforward.k8s.io over SPDY/3.1, kubelet's
 * pkg/kubelet/cri/streaming/portforward): for each forwarded connection the client opens two
 * streams with the same `port` and `requestID` headers, `streamType: error` then `streamType:
 * data`. The server connects to that port on the pod's loopback, copies bytes both ways on the data
 * stream, and writes what went wrong (if anything) to the error stream. The connection lives until
 * the client closes it.
 *
 * Reaching the pod's loopback: Node cannot enter a network namespace, so each forwarded
 * connection runs `nsenter --net=<pod netns> socat STDIO TCP:localhost:<port>` (util-linux and
 * Debian's socat, which hull already uses): the pod's own localhost, as containerd reaches it.
 */
import { spawn } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { SpdySession, type SpdyStream } from './spdy-session.js';
import { RST_PROTOCOL_ERROR } from './spdy-frames.js';
import { PORTFORWARD_PROTOCOL } from './remotecommand.js';
import { upgradeResponse } from './spdy-remotecommand.js';

/** Pure: a port header's value as a TCP port, or undefined. */
export function parsePort(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,5}$/.test(value)) return undefined;
  const port = Number(value);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** Copies one forwarded connection: the data stream to the pod's port and back. */
export function forwardConnection(netns: string, port: number, data: Duplex, error: Duplex, podId: string): void {
  const child = spawn('nsenter', [`--net=${netns}`, 'socat', 'STDIO', `TCP:localhost:${port}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  data.pipe(child.stdin);
  child.stdout.pipe(data);
  child.stdin.on('error', () => {});
  data.on('close', () => child.kill('SIGTERM'));
  const report = (message: string) => {
    if (!error.destroyed && !error.writableEnded) error.end(`error forwarding port ${port} to pod ${podId}: ${message}`);
  };
  child.on('error', (err) => report(`cannot run nsenter: ${err.message}`));
  child.on('close', (code) => {
    if (code !== 0 && code !== null) report(stderr.trim().split('\n').pop()?.replace(/^.*socat\[\d+\] [EW] /, '') ?? `socat exited ${code}`);
    else if (!error.destroyed && !error.writableEnded) error.end();
  });
}

export async function servePortForward(socket: Duplex, head: Buffer, podId: string, netns: string): Promise<void> {
  socket.write(upgradeResponse(PORTFORWARD_PROTOCOL));
  const session = new SpdySession(socket, head);
  const pairs = new Map<string, { error?: SpdyStream; data?: SpdyStream }>();
  session.on('stream', (stream) => {
    const type = stream.header('streamtype');
    const port = parsePort(stream.header('port'));
    if ((type !== 'error' && type !== 'data') || port === undefined) return stream.reset(RST_PROTOCOL_ERROR);
    // Old clients send no requestID: kubelet pairs a data stream with the error stream opened just
    // before it (stream ids go up by 2 per stream on a client).
    const requestId = stream.header('requestid') ?? String(type === 'error' ? stream.id : stream.id - 2);
    const pair = pairs.get(requestId) ?? {};
    if (pair[type]) return stream.reset(RST_PROTOCOL_ERROR);
    pair[type] = stream;
    pairs.set(requestId, pair);
    stream.reply();
    if (pair.error && pair.data) {
      pairs.delete(requestId);
      pair.error.resume();
      forwardConnection(netns, port, pair.data, pair.error, podId);
    }
  });
  await new Promise<void>((resolve) => session.on('close', () => resolve()));
}
