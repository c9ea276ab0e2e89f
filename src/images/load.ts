/**
 * `hull load`: take a lease -> stage the archive (a tar, plain or gzip'd; or read an OCI layout
 * directory in place) -> detect its format (index.json: OCI layout; manifest.json: docker-archive)
 * -> verify every image completely against the staged files (config and layer digests, manifest
 * bytes, docker layers' diff_ids) -> hold the digests and chainIDs in the lease -> ingest the blobs
 * -> unpack -> record the images with their names, last. A refused archive has added nothing; a
 * load killed at any point leaves no image recorded that is not complete (blobs are committed by
 * rename, layers by rename, the record last), and its lease and staging are removed by the next
 * load or GC.
 */
import type { Readable } from 'node:stream';
import { HullError } from '../errors.js';
import type { BlobWriter, ContentStore } from '../content/store.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import { chainIds } from '../oci/chain-id.js';
import { digestHex, sha256, type Digest } from '../oci/digest.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseImageConfig, type ImageConfig } from '../oci/image-config.js';
import { encodeJson, parseManifest, type ImageManifest } from '../oci/manifest.js';
import { MediaType, layerCompression } from '../oci/media-types.js';
import { detectCompression } from '../archive/decompress.js';
import type { ImageStore } from './image-store.js';
import { withLease } from './lease.js';
import { unpackImage } from './unpack.js';
import { ArchiveFiles } from './formats/archive-files.js';
import type { ArchivedImage } from './formats/archived-image.js';

export interface LoadDeps {
  content: ContentStore;
  images: ImageStore;
  snapshotter: Snapshotter;
  root: string;
}

export interface LoadedImage {
  id: Digest;
  names: string[];
}

/** An archived image after verification: everything needed to ingest it without further checks. */
interface VerifiedImage {
  names: string[];
  id: Digest;
  configBytes: Buffer;
  config: ImageConfig;
  manifest: ImageManifest;
  manifestBytes: Buffer;
  manifestDigest: Digest;
  manifestMediaType: string;
  layerEntries: string[];
}

/** `input` is a tar stream, or the path of an OCI layout directory. */
export async function loadImages(deps: LoadDeps, input: Readable | NodeJS.ReadableStream | { dir: string }, source: string): Promise<LoadedImage[]> {
  return withLease(deps.root, 'load', {}, async (lease) => {
    const files = 'dir' in input ? ArchiveFiles.directory(input.dir) : await ArchiveFiles.stage(input, lease.scratchDir(), source);
    const archived = await readArchive(files);
    const verified: VerifiedImage[] = [];
    for (const a of archived) verified.push(await verifyImage(files, a));
    const digests = verified.flatMap((v) => [v.id, v.manifestDigest, ...v.manifest.layers.map((l) => l.digest)]);
    await lease.hold(digests, verified.flatMap((v) => chainIds(v.config.rootfs.diff_ids)));
    const added: Digest[] = [];
    const createdLayers: string[] = [];
    const content = deps.content.writer(lease);
    try {
      for (const v of verified) await ingestImage(content, files, v, added);
      for (const v of verified) {
        await unpackImage(content, deps.snapshotter, lease, v.manifest, v.config, (e) => {
          if (e.type === 'layer-unpacked') createdLayers.push(e.chainID);
        });
      }
    } catch (err) {
      for (const c of createdLayers.reverse()) await deps.snapshotter.removeLayer(c).catch(() => {});
      for (const d of added) content.discard(d);
      throw err;
    }
    const loaded: LoadedImage[] = [];
    for (const v of verified) {
      const record = await deps.images.add({ id: v.id, manifest: v.manifestDigest, manifestMediaType: v.manifestMediaType, created: v.config.created ?? new Date().toISOString() }, v.names, lease);
      loaded.push({ id: record.id, names: v.names });
    }
    return loaded;
  });
}

export async function readArchive(files: ArchiveFiles): Promise<ArchivedImage[]> {
  if (files.has('index.json')) return (await import('./formats/oci-layout.js')).readOciLayout(files);
  if (files.has('manifest.json')) return (await import('./formats/docker-archive.js')).readDockerArchive(files);
  throw new HullError('INVALID_FORMAT', `Cannot load "${files.source}": it has neither manifest.json (docker-archive) nor index.json (OCI layout)`, {
    hint: 'give a file written by "hull save", "docker save", "podman save" or "skopeo copy"; a root filesystem tarball is loaded with "hull import"',
  });
}

function refuse(files: ArchiveFiles, why: string, code: 'INVALID_DIGEST' | 'INVALID_FORMAT' | 'UNSUPPORTED' = 'INVALID_DIGEST'): HullError {
  return new HullError(code, `Cannot load "${files.source}": ${why}`, { hint: 'the archive is corrupt or incomplete; nothing was loaded' });
}

/** Checks one image against the staged files; builds an OCI manifest for docker-archive images. */
async function verifyImage(files: ArchiveFiles, a: ArchivedImage): Promise<VerifiedImage> {
  const configBytes = files.readBytes(a.config.entry, 'config');
  const id = sha256(configBytes);
  const namedHex = /^(?:blobs\/sha256\/)?([a-f0-9]{64})(?:\.json)?$/.exec(a.config.entry)?.[1];
  if ((a.config.digest !== undefined && a.config.digest !== id) || (namedHex !== undefined && namedHex !== digestHex(id))) {
    throw refuse(files, `config "${a.config.entry}" has digest ${id}, which does not match its name`);
  }
  const config = parseImageConfig(configBytes, `config "${a.config.entry}" of "${files.source}"`);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== a.layers.length) {
    throw refuse(files, `config "${a.config.entry}" lists ${diffIds.length} diff_ids but the image has ${a.layers.length} layers`, 'INVALID_FORMAT');
  }
  const layers: Descriptor[] = [];
  for (const [i, l] of a.layers.entries()) {
    const digest = await files.digest(l.entry, 'layer');
    const size = files.size(l.entry, 'layer');
    if (l.digest !== undefined) {
      if (digest !== l.digest || (l.size !== undefined && size !== l.size)) {
        throw refuse(files, `layer "${l.entry}" has digest ${digest} and ${size} bytes, expected ${l.digest} and ${l.size ?? size}`);
      }
      const mediaType = l.mediaType ?? MediaType.OciLayer;
      if (layerCompression(mediaType) === undefined) throw refuse(files, `layer "${l.entry}" has media type "${mediaType}", which hull cannot unpack`, 'UNSUPPORTED');
      layers.push({ mediaType, digest, size });
      continue;
    }
    // docker-archive: no descriptor. An uncompressed layer's digest is its diff_id; a compressed
    // one's diff_id is checked while it is unpacked.
    const compression = detectCompression(files.head(l.entry, 4));
    if (compression === 'none' && digest !== diffIds[i]) {
      throw refuse(files, `layer "${l.entry}" has digest ${digest}, but the config's diff_id for it is ${diffIds[i]}`);
    }
    const mediaType = compression === 'gzip' ? MediaType.OciLayerGzip : compression === 'zstd' ? MediaType.OciLayerZstd : MediaType.OciLayer;
    layers.push({ mediaType, digest, size });
  }
  if (a.manifest) {
    const parsed = parseManifest(a.manifest.bytes, a.manifest.mediaType);
    if (parsed.kind !== 'manifest') throw refuse(files, `manifest ${a.manifest.digest} is an index`, 'INVALID_FORMAT');
    return { names: a.names, id, configBytes, config, manifest: parsed.manifest, manifestBytes: a.manifest.bytes, manifestDigest: a.manifest.digest, manifestMediaType: parsed.mediaType, layerEntries: a.layers.map((l) => l.entry) };
  }
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: id, size: configBytes.length },
    layers,
  };
  const json = encodeJson(manifest);
  return { names: a.names, id, configBytes, config, manifest, manifestBytes: json.bytes, manifestDigest: json.digest, manifestMediaType: MediaType.OciManifest, layerEntries: a.layers.map((l) => l.entry) };
}

/** Blobs go in verified (digest and size); `added` collects those this load created. */
async function ingestImage(content: BlobWriter, files: ArchiveFiles, v: VerifiedImage, added: Digest[]): Promise<void> {
  const put = (bytes: Buffer, digest: Digest) => {
    if (content.has(digest)) return;
    content.putBytes(bytes, { digest });
    added.push(digest);
  };
  put(v.configBytes, v.id);
  for (const [i, layer] of v.manifest.layers.entries()) {
    if (content.has(layer.digest)) continue;
    const entry = v.layerEntries[i] as string;
    const r = await content.ingest(files.open(entry, 'layer'), { digest: layer.digest, size: layer.size, what: `layer "${entry}" of "${files.source}"` });
    if (!r.existed) added.push(r.digest);
  }
  put(v.manifestBytes, v.manifestDigest);
}
