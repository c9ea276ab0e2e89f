/**
 * The CRI streaming server: kubelet (or crictl) asks the CRI's Exec, Attach or PortForward for a
 * URL; the runtime answers with this server's `/exec/<token>`, `/attach/<token>` or
 * `/portforward/<token>`, and the client upgrades an HTTP request there to SPDY/3.1 or WebSocket.
 * A token stands for the checked request and is used once (requests.ts); an unknown or expired one
 * gets 404, as from kubelet's own streaming server.
 *
 *   RuntimeService.Exec(req) -> server.getExec(req) -> { url }   (the gRPC door calls these)
 *   client: POST url, Upgrade: SPDY/3.1 | websocket -> 101 -> streams
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { HullError } from '../../errors.js';
import type { Engine } from '../../engine/engine.js';
import { checkStreamingRequest, parseStreamOptions, TokenCache, type CriAttachRequest, type CriExecRequest, type CriPortForwardRequest, type StreamingRequest } from './requests.js';
import { headerList, negotiateProtocol, PORTFORWARD_PROTOCOL, SPDY_REMOTECOMMAND_PROTOCOLS, STREAM_PROTOCOL_HEADER } from './remotecommand.js';
import { serveSpdyRemoteCommand } from './spdy-remotecommand.js';
import { servePortForward } from './portforward.js';
import { serveWebSocketRemoteCommand } from './websocket.js';
import { parseQueryPorts, serveWebSocketPortForward } from './websocket-portforward.js';
import { startAttach, startExec, type Session, type SessionIO } from './session.js';

export interface StreamingServerOptions {
  /** Address to listen on; default 127.0.0.1 (kubelet reaches it on the node). */
  address?: string;
  /** TCP port; default 0 (any free port). */
  port?: number;
  /**
   * The network namespace (a path such as /proc/<pid>/ns/net) of a pod sandbox, for
   * port-forward. Default: the pod's infra container's (engine.pods), or else the running
   * container the id names.
   */
  podNetns?: (podSandboxId: string) => Promise<string>;
}

export interface StreamingServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  getExec(req: CriExecRequest): { url: string };
  getAttach(req: CriAttachRequest): { url: string };
  getPortForward(req: CriPortForwardRequest): { url: string };
  close(): Promise<void>;
}

const PATHS: Record<StreamingRequest['kind'], string> = { exec: 'exec', attach: 'attach', portforward: 'portforward' };

function refuse(socket: Duplex, status: number, reason: string, message: string): void {
  // Control characters from untrusted input never reach the response.
  const body = `${[...message].map((c) => (c < ' ' || c === '\x7f' ? '?' : c)).join('')}\n`;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/**
 * A sandbox's netns: with pods (engine.pods, docs/pods.md) a CRI sandbox is a pod whose infra
 * container holds the namespaces; an id that names no pod is taken as a container's.
 */
async function sandboxNetns(engine: Engine, id: string): Promise<string> {
  let target = id;
  try {
    target = engine.pods.inspect(id).InfraContainerId;
  } catch {
    // not a pod
  }
  return containerNetns(engine, target);
}

async function containerNetns(engine: Engine, id: string): Promise<string> {
  const record = await engine.containers.refresh(id);
  if (record.State.Status !== 'running' || !record.State.Pid) throw new HullError('CONFLICT', `Cannot port-forward to pod "${id}": it is not running`);
  return `/proc/${record.State.Pid}/ns/net`;
}

export async function createStreamingServer(engine: Engine, options: StreamingServerOptions = {}): Promise<StreamingServer> {
  const tokens = new TokenCache();
  const podNetns = options.podNetns ?? ((id: string) => sandboxNetns(engine, id));
  const sockets = new Set<Duplex>();

  const lookup = (url: string | undefined): { kind: string; request: StreamingRequest | undefined } => {
    const m = /^\/(exec|attach|portforward)\/([A-Za-z0-9_-]{1,64})$/.exec((url ?? '').split('?')[0] ?? '');
    if (!m) return { kind: '', request: undefined };
    const request = tokens.consume(m[2] as string);
    return { kind: m[1] as string, request: request && PATHS[request.kind] === m[1] ? request : undefined };
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // Without an upgrade there is nothing to serve; the token is spent all the same, as kubelet's is.
    const { request } = lookup(req.url);
    res.writeHead(request ? 400 : 404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(request ? 'this URL needs an Upgrade: SPDY/3.1 or websocket request\n' : 'no such streaming session (its token is unknown, used or expired)\n');
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const { request } = lookup(req.url);
    if (!request) return refuse(socket, 404, 'Not Found', 'no such streaming session (its token is unknown, used or expired)');
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    void serve(req, socket, head, upgrade, request).catch((err: Error) => {
      if (!socket.destroyed) refuse(socket, 500, 'Internal Server Error', err.message);
    });
  });

  async function serve(req: IncomingMessage, socket: Duplex, head: Buffer, upgrade: string, request: StreamingRequest): Promise<void> {
    if (request.kind === 'portforward') {
      if (upgrade === 'websocket') {
        const ports = parseQueryPorts(req.url);
        if (!ports) return refuse(socket, 400, 'Bad Request', 'port-forward over WebSocket needs the ports in the query: ?port=N (1-65535), repeated');
        return serveWebSocketPortForward(req, socket, head, ports, request.req.pod_sandbox_id, await podNetns(request.req.pod_sandbox_id));
      }
      if (upgrade !== 'spdy/3.1') return refuse(socket, 400, 'Bad Request', `unsupported upgrade "${upgrade}": use SPDY/3.1 or websocket`);
      if (!headerList(req.headers[STREAM_PROTOCOL_HEADER]).includes(PORTFORWARD_PROTOCOL)) return refuse(socket, 403, 'Forbidden', `unsupported port-forward protocol; this server speaks ${PORTFORWARD_PROTOCOL}`);
      const netns = await podNetns(request.req.pod_sandbox_id);
      return servePortForward(socket, head, request.req.pod_sandbox_id, netns);
    }
    const opts = parseStreamOptions(request.kind, request.req);
    const start = request.kind === 'exec'
      ? (io: SessionIO): Session => startExec(engine, request.req.container_id, request.req.cmd, opts, io)
      : (io: SessionIO): Session => startAttach(engine, request.req.container_id, opts, io);
    if (upgrade === 'websocket') return serveWebSocketRemoteCommand(req, socket, head, opts, start);
    if (upgrade !== 'spdy/3.1') return refuse(socket, 400, 'Bad Request', `unsupported upgrade "${upgrade}": use SPDY/3.1 or websocket`);
    const protocol = negotiateProtocol(headerList(req.headers[STREAM_PROTOCOL_HEADER]), SPDY_REMOTECOMMAND_PROTOCOLS.filter((p) => p !== 'channel.k8s.io'));
    if (!protocol) return refuse(socket, 403, 'Forbidden', `unsupported remote-command protocol; this server speaks ${SPDY_REMOTECOMMAND_PROTOCOLS.slice(0, 4).join(', ')}`);
    return serveSpdyRemoteCommand(socket, head, protocol, opts, start);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.address ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const base = `http://${host}:${address.port}`;
  const make = (request: StreamingRequest) => {
    checkStreamingRequest(request);
    return { url: `${base}/${PATHS[request.kind]}/${tokens.insert(request)}` };
  };
  return {
    url: base,
    getExec: (req) => make({ kind: 'exec', req }),
    getAttach: (req) => make({ kind: 'attach', req }),
    getPortForward: (req) => make({ kind: 'portforward', req }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
