/**
 * Image records whose manifest is an index (image-spec image-index.md): manifest lists made with
 * `hull manifest create` and images pulled with `--all-platforms`. The record's id and manifest
 * are the index digest; the index's children (platform manifests, their configs and layers) live
 * in the content store as blobs, with no record of their own. Pure helpers over the store.
 */
import { HullError } from '../errors.js';
import type { BlobReader } from '../content/store.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseImageConfig } from '../oci/image-config.js';
import { parseManifest, type ImageIndex, type ImageManifest } from '../oci/manifest.js';
import { MediaType, isIndexMediaType } from '../oci/media-types.js';
import { formatPlatform, hostPlatform, platformMatches, type Platform } from '../oci/platform.js';
import type { ImageRecord } from './image-store.js';

export function isIndexRecord(image: Pick<ImageRecord, 'manifestMediaType'>): boolean {
  return isIndexMediaType(image.manifestMediaType);
}

/** The index of an index record; INVALID_FORMAT when the stored manifest is not one. */
export function readIndex(blobs: BlobReader, image: Pick<ImageRecord, 'manifest' | 'manifestMediaType' | 'id'>): ImageIndex {
  const parsed = parseManifest(blobs.readBytes(image.manifest), image.manifestMediaType, `manifest list ${image.id}`);
  if (parsed.kind !== 'index') throw new HullError('INVALID_FORMAT', `Cannot use manifest list "${image.id}": its manifest is not an index`);
  return parsed.index;
}

/** A child manifest of an index, if its bytes are in the store and it is an image manifest. */
export function readChild(blobs: BlobReader, d: Descriptor): ImageManifest | undefined {
  if (!blobs.has(d.digest)) return undefined;
  try {
    const parsed = parseManifest(blobs.readBytes(d.digest), d.mediaType, `manifest ${d.digest}`);
    return parsed.kind === 'manifest' ? parsed.manifest : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The child to use where one image is needed (run, inspect, images): the one for `want` (default:
 * this host) whose manifest and config are stored, else the first stored one (a list of foreign
 * platforms still lists and inspects, as podman shows it). Undefined for an empty list.
 */
export function chooseLocalChild(blobs: BlobReader, index: ImageIndex, want: Platform = hostPlatform()): { descriptor: Descriptor; manifest: ImageManifest } | undefined {
  const stored = index.manifests.flatMap((d) => {
    const manifest = readChild(blobs, d);
    return manifest && blobs.has(manifest.config.digest) ? [{ descriptor: d, manifest }] : [];
  });
  return stored.find((c) => c.descriptor.platform !== undefined && platformMatches(want, c.descriptor.platform)) ?? stored[0];
}

/** The descriptor an index holds for a stored image manifest: platform from its config (os, architecture, variant). */
export function describeImageManifest(blobs: BlobReader, manifestDigest: Descriptor['digest'], mediaType: string, override: Partial<Platform> = {}): Descriptor {
  const bytes = blobs.readBytes(manifestDigest);
  const parsed = parseManifest(bytes, mediaType, `manifest ${manifestDigest}`);
  if (parsed.kind !== 'manifest') throw new HullError('INVALID_FORMAT', `Cannot describe manifest ${manifestDigest}: it is an index`);
  const config = parseImageConfig(blobs.readBytes(parsed.manifest.config.digest), `config of manifest ${manifestDigest}`);
  const platform: Platform = { os: override.os ?? config.os, architecture: override.architecture ?? config.architecture };
  const variant = override.variant ?? config.variant;
  if (variant) platform.variant = variant;
  return { mediaType: parsed.mediaType, digest: manifestDigest, size: bytes.length, platform };
}

/**
 * The bytes of an OCI index over `manifests`, as podman writes them (2-space JSON). A list keeps
 * one entry per manifest digest: adding the same manifest again replaces its entry.
 */
export function serializeIndex(manifests: readonly Descriptor[], annotations?: Record<string, string>): Buffer {
  const doc = {
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: manifests.map((d) => ({
      mediaType: d.mediaType,
      digest: d.digest,
      size: d.size,
      ...(d.annotations ? { annotations: d.annotations } : {}),
      ...(d.platform ? { platform: d.platform } : {}),
    })),
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  return Buffer.from(JSON.stringify(doc, null, 2));
}

/** Merges `added` into `current`: a digest already listed is replaced in place, new ones append. */
export function mergeDescriptors(current: readonly Descriptor[], added: readonly Descriptor[]): Descriptor[] {
  const out = [...current];
  for (const d of added) {
    const i = out.findIndex((x) => x.digest === d.digest);
    if (i >= 0) out[i] = d;
    else out.push(d);
  }
  return out;
}

export function describePlatforms(index: ImageIndex): string {
  return index.manifests.map((d) => (d.platform ? formatPlatform(d.platform) : d.digest)).join(', ') || 'none';
}
