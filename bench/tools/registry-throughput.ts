/**
 * Throughput and memory measurement of a registry (hull's or Debian's docker-registry), for the
 * benchmark suite to call, and runnable by hand:
 *
 *   node dist/bench/tools/registry-throughput.js [--sizes 102400,10485760] [--conc 1,8,64] [--peers hull,docker-registry]
 *
 * For each blob size and concurrency: upload distinct random blobs (POST then PUT ?digest= with
 * the body, as clients finish small uploads), then GET them all back; MB/s over the wall time of
 * each phase, and the server's peak RSS sampled from /proc during the phase. Loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export interface MeasureRow {
  peer: string;
  size: number;
  concurrency: number;
  uploadMBps: number;
  getMBps: number;
  peakRssMB: number;
}

export interface PeerServer {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/registry-server/serve-entry.js');

async function freePort(): Promise<number> {
  const srv = http.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(`${url}/v2/`);
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`registry at ${url} did not come up`);
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  return async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await fs.rm(dir, { recursive: true, force: true });
  };
}

export async function startHullPeer(options: { fsync?: boolean } = {}): Promise<PeerServer> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hull-measure-'));
  const port = await freePort();
  const child = spawn(process.execPath, [ENTRY, '--root', dir, '--addr', `127.0.0.1:${port}`, ...(options.fsync === false ? ['--no-fsync'] : [])], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url);
  return { name: options.fsync === false ? 'hull (no fsync)' : 'hull', url, pid: child.pid!, stop: stopper(child, dir) };
}

export async function startDockerRegistryPeer(bin = '/usr/bin/docker-registry'): Promise<PeerServer> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docker-registry-measure-'));
  const port = await freePort();
  const config = ['version: 0.1', 'log: {level: error, accesslog: {disabled: true}}', 'storage:', `  filesystem: {rootdirectory: ${dir}/data}`, '  delete: {enabled: true}', 'http:', `  addr: 127.0.0.1:${port}`, ''].join('\n');
  await fs.writeFile(path.join(dir, 'config.yml'), config);
  const child = spawn(bin, ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url);
  return { name: 'docker-registry', url, pid: child.pid!, stop: stopper(child, dir) };
}

async function rssMB(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : 0;
}

function send(agent: http.Agent, url: URL, method: string, p: string, body?: Buffer): Promise<{ status: number; location?: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: url.hostname, port: url.port, method, path: p, headers: { 'Content-Length': String(body?.length ?? 0) } }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ...(res.headers.location ? { location: res.headers.location } : {}) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Measures one peer at one point; blobs are distinct so every upload really writes. */
export async function measurePoint(peer: PeerServer, size: number, concurrency: number, count: number): Promise<MeasureRow> {
  const url = new URL(peer.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const base = randomBytes(size);
  const blobs = Array.from({ length: count }, (_, i) => {
    const data = Buffer.from(base);
    data.writeUInt32BE(i, 0);
    data.writeUInt32BE(Math.floor(Math.random() * 2 ** 32), 4);
    return { data, digest: `sha256:${createHash('sha256').update(data).digest('hex')}` };
  });
  const repo = `bench/s${size}c${concurrency}`;
  let peak = 0;
  const sampler = setInterval(() => void rssMB(peer.pid).then((r) => (peak = Math.max(peak, r))), 25);
  try {
    const t0 = process.hrtime.bigint();
    await pool(blobs, concurrency, async (b) => {
      const start = await send(agent, url, 'POST', `/v2/${repo}/blobs/uploads/`);
      if (start.status !== 202 || !start.location) throw new Error(`POST: ${start.status}`);
      const loc = new URL(start.location, peer.url);
      const sep = loc.search ? '&' : '?';
      const put = await send(agent, url, 'PUT', `${loc.pathname}${loc.search}${sep}digest=${b.digest}`, b.data);
      if (put.status !== 201) throw new Error(`PUT: ${put.status}`);
    });
    const t1 = process.hrtime.bigint();
    await pool(blobs, concurrency, async (b) => {
      const res = await send(agent, url, 'GET', `/v2/${repo}/blobs/${b.digest}`);
      if (res.status !== 200 || res.bytes !== size) throw new Error(`GET: ${res.status} ${res.bytes}`);
    });
    const t2 = process.hrtime.bigint();
    peak = Math.max(peak, await rssMB(peer.pid));
    const mb = (size * count) / 1e6;
    return { peer: peer.name, size, concurrency, uploadMBps: mb / (Number(t1 - t0) / 1e9), getMBps: mb / (Number(t2 - t1) / 1e9), peakRssMB: peak };
  } finally {
    clearInterval(sampler);
    agent.destroy();
  }
}

/** Blob count per point: enough work to dominate start-up, bounded in bytes (~320 MB at 10 MB). */
export function countFor(size: number, concurrency: number): number {
  return Math.max(concurrency * 2, Math.min(512, Math.floor(320e6 / size)));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: '102400,10485760' }, conc: { type: 'string', default: '1,8,64' }, peers: { type: 'string', default: 'hull,docker-registry' } } });
  const sizes = values.sizes.split(',').map(Number);
  const concs = values.conc.split(',').map(Number);
  const rows: MeasureRow[] = [];
  for (const name of values.peers.split(',')) {
    const peer = name === 'docker-registry' ? await startDockerRegistryPeer() : await startHullPeer({ fsync: name !== 'hull-nofsync' });
    try {
      for (const size of sizes) for (const c of concs) rows.push(await measurePoint(peer, size, c, countFor(size, c)));
    } finally {
      await peer.stop();
    }
  }
  process.stdout.write('peer                size      conc  upload MB/s  get MB/s  peak RSS MB\n');
  for (const r of rows) {
    process.stdout.write(`${r.peer.padEnd(18)}  ${String(r.size).padStart(8)}  ${String(r.concurrency).padStart(4)}  ${r.uploadMBps.toFixed(1).padStart(11)}  ${r.getMBps.toFixed(1).padStart(8)}  ${r.peakRssMB.toFixed(1).padStart(11)}\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
