/**
 * One HTTP exchange with a registry, on node:http/https. Why not fetch (undici): Node 20 ships no
 * importable undici Agent, so fetch cannot take a per-registry CA or client certificate without a
 * dependency; node:http(s) gives per-origin keep-alive agents with their own TLS material, bodies
 * as Node streams (which pipe straight into the content store and the layer unpacker without a
 * web-stream conversion), Range requests and upload bodies streamed from files.
 *
 * This layer does no retries, auth or redirects: client.ts composes those.
 */
import type * as http from 'node:http';
import type * as https from 'node:https';
import type * as tls from 'node:tls';
import { lazyBuiltin } from '../sys/lazy-builtin.js';

// Loaded at the first exchange: a container start from a local image never talks to a registry.
const httpModule = lazyBuiltin<typeof http>('node:http');
const httpsModule = lazyBuiltin<typeof https>('node:https');
const rootCertificates = (): readonly string[] => lazyBuiltin<typeof tls>('node:tls')().rootCertificates;
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { HostConfig } from './hosts.js';

/** Debian's (and most distributions') system CA bundle, added to Node's own roots. */
const SYSTEM_CA_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'];
const IDLE_TIMEOUT_MS = 60_000;

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** A buffer, or a factory so that a retried request can send the body again. */
  body?: Buffer | (() => Readable);
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
  url: URL;
}

export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Reads a whole (small) body; refuses more than `limit` bytes. */
export async function readBody(res: HttpResponse, limit = 8 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > limit) {
      res.body.destroy();
      throw new Error(`response body larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Drops a body we do not need, so that the connection goes back to the pool. */
export function discard(res: HttpResponse): void {
  res.body.resume();
  res.body.on('error', () => {});
}

function systemCas(): string[] {
  for (const file of SYSTEM_CA_BUNDLES) {
    try {
      return [readFileSync(file, 'utf8')];
    } catch {
      // try the next
    }
  }
  return [...rootCertificates()];
}

/**
 * NODE_EXTRA_CA_CERTS, which bin/hull hands over as HULL_EXTRA_CA_CERTS so that Node does not parse
 * it at every start-up: as with Node's own handling, these CAs are added to the default roots.
 */
function extraCas(file: string | undefined): string[] {
  if (!file) return [];
  try {
    return [readFileSync(file, 'utf8')];
  } catch {
    return []; // Node too only warns when the file cannot be read
  }
}

/** Keep-alive agents per origin, with the registry's TLS material; closed with the transport. */
export class Transport {
  private readonly agents = new Map<string, http.Agent>();
  private caList: Array<string | Buffer> | undefined;

  constructor(readonly host: HostConfig, private readonly maxSockets = 8) {}

  private agentFor(url: URL): http.Agent {
    const key = url.origin;
    let agent = this.agents.get(key);
    if (agent) return agent;
    if (url.protocol === 'https:') {
      const own = url.host === this.host.endpoint;
      // Node's built-in roots unless the registry has its own CA files (then the system bundle plus
      // those) or extra CAs were given; a CA list costs ~300 ms to parse, so it is built only then.
      if (!this.caList) {
        const extra = extraCas(this.host.tls.extraCaFile);
        if (this.host.tls.ca.length > 0) this.caList = [...systemCas(), ...this.host.tls.ca, ...extra];
        else if (extra.length > 0) this.caList = [...rootCertificates(), ...extra];
      }
      agent = new (httpsModule().Agent)({
        keepAlive: true,
        maxSockets: this.maxSockets,
        ...(this.caList ? { ca: this.caList } : {}),
        rejectUnauthorized: this.host.tls.rejectUnauthorized,
        ...(own && this.host.tls.cert ? { cert: this.host.tls.cert, key: this.host.tls.key } : {}),
      });
    } else {
      agent = new (httpModule().Agent)({ keepAlive: true, maxSockets: this.maxSockets });
    }
    this.agents.set(key, agent);
    return agent;
  }

  send(req: HttpRequest): Promise<HttpResponse> {
    const mod = req.url.protocol === 'https:' ? httpsModule() : httpModule();
    const body = typeof req.body === 'function' ? req.body() : req.body;
    const headers: Record<string, string> = { 'User-Agent': 'hull', ...req.headers };
    if (Buffer.isBuffer(body) && headers['Content-Length'] === undefined) headers['Content-Length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const request = mod.request(req.url, { method: req.method, headers, agent: this.agentFor(req.url), ...(req.signal ? { signal: req.signal } : {}) }, (res) => {
        res.setTimeout(IDLE_TIMEOUT_MS, () => res.destroy(Object.assign(new Error('registry stopped sending data'), { code: 'ETIMEDOUT' })));
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url: req.url });
      });
      request.setTimeout(IDLE_TIMEOUT_MS, () => request.destroy(Object.assign(new Error('registry did not answer'), { code: 'ETIMEDOUT' })));
      request.on('error', (err) => {
        if (body && !Buffer.isBuffer(body)) body.destroy();
        reject(err);
      });
      if (body === undefined || Buffer.isBuffer(body)) request.end(body);
      else {
        body.on('error', (err) => request.destroy(err));
        body.pipe(request);
      }
    });
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
