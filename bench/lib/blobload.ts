/**
 * A registry load generator (distribution-spec blob endpoints) with `concurrency` requests in
 * flight over keep-alive connections:
 *   upload: POST /v2/<name>/blobs/uploads/ → 202 Location, then PUT <Location>?digest=… with the
 *           whole blob (a monolithic upload, spec "pushing a blob in a single PUT")
 *   get:    GET /v2/<name>/blobs/<digest>, body read and discarded
 * Blob i is `base` with its first 8 bytes replaced by i, so every upload is new content while the
 * client does no copying; digests are computed before the clock starts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';

export interface BlobSet {
  size: number;
  base: Buffer;
  digests: string[];
}

function header(i: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeBigUInt64BE(BigInt(i));
  return h;
}

export function makeBlobSet(size: number, count: number): BlobSet {
  const base = randomBytes(size);
  const rest = base.subarray(8);
  const digests: string[] = [];
  for (let i = 0; i < count; i++) digests.push(`sha256:${createHash('sha256').update(header(i)).update(rest).digest('hex')}`);
  return { size, base, digests };
}

interface Resp { status: number; location?: string }

function send(agent: Agent, host: string, method: string, path: string, body?: Buffer[]): Promise<Resp> {
  const [hostname, port] = host.split(':');
  return new Promise((resolve, reject) => {
    const len = body ? body.reduce((a, b) => a + b.length, 0) : 0;
    const req = request({ agent, hostname, port: Number(port), method, path, headers: body ? { 'content-type': 'application/octet-stream', 'content-length': String(len) } : { 'content-length': '0' } }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) for (const b of body) req.write(b);
    req.end();
  });
}

async function upload(agent: Agent, host: string, repo: string, set: BlobSet, i: number): Promise<void> {
  const start = await send(agent, host, 'POST', `/v2/${repo}/blobs/uploads/`);
  if (start.status !== 202 || !start.location) throw new Error(`POST upload: HTTP ${start.status}`);
  const loc = start.location.startsWith('http') ? new URL(start.location) : new URL(start.location, `http://${host}`);
  loc.searchParams.set('digest', set.digests[i] as string);
  const done = await send(agent, host, 'PUT', `${loc.pathname}${loc.search}`, [header(i), set.base.subarray(8)]);
  if (done.status !== 201) throw new Error(`PUT upload: HTTP ${done.status}`);
}

async function get(agent: Agent, host: string, repo: string, digest: string): Promise<void> {
  const r = await send(agent, host, 'GET', `/v2/${repo}/blobs/${digest}`);
  if (r.status !== 200) throw new Error(`GET blob: HTTP ${r.status}`);
}

export interface LoadResult {
  ops: number;
  seconds: number;
  mbPerSec: number;
  opsPerSec: number;
}

/** Runs `indices.length` operations with `concurrency` in flight; returns throughput. */
export async function runLoad(kind: 'upload' | 'get', host: string, repo: string, set: BlobSet, indices: readonly number[], concurrency: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const t0 = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < indices.length) {
      const i = indices[next++] as number;
      if (kind === 'upload') await upload(agent, host, repo, set, i);
      else await get(agent, host, repo, set.digests[i] as string);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, indices.length) }, worker));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  agent.destroy();
  return { ops: indices.length, seconds, opsPerSec: indices.length / seconds, mbPerSec: (indices.length * set.size) / 1024 ** 2 / seconds };
}
