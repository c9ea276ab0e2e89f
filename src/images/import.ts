/**
 * `hull import`: a root filesystem tarball (plain, gzip or zstd) becomes a one-layer image, like
 * `docker import`. Steps: ingest the bytes -> apply them as a layer (which computes the diffID and
 * refuses unsafe entries) -> write config and manifest -> record the name, all under one lease (a
 * concurrent GC keeps what it writes). Any failure removes what this import added, so a refused
 * file leaves the store as it was.
 */
import type { Readable } from 'node:stream';
import { HullError } from '../errors.js';
import type { BlobReader, ContentStore } from '../content/store.js';
import { withLease } from './lease.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import type { ContainerDefaults, ImageConfig } from '../oci/image-config.js';
import { MediaType, type Compression } from '../oci/media-types.js';
import { encodeJson, type ImageManifest } from '../oci/manifest.js';
import { hostPlatform } from '../oci/platform.js';
import type { Digest } from '../oci/digest.js';
import { applyChange } from './changes.js';
import type { ImageRecord, ImageStore } from './image-store.js';
import { normaliseName } from './image-store.js';

export interface ImportDeps {
  content: ContentStore;
  images: ImageStore;
  snapshotter: Snapshotter;
  root: string;
}

export interface ImportOptions {
  /** Name to tag the image with; untagged ("<none>") when absent. */
  name?: string;
  changes?: string[];
  message?: string;
  /** Shown in history: where the tarball came from. */
  source: string;
}

const LAYER_TYPES: Record<Compression, string> = { none: MediaType.OciLayer, gzip: MediaType.OciLayerGzip, zstd: MediaType.OciLayerZstd };

async function sniffCompression(blobs: BlobReader, digest: Digest): Promise<Compression> {
  const head = await readHead(blobs, digest, 4);
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length === 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

async function readHead(blobs: BlobReader, digest: Digest, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of blobs.openRead(digest, { start: 0, end: n - 1 })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function importRootfs(deps: ImportDeps, input: Readable, opts: ImportOptions): Promise<ImageRecord> {
  // Validate everything the user typed before touching the store.
  const name = opts.name === undefined ? undefined : normaliseName(opts.name);
  let defaults: ContainerDefaults = {};
  for (const change of opts.changes ?? []) defaults = applyChange(defaults, change);

  return withLease(deps.root, 'import', {}, async (lease) => {
    const content = deps.content.writer(lease);
    const added: Digest[] = [];
    const addBlob = (digest: Digest, existed: boolean) => {
      if (!existed) added.push(digest);
    };
    const { applyLayer } = await import('../archive/apply-layer.js');
    const prepared = await deps.snapshotter.prepareLayer(undefined, lease);
    try {
      const layerBlob = await content.ingest(input, { what: `import "${opts.source}"` });
      addBlob(layerBlob.digest, layerBlob.existed);
      if (layerBlob.size === 0) throw new HullError('INVALID_FORMAT', `Cannot import "${opts.source}": the input is empty, not a tar archive`);
      const compression = await sniffCompression(content, layerBlob.digest);
      const applied = await applyLayer(prepared.dir, content.openRead(layerBlob.digest), { whiteouts: deps.snapshotter.whiteouts, layer: opts.source });
      // Held before it is committed: a GC in between must see it is about to be used.
      await lease.hold([layerBlob.digest], [applied.diffID]);
      await deps.snapshotter.commitLayer(prepared, applied.diffID, undefined);

      const created = new Date().toISOString();
      const platform = hostPlatform();
      const config: ImageConfig = {
        created,
        architecture: platform.architecture,
        os: platform.os,
        ...(platform.variant ? { variant: platform.variant } : {}),
        config: defaults,
        rootfs: { type: 'layers', diff_ids: [applied.diffID] },
        history: [{ created, created_by: `hull import ${opts.source}`, comment: opts.message ?? `Imported from ${opts.source}` }],
      };
      const configJson = encodeJson(config);
      const configExisted = content.has(configJson.digest);
      content.putBytes(configJson.bytes);
      addBlob(configJson.digest, configExisted);
      const manifest: ImageManifest = {
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, digest: configJson.digest, size: configJson.bytes.length },
        layers: [{ mediaType: LAYER_TYPES[compression], digest: layerBlob.digest, size: layerBlob.size }],
      };
      const manifestJson = encodeJson(manifest);
      content.putBytes(manifestJson.bytes);
      return await deps.images.add(
        { id: configJson.digest, manifest: manifestJson.digest, manifestMediaType: MediaType.OciManifest, created },
        name === undefined ? [] : [name],
        lease,
      );
    } catch (err) {
      await deps.snapshotter.abortLayer(prepared);
      for (const d of added) content.discard(d);
      if (err instanceof HullError) throw err;
      throw new HullError('INVALID_FORMAT', `Cannot import "${opts.source}": ${(err as Error).message}`, { cause: err });
    }
  });
}
