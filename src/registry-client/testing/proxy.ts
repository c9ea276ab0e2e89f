/**
 * Test-only HTTP proxies in front of a registry on 127.0.0.1: a fault injector (cut a blob
 * download halfway, flip a byte, answer 429 with Retry-After) and a Bearer-token gate with its
 * own token endpoint (distribution's token auth flow, without a certificate bundle).
 */
import * as http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  range?: string;
  authorization?: string;
  status?: number;
}

export interface TestProxy {
  host: string;
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, seen: SeenRequest) => void | Promise<void>;

async function listen(handler: Handler): Promise<TestProxy> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const seen: SeenRequest = { method: req.method ?? 'GET', path: req.url ?? '/', ...(req.headers.range ? { range: req.headers.range } : {}), ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) };
    requests.push(seen);
    res.on('finish', () => (seen.status = res.statusCode));
    Promise.resolve(handler(req, res, seen)).catch((err: unknown) => {
      res.destroy(err as Error);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Forwards to the registry; `body` may rewrite the response body stream chunk by chunk. */
function forward(req: http.IncomingMessage, res: http.ServerResponse, targetPort: number, onChunk?: (chunk: Buffer, offset: number) => Buffer | 'cut'): void {
  const up = http.request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, upRes.headers);
    if (!onChunk) {
      upRes.pipe(res);
      return;
    }
    let offset = 0;
    upRes.on('data', (chunk: Buffer) => {
      const out = onChunk(chunk, offset);
      offset += chunk.length;
      if (out === 'cut') {
        upRes.destroy();
        res.socket?.destroy();
        return;
      }
      res.write(out);
    });
    upRes.on('end', () => res.end());
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
}

export interface FaultPlan {
  /** Cut the first `times` (default 1) GETs of this blob after about `afterBytes` bytes. */
  cutBlob?: { digest: string; afterBytes: number; times?: number };
  /** Flip the byte at `offset` in every GET of this blob. */
  corruptBlob?: { digest: string; offset: number };
  /** Answer the first `times` requests whose path matches with 429 and this Retry-After. */
  rateLimit?: { path: RegExp; times: number; retryAfter: string };
}

export function startFaultProxy(targetPort: number, plan: FaultPlan): Promise<TestProxy> {
  let cuts = 0;
  let limited = 0;
  return listen((req, res) => {
    const path = req.url ?? '';
    if (plan.rateLimit && plan.rateLimit.path.test(path) && limited < plan.rateLimit.times) {
      limited++;
      res.writeHead(429, { 'Retry-After': plan.rateLimit.retryAfter, 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down' }] }));
      return;
    }
    const isBlob = (d: string) => req.method === 'GET' && path.endsWith(`/blobs/${d}`);
    const cut = plan.cutBlob;
    if (cut && isBlob(cut.digest) && cuts < (cut.times ?? 1)) {
      cuts++;
      forward(req, res, targetPort, (chunk, offset) => (offset + chunk.length > cut.afterBytes ? 'cut' : chunk));
      return;
    }
    const corrupt = plan.corruptBlob;
    if (corrupt && isBlob(corrupt.digest)) {
      forward(req, res, targetPort, (chunk, offset) => {
        if (corrupt.offset < offset || corrupt.offset >= offset + chunk.length) return chunk;
        const copy = Buffer.from(chunk);
        copy[corrupt.offset - offset] = (copy[corrupt.offset - offset] ?? 0) ^ 0xff;
        return copy;
      });
      return;
    }
    forward(req, res, targetPort);
  });
}

export interface TokenProxy extends TestProxy {
  /** Token requests seen, with the scopes asked for. */
  tokenRequests: Array<{ scopes: string[]; user?: string }>;
}

interface Grant {
  user?: string;
  access: Map<string, Set<string>>;
}

/** What a request to the registry API needs: repository and action, or just a valid token for /v2/. */
function needed(method: string, path: string): { repo: string; action: string } | undefined {
  const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(path);
  if (!m) return undefined;
  return { repo: m[1] as string, action: method === 'GET' || method === 'HEAD' ? 'pull' : 'push' };
}

/**
 * A gate in front of the registry that demands Bearer tokens issued by its own /token endpoint
 * (Basic credentials from `users`; anonymous callers get pull access when `anonymousPull`).
 */
export async function startTokenProxy(targetPort: number, opts: { users: Record<string, string>; anonymousPull?: boolean }): Promise<TokenProxy> {
  const tokens = new Map<string, Grant>();
  const tokenRequests: TokenProxy['tokenRequests'] = [];
  let realm = '';
  const proxy = await listen((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/token') {
      const scopes = url.searchParams.getAll('scope');
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      let user: string | undefined;
      if (basic) {
        const [u = '', p = ''] = Buffer.from(basic, 'base64').toString().split(/:(.*)/s);
        if (opts.users[u] !== p) {
          res.writeHead(401, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
          return;
        }
        user = u;
      }
      tokenRequests.push({ scopes, ...(user ? { user } : {}) });
      const access = new Map<string, Set<string>>();
      for (const scope of scopes) {
        const [type, name, actions] = scope.split(':');
        if (type !== 'repository' || !name || !actions) continue;
        const allowed = actions.split(',').filter((a) => (user ? true : opts.anonymousPull === true && a === 'pull'));
        access.set(name, new Set([...(access.get(name) ?? []), ...allowed]));
      }
      const token = randomBytes(16).toString('hex');
      tokens.set(token, { ...(user ? { user } : {}), access });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token, expires_in: 300, issued_at: new Date().toISOString() }));
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const grant = bearer ? tokens.get(bearer) : undefined;
    const need = needed(req.method ?? 'GET', url.pathname);
    const ok = grant !== undefined && (!need || grant.access.get(need.repo)?.has(need.action) === true);
    if (!ok) {
      const scope = need ? `,scope="repository:${need.repo}:${need.action === 'pull' ? 'pull' : 'pull,push'}"` : '';
      res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': `Bearer realm="${realm}",service="hull-test"${scope}` });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    forward(req, res, targetPort);
  });
  realm = `http://${proxy.host}/token`;
  return { ...proxy, tokenRequests };
}
