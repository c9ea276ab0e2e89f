/**
 * Test-only images built by hand: gzip layers from file maps or from the busybox rootfs tarball,
 * configs for any platform, manifests and indexes, written as an OCI image layout
 * (image-spec image-layout.md) that skopeo can copy into a registry.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export type Digest = `sha256:${string}`;

export function digestOf(b: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

export interface Layer {
  blob: Buffer;
  diffId: Digest;
  mediaType: string;
}

export interface BuiltImage {
  manifest: Buffer;
  manifestDigest: Digest;
  config: Buffer;
  configDigest: Digest;
  blobs: Map<Digest, Buffer>;
}

/** A gzip layer from a gzip tarball already made (the busybox rootfs). */
export function layerFromGzip(gz: Buffer): Layer {
  return { blob: gz, diffId: digestOf(gunzipSync(gz)), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' };
}

/** A gzip layer holding `files` (path -> content); `pad` adds incompressible bytes to make it big. */
export async function layerFromFiles(files: Record<string, string | Buffer>): Promise<Layer> {
  const pack = tar.pack();
  for (const [name, data] of Object.entries(files)) pack.entry({ name, mode: 0o644, mtime: new Date(0) }, data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  return { blob: gzipSync(raw, { level: 1 }), diffId: digestOf(raw), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' };
}

export function buildImage(layers: Layer[], platform: { os: string; architecture: string; variant?: string } = { os: 'linux', architecture: 'amd64' }, cmd: string[] = ['sh']): BuiltImage {
  const config = Buffer.from(JSON.stringify({
    created: '2024-01-01T00:00:00Z',
    ...platform,
    config: { Cmd: cmd, Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'hull test' })),
  }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: digestOf(l.blob), size: l.blob.length })),
  }));
  const blobs = new Map<Digest, Buffer>([[digestOf(config), config], [digestOf(manifest), manifest]]);
  for (const l of layers) blobs.set(digestOf(l.blob), l.blob);
  return { manifest, manifestDigest: digestOf(manifest), config, configDigest: digestOf(config), blobs };
}

export function buildIndex(entries: Array<{ image: BuiltImage; platform: { os: string; architecture: string; variant?: string } }>): { index: Buffer; digest: Digest } {
  const index = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: entries.map(({ image, platform }) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.manifestDigest, size: image.manifest.length, platform })),
  }));
  return { index, digest: digestOf(index) };
}

/** Writes an OCI layout whose index.json names `top` (a manifest or an index) as `tag`. */
export function writeOciLayout(dir: string, blobs: Iterable<[Digest, Buffer]>, top: { bytes: Buffer; mediaType: string }, tag: string): void {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const [d, b] of blobs) writeFileSync(join(dir, 'blobs', 'sha256', d.slice(7)), b);
  writeFileSync(join(dir, 'blobs', 'sha256', digestOf(top.bytes).slice(7)), top.bytes);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: top.mediaType, digest: digestOf(top.bytes), size: top.bytes.length, annotations: { 'org.opencontainers.image.ref.name': tag } }],
  }));
}
