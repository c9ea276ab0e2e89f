/**
 * Test-only helpers for the registry server: an in-process server on 127.0.0.1:0 in a temp
 * root, a raw HTTP client (node:http, so paths like /v2/%2e%2e/ reach the server unnormalised,
 * which fetch would not allow), push helpers, and a hand-made OCI image layout for real clients.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import tar from 'tar-stream';
import { gzipSync } from 'node:zlib';
import type { Radosgw } from './radosgw.js';
import { createTestBucket } from './s3.js';
import type { S3DriverOptions } from '../storage/s3-driver.js';
import { loadRegistryConfig, startRegistryServer, type RegistryConfig, type RegistryConfigOverrides, type RegistryLogEntry } from '../index.js';

export interface TestRegistry {
  url: string;
  port: number;
  root: string;
  config: RegistryConfig;
  logs: RegistryLogEntry[];
  close(): Promise<void>;
}

export async function tempDir(prefix = 'hull-reg-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/**
 * HULL_TEST_REGISTRY_S3 (JSON: endpoint, accessKeyId, secretAccessKey, region) runs every test
 * registry on a fresh bucket of that S3 server instead of the filesystem: http/s3-backed.test.ts
 * sets it to run the HTTP suites on radosgw. A registry restarted on the same root gets the same bucket.
 */
const s3Buckets = new Map<string, S3DriverOptions>();
async function s3For(root: string): Promise<S3DriverOptions | undefined> {
  const env = process.env.HULL_TEST_REGISTRY_S3;
  if (!env) return undefined;
  let options = s3Buckets.get(root);
  if (!options) {
    options = await createTestBucket({ ...(JSON.parse(env) as Omit<Radosgw, 'stop' | 'dir'>), dir: '', stop: async () => undefined });
    s3Buckets.set(root, options);
  }
  return options;
}

export async function startTestRegistry(overrides: RegistryConfigOverrides = {}, patch: (c: RegistryConfig) => void = () => undefined): Promise<TestRegistry> {
  const root = overrides.root ?? (await tempDir());
  const config = await loadRegistryConfig(undefined, { addr: '127.0.0.1:0', root, fsync: false, ...overrides });
  const s3 = await s3For(root);
  if (s3) config.s3 = s3;
  patch(config);
  const logs: RegistryLogEntry[] = [];
  const running = await startRegistryServer(config, { logger: (e) => logs.push(e) });
  if (s3 && logs.find((e) => e.msg === 'registry listening')?.storage !== 's3') throw new Error('HULL_TEST_REGISTRY_S3 is set but the registry does not run on S3');
  return {
    ...running,
    root,
    config,
    logs,
    async close() {
      await running.close();
      if (!overrides.root) await fs.rm(root, { recursive: true, force: true });
    },
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json<T = unknown>(): T;
}

export const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export async function request(
  baseUrl: string,
  method: string,
  rawPath: string,
  options: { headers?: Record<string, string>; body?: Uint8Array | string; ca?: Buffer } = {},
): Promise<RawResponse> {
  const u = new URL(baseUrl);
  const mod = u.protocol === 'https:' ? https : http;
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  return new Promise((resolve, reject) => {
    const req = mod.request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path: rawPath,
        headers: { ...(body ? { 'Content-Length': String(body.length) } : {}), ...options.headers },
        ...(u.protocol === 'https:' ? { ca: options.ca } : { agent }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buf, json: <T>() => JSON.parse(buf.toString('utf8')) as T });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export function digestOf(data: Uint8Array | string): `sha256:${string}` {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Pushes a blob monolithically (POST ?digest=) and returns its digest. */
export async function pushBlob(url: string, repo: string, data: Uint8Array | string, headers: Record<string, string> = {}): Promise<`sha256:${string}`> {
  const d = digestOf(data);
  const res = await request(url, 'POST', `/v2/${repo}/blobs/uploads/?digest=${d}`, { body: data, headers: { 'Content-Type': 'application/octet-stream', ...headers } });
  if (res.status !== 201) throw new Error(`push blob: ${res.status} ${res.body.toString()}`);
  return d;
}

export interface TestImage {
  config: Buffer;
  layer: Buffer;
  manifest: Buffer;
  manifestDigest: `sha256:${string}`;
}

/** A tiny image: one gzip layer holding hello.txt, an OCI config and manifest. */
export async function makeImage(text = 'hello from hull\n'): Promise<TestImage> {
  const pack = tar.pack();
  pack.entry({ name: 'hello.txt', mode: 0o644, mtime: new Date(0) }, text);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  const rawTar = Buffer.concat(chunks);
  const layer = gzipSync(rawTar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: [digestOf(rawTar)] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digestOf(layer), size: layer.length }],
    }),
  );
  return { config, layer, manifest, manifestDigest: digestOf(manifest) };
}

/** Pushes an image's blobs and its manifest under `tag`. */
export async function pushImage(url: string, repo: string, img: TestImage, tag: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  await pushBlob(url, repo, img.config, headers);
  await pushBlob(url, repo, img.layer, headers);
  return request(url, 'PUT', `/v2/${repo}/manifests/${tag}`, { body: img.manifest, headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', ...headers } });
}

/** Writes an OCI image layout (image-spec image-layout.md) holding `img` as `tag`. */
export async function writeOciLayout(dir: string, img: TestImage, tag: string): Promise<void> {
  const blobs = path.join(dir, 'blobs', 'sha256');
  await fs.mkdir(blobs, { recursive: true });
  for (const b of [img.config, img.layer, img.manifest]) await fs.writeFile(path.join(blobs, digestOf(b).slice(7)), b);
  await fs.writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await fs.writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.manifestDigest, size: img.manifest.length, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
}
