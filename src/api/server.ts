/**
 * The API server: Node's own `http` (and `https` for TLS with client certificates). It gives what
 * the Docker API needs without a framework: chunked responses for streams, a unix socket, and the
 * `upgrade` event that hands over the raw socket for hijacked attach/exec (`Upgrade: tcp` -> 101).
 *
 * Lifecycle: createApiServer() -> listenApi() on one address -> serve until the signal aborts or,
 * with an idle timeout, until no request has been in flight for that long -> close.
 */
import { createServer as createHttpServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { HullError, errnoCode, errorMessage } from '../errors.js';
import { hullVersion } from '../version.js';
import type { Engine } from '../engine/engine.js';
import { Router } from './router.js';
import { sendError, sendJson, statusOf, type ApiRequest } from './http.js';
import { pingHeaders } from './system.js';
import { ROUTES } from './routes.js';
import { parseListenAddress, type ListenAddress } from './address.js';
import type { RegistryOptions } from './core.js';
import type { ApiState } from './attach-exec.js';

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export interface ServeOptions {
  /** unix:///path, tcp://host:port; ignored when `listenFd` is given. */
  uri: string;
  /** A listening socket handed over by systemd (LISTEN_FDS): its fd number (3). */
  listenFd?: number;
  /** Seconds without a request in flight before the service exits; 0 = never. */
  idleSeconds: number;
  /** Client-certificate TLS (dockerd's --tlsverify); required for a non-loopback TCP address. */
  tls?: TlsFiles;
  /** Group id that may use the unix socket (mode 0660). */
  socketGid?: number;
  /** Registry settings for pulls and pushes (insecure registries, auth file). */
  registry?: RegistryOptions;
  signal?: AbortSignal;
  /** One line per failed request (5xx) and per start/stop; the CLI writes them to stderr. */
  log?: (line: string) => void;
  /** Told when requests start being in flight and when none is any more (the CLI collects garbage by them). */
  activity?: { busy(): void; idle(): void };
}

interface Tracker {
  active: number;
  onIdle: () => void;
  onBusy: () => void;
}

function track(t: Tracker): () => void {
  if (t.active++ === 0) t.onBusy();
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--t.active === 0) t.onIdle();
  };
}

export function createApiServer(engine: Engine, opts: { tls?: TlsFiles; log?: (line: string) => void; tracker?: Tracker; registry?: RegistryOptions } = {}): Server {
  const router = new Router(ROUTES);
  const state: ApiState = { execs: new Map() };
  const serverHeader = `hull/${hullVersion()} (linux)`;
  const log = opts.log ?? (() => {});
  const server = opts.tls
    ? createHttpsServer({ ca: readFileSync(opts.tls.ca), cert: readFileSync(opts.tls.cert), key: readFileSync(opts.tls.key), requestCert: true, rejectUnauthorized: true })
    : createHttpServer();
  // Oversized headers get Node's 431; a slow client cannot hold a request open forever before its headers.
  server.maxHeadersCount = 200;
  server.headersTimeout = 60_000;
  server.requestTimeout = 0; // pulls, builds, attach and event streams run as long as they need

  async function dispatch(req: IncomingMessage, res: ServerResponse, hijack?: { socket: Duplex; head: Buffer }): Promise<void> {
    const done = opts.tracker ? track(opts.tracker) : () => {};
    const abort = new AbortController();
    const closed = () => {
      done();
      if (!res.writableFinished) abort.abort(new HullError('INTERNAL', 'Cannot finish the request: the client went away'));
    };
    if (hijack) hijack.socket.once('close', closed);
    else res.once('close', closed);
    res.setHeader('Api-Version', pingHeaders()['API-Version'] as string);
    res.setHeader('Server', serverHeader);
    res.setHeader('Ostype', 'linux');
    try {
      const url = new URL(req.url ?? '/', 'http://hull');
      const match = router.match(req.method ?? 'GET', url.pathname);
      if (!match) {
        sendJson(res, 404, { message: 'page not found' });
        return;
      }
      const r: ApiRequest = { req, res, params: match.params, query: url.searchParams, version: match.version, engine, registry: opts.registry ?? {}, state, signal: abort.signal };
      if (hijack && match.route.hijackable) r.hijack = hijack;
      await match.route.handler(r);
    } catch (err) {
      if (statusOf(err) === 500) log(`${req.method} ${req.url}: ${errorMessage(err)}`);
      sendError(res, err);
    }
  }

  const hijacked = new Set<Duplex>();
  const closeAll = server.closeAllConnections.bind(server);
  server.closeAllConnections = () => {
    closeAll();
    for (const socket of hijacked) socket.destroy();
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => void dispatch(req, res));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A response object on the raw socket, so errors before the hijack are ordinary HTTP answers.
    const res = new ServerResponse(req);
    res.assignSocket(socket as Socket);
    res.shouldKeepAlive = false;
    res.once('finish', () => socket.end());
    socket.on('error', () => socket.destroy());
    // server.close() waits for upgraded sockets too, which closeAllConnections() does not reach.
    hijacked.add(socket);
    socket.once('close', () => hijacked.delete(socket));
    void dispatch(req, res, { socket, head });
  });
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    if (!socket.writable) return socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const body = JSON.stringify({ message: `Cannot read the request: ${err.code === 'HPE_HEADER_OVERFLOW' ? 'headers too large' : 'malformed HTTP'}` });
    socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  return server;
}

/** Refuses to take over a socket another service answers on; removes a stale one. */
async function clearStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  if (!isSocket) throw new HullError('CONFLICT', `Cannot listen on "${path}": a file that is not a socket is in the way`, { hint: 'choose another path, or remove the file' });
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
  if (alive) throw new HullError('CONFLICT', `Cannot listen on "${path}": another service is answering on it`, { hint: 'stop that service, or give another unix:// path' });
  unlinkSync(path);
}

async function listen(server: Server, address: ListenAddress | { fd: number }): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const ready = () => (server.off('error', reject), resolve());
    if ('fd' in address) server.listen({ fd: address.fd }, ready);
    else if (address.kind === 'unix') server.listen(address.path, ready);
    else server.listen(address.port, address.host, ready);
  });
}

/**
 * Serves the API until `signal` aborts or the idle timeout passes. Resolves once the listener is
 * closed (in-flight streams are ended); the unix socket file is removed.
 */
export async function serveApi(engine: Engine, opts: ServeOptions): Promise<{ address: string; closed: Promise<void> }> {
  const log = opts.log ?? (() => {});
  const address = opts.listenFd === undefined ? parseListenAddress(opts.uri, { tls: opts.tls !== undefined }) : undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let stop: () => void = () => {};
  const tracker: Tracker = {
    active: 0,
    onBusy: () => {
      clearTimeout(idleTimer);
      opts.activity?.busy();
    },
    onIdle: () => {
      if (opts.idleSeconds > 0) idleTimer = setTimeout(() => stop(), opts.idleSeconds * 1000);
      opts.activity?.idle();
    },
  };
  const server = createApiServer(engine, { ...(opts.tls ? { tls: opts.tls } : {}), ...(opts.registry ? { registry: opts.registry } : {}), log, tracker });
  if (address?.kind === 'unix') {
    mkdirSync(dirname(address.path), { recursive: true, mode: 0o755 });
    await clearStaleSocket(address.path);
  }
  await listen(server, address ?? { fd: opts.listenFd as number });
  if (address?.kind === 'unix') {
    // 0660: access to this socket is root on the host (it can run privileged containers).
    chmodSync(address.path, 0o660);
    if (opts.socketGid !== undefined) chownSync(address.path, 0, opts.socketGid);
  }
  const shown = address === undefined ? `fd://${opts.listenFd}` : address.kind === 'unix' ? `unix://${address.path}` : `tcp://${address.host}:${address.port}`;
  const closed = new Promise<void>((resolve) => {
    stop = () => {
      clearTimeout(idleTimer);
      server.close(() => {
        if (address?.kind === 'unix') {
          try {
            unlinkSync(address.path);
          } catch {
            // already gone
          }
        }
        resolve();
      });
      server.closeAllConnections();
    };
  });
  opts.signal?.addEventListener('abort', () => stop(), { once: true });
  tracker.onIdle();
  log(`hull API ${shown}: listening${opts.idleSeconds > 0 ? `, exits after ${opts.idleSeconds}s idle` : ''}`);
  return { address: shown, closed };
}
