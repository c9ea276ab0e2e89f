/**
 * Writes OCI image layouts (image-spec image-layout.md) for the benchmark corpus without any
 * registry or engine: each layer is `tar --sort=name --numeric-owner` of a directory, hashed
 * (diffID), gzipped and hashed again (digest) in one pass. index.json is written last, so a
 * layout with an index.json is complete.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, writeFileSync, existsSync, linkSync, copyFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export interface LayerBlob {
  digest: string;
  diffId: string;
  size: number;
  uncompressedSize: number;
  /** The gzip file inside the layout's blobs directory. */
  path: string;
}

function hashing(onDone: (hex: string, bytes: number) => void): Transform {
  const h = createHash('sha256');
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) { h.update(chunk); bytes += chunk.length; cb(null, chunk); },
    flush(cb) { onDone(h.digest('hex'), bytes); cb(); },
  });
}

export function blobPath(layout: string, digest: string): string {
  return join(layout, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
}

/** Packs `dir` as a gzip layer into the layout's blobs. */
export async function packLayer(layout: string, dir: string): Promise<LayerBlob> {
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  const tmp = join(layout, 'blobs', `.tmp-${process.pid}-${Date.now()}`);
  const tar = spawn('tar', ['--sort=name', '--numeric-owner', '--xattrs', '-C', dir, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number>((resolve) => tar.on('close', (c) => resolve(c ?? 1)));
  let diffId = '';
  let uncompressedSize = 0;
  let digest = '';
  let size = 0;
  await pipeline(
    tar.stdout,
    hashing((hex, n) => { diffId = `sha256:${hex}`; uncompressedSize = n; }),
    createGzip({ level: 6 }),
    hashing((hex, n) => { digest = `sha256:${hex}`; size = n; }),
    createWriteStream(tmp),
  );
  const code = await exited;
  if (code !== 0) throw new Error(`tar of ${dir} exited ${code}`);
  const path = blobPath(layout, digest);
  renameSync(tmp, path);
  return { digest, diffId, size, uncompressedSize, path };
}

/** Puts an existing layer blob (from another layout) into this layout, by hard link when possible. */
export function adoptLayer(layout: string, layer: LayerBlob): LayerBlob {
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  const path = blobPath(layout, layer.digest);
  if (!existsSync(path)) {
    try { linkSync(layer.path, path); } catch { copyFileSync(layer.path, path); }
  }
  return { ...layer, path };
}

function writeBlob(layout: string, content: string): { digest: string; size: number } {
  const buf = Buffer.from(content);
  const digest = `sha256:${createHash('sha256').update(buf).digest('hex')}`;
  writeFileSync(blobPath(layout, digest), buf);
  return { digest, size: buf.length };
}

export interface ImageSpec {
  cmd: string[];
  layers: LayerBlob[];
}

/** Writes config, manifest, oci-layout and finally index.json (tag "latest"). */
export function writeLayout(layout: string, spec: ImageSpec): void {
  const config = {
    created: '2025-01-01T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: spec.cmd },
    rootfs: { type: 'layers', diff_ids: spec.layers.map((l) => l.diffId) },
    history: spec.layers.map(() => ({ created: '2025-01-01T00:00:00Z', created_by: 'hull bench corpus' })),
  };
  const cfg = writeBlob(layout, JSON.stringify(config));
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg.digest, size: cfg.size },
    layers: spec.layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
  };
  const man = writeBlob(layout, JSON.stringify(manifest));
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: manifest.mediaType, digest: man.digest, size: man.size, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
  };
  writeFileSync(join(layout, 'layers.json'), JSON.stringify(spec.layers));
  writeFileSync(join(layout, 'index.json'), JSON.stringify(index));
}
