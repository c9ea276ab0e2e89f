/**
 * Port-forward over WebSocket (kubelet's portforward/websocket.go): the ports come in the query
 * (`?port=80&port=443`); each port gets two channels, data (2i) and error (2i+1), and one
 * connection to that port in the pod for the life of the WebSocket. The server's first message on
 * each channel is the port as two little-endian bytes. Channel framing as for remote-command
 * (websocket.ts): a channel byte, or for `v4.base64.channel.k8s.io` an ASCII digit and base64.
 */
import type { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeChannelMessage, encodeChannelMessage } from './websocket.js';
import { forwardConnection, parsePort } from './portforward.js';

const PROTOCOLS = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'portforward.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'];
const wss = new WebSocketServer({ noServer: true, maxPayload: 16 << 20, handleProtocols: (offered) => [...offered].find((p) => PROTOCOLS.includes(p)) ?? false });

/** Pure: the forwarded ports of a request's query; undefined when one is not a port. */
export function parseQueryPorts(url: string | undefined): number[] | undefined {
  const values = new URL(url ?? '/', 'http://x').searchParams.getAll('port').flatMap((v) => v.split(','));
  const ports = values.map((v) => parsePort(v.trim()));
  return ports.length > 0 && ports.every((p) => p !== undefined) ? (ports as number[]) : undefined;
}

export function serveWebSocketPortForward(req: IncomingMessage, socket: Duplex, head: Buffer, ports: number[], podId: string, netns: string): void {
  wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    const base64 = ws.protocol.includes('base64');
    const send = (channel: number, data: Buffer) => new Promise<void>((resolve) => (ws.readyState === ws.OPEN ? ws.send(encodeChannelMessage(channel, data, base64), () => resolve()) : resolve()));
    const data: Duplex[] = [];
    let open = ports.length;
    ports.forEach((port, i) => {
      const stream = new Duplex({
        read() {},
        write: (chunk: Buffer, _e, cb) => void send(2 * i, chunk).then(() => cb()),
        final: (cb) => {
          if (--open === 0) ws.close(1000);
          cb();
        },
      });
      const error = new Duplex({ read() {}, write: (chunk: Buffer, _e, cb) => void send(2 * i + 1, chunk).then(() => cb()) });
      data.push(stream);
      const portBytes = Buffer.alloc(2);
      portBytes.writeUInt16LE(port);
      void send(2 * i, portBytes).then(() => send(2 * i + 1, portBytes)).then(() => forwardConnection(netns, port, stream, error, podId));
    });
    ws.on('message', (message: Buffer, isBinary: boolean) => {
      const m = decodeChannelMessage(message, isBinary, base64);
      if (m && m.channel % 2 === 0) data[m.channel / 2]?.push(m.data);
    });
    ws.on('close', () => {
      for (const d of data) d.push(null);
    });
    ws.on('error', () => {});
  });
}
