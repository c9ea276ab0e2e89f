/**
 * Reading a recorded image back: its manifest (an index is refused: hull records the platform
 * manifest it chose) and its config, from the content store. The one place that does it, for
 * inspect, create, commit and build.
 */
import { HullError } from '../errors.js';
import type { BlobReader } from '../content/store.js';
import { parseImageConfig, type ImageConfig } from '../oci/image-config.js';
import { parseManifest, type ImageManifest } from '../oci/manifest.js';
import type { ImageRecord } from './image-store.js';

export interface ImageContent {
  manifest: ImageManifest;
  config: ImageConfig;
}

/** Throws NOT_FOUND when a blob is missing, INVALID_FORMAT when the manifest is an index. */
export function readImage(blobs: BlobReader, image: ImageRecord): ImageContent {
  const parsed = parseManifest(blobs.readBytes(image.manifest), image.manifestMediaType);
  if (parsed.kind !== 'manifest') throw new HullError('INVALID_FORMAT', `Cannot use image "${image.id}": its manifest is an index`);
  return { manifest: parsed.manifest, config: parseImageConfig(blobs.readBytes(parsed.manifest.config.digest)) };
}
